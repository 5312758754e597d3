package dev.fleetnet.controller.auth;

import dev.fleetnet.controller.ApiConfig;
import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.core.DurableFiles;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.SSLException;

/**
 * The public API's serving certificate and key (PEM), and the CA clients trust when the fleet's API
 * CA signed it ({@code caPem}; null for an operator's certificate). The key stays in memory.
 */
public record ApiTls(String certificateChainPem, String privateKeyPem, String caPem, X509Certificate leaf) {
    /**
     * The operator's certificate and key when {@code api} names them, else one the API CA (created
     * in etcd if absent) signs now for the listen address and {@code api.certNames()}, with the CA
     * written to {@code api.caFile()} for clients.
     */
    public static ApiTls load(ApiConfig api, Client client, Keys keys, InetAddress listen, Instant now) throws IOException {
        if (api.operatorCertificate()) {
            String chain = read("--api-cert", api.certFile());
            String key = read("--api-key", api.keyFile());
            java.util.List<X509Certificate> certificates;
            java.security.PrivateKey privateKey;
            try {
                certificates = Pem.certificates(chain);
                privateKey = Pem.privateKey(key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--api-cert/--api-key: " + e.getMessage(), e);
            }
            return new ApiTls(chain, Pem.privateKey(privateKey), null, certificates.get(0));
        }
        ApiCa ca = ApiCa.loadOrCreate(client, keys, now);
        ApiCa.Serving serving = ca.issueServing(ApiCa.servingNames(listen, api.certNames()), now);
        try {
            DurableFiles.write(api.caFile(), ca.certificatePem().getBytes(StandardCharsets.US_ASCII), DurableFiles.WORLD_READABLE);
        } catch (IOException e) {
            throw new IOException("--api-ca-file: cannot write " + api.caFile() + " (" + e + ") (expected: a writable path)", e);
        }
        return new ApiTls(serving.certificateChainPem(), serving.privateKeyPem(), ca.certificatePem(), serving.leaf());
    }

    /** For the gRPC server (ALPN h2). */
    public SslContext grpcServerContext() throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(stream(certificateChainPem), stream(privateKeyPem))).build();
    }

    /** For the REST server: HTTP/1.1 (ALPN http/1.1 when the client offers ALPN). */
    public SslContext httpServerContext() throws SSLException {
        return SslContextBuilder.forServer(stream(certificateChainPem), stream(privateKeyPem))
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "ApiTls[" + leaf.getSubjectX500Principal() + ", until " + leaf.getNotAfter().toInstant() + "]";
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(String flag, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + ") (expected: a readable PEM file)");
        }
    }
}
