package dev.fleetnet.controller.auth;

import dev.fleetnet.controller.ApiConfig;
import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.controller.certs.RenewingCertificate;
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
import java.time.Clock;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The public API's serving certificate: the operator's (PEM files, read at start) or one the API
 * CA signs ({@code caPem} is then that CA, what clients trust; null for an operator's
 * certificate). The fleet's one is renewed in place ({@link #renewIfDue}), so a controller that
 * runs for longer than a certificate's life keeps serving; the key stays in memory.
 */
public final class ApiTls {
    private final String caPem;
    /** The operator's chain and key, or null when the API CA issues (then {@link #renewing}). */
    private final String certificateChainPem;
    private final String privateKeyPem;
    private final X509Certificate operatorLeaf;
    private final RenewingCertificate renewing;

    private ApiTls(String caPem, String certificateChainPem, String privateKeyPem, X509Certificate operatorLeaf,
            RenewingCertificate renewing) {
        this.caPem = caPem;
        this.certificateChainPem = certificateChainPem;
        this.privateKeyPem = privateKeyPem;
        this.operatorLeaf = operatorLeaf;
        this.renewing = renewing;
    }

    /**
     * The operator's certificate and key when {@code api} names them, else one the API CA (created
     * in etcd if absent) signs now for the listen address and {@code api.certNames()}, with the CA
     * written to {@code api.caFile()} for clients.
     */
    public static ApiTls load(ApiConfig api, Client client, Keys keys, InetAddress listen, Clock clock) throws IOException {
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
            return new ApiTls(null, chain, Pem.privateKey(privateKey), certificates.get(0), null);
        }
        ApiCa ca = ApiCa.loadOrCreate(client, keys, clock.instant());
        ApiTls tls = issuedBy(ca, ApiCa.servingNames(listen, api.certNames()), clock);
        try {
            DurableFiles.write(api.caFile(), ca.certificatePem().getBytes(StandardCharsets.US_ASCII), DurableFiles.WORLD_READABLE);
        } catch (IOException e) {
            throw new IOException("--api-ca-file: cannot write " + api.caFile() + " (" + e + ") (expected: a writable path)", e);
        }
        return tls;
    }

    /** A certificate {@code ca} issues for {@code names} now and again whenever {@link #renewIfDue} finds it due. */
    public static ApiTls issuedBy(ApiCa ca, List<String> names, Clock clock) {
        return new ApiTls(ca.certificatePem(), null, null, null, new RenewingCertificate("API certificate (API CA)",
                (key, now) -> ca.issueServing(names, key, now), clock));
    }

    /** The CA clients trust, PEM; null for an operator's certificate. */
    public String caPem() {
        return caPem;
    }

    /** The certificate served now. */
    public X509Certificate leaf() {
        return renewing == null ? operatorLeaf : renewing.certificate();
    }

    /** Replaces the API CA's certificate once a third of its life is left (an operator's is theirs to replace); true if it did. */
    public boolean renewIfDue() {
        return renewing != null && renewing.renewIfDue();
    }

    private SslContextBuilder server() {
        return renewing == null ? SslContextBuilder.forServer(stream(certificateChainPem), stream(privateKeyPem))
                : SslContextBuilder.forServer(renewing.keyManager());
    }

    /** For the gRPC server (ALPN h2). */
    public SslContext grpcServerContext() throws SSLException {
        return GrpcSslContexts.configure(server()).build();
    }

    /** For the REST server: HTTP/1.1 (ALPN http/1.1 when the client offers ALPN). */
    public SslContext httpServerContext() throws SSLException {
        return server()
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "ApiTls[" + leaf().getSubjectX500Principal() + ", until " + leaf().getNotAfter().toInstant() + "]";
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
