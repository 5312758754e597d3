package dev.fleetnet.controller.auth;

import dev.fleetnet.controller.ApiConfig;
import dev.fleetnet.controller.certs.CertificateFiles;
import dev.fleetnet.controller.certs.RenewingCertificate;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.core.DurableFiles;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The public API's serving certificate: the operator's (PEM files, read again when they change:
 * {@link #refresh}) or one the API CA signs ({@code caPem} is then that CA, what clients trust;
 * null for an operator's certificate), renewed in place once a third of its life is left. Either
 * way the listeners serve the new one from the next handshake on, without a restart; the API CA's
 * key stays in memory.
 */
public final class ApiTls {
    /** How often an operator's files are read again: a replaced certificate is served within this. */
    public static final java.time.Duration OPERATOR_RELOAD = java.time.Duration.ofSeconds(30);
    private final String caPem;
    /** The operator's files, or null when the API CA issues (then {@link #renewing}). */
    private final CertificateFiles operator;
    private final RenewingCertificate renewing;

    private ApiTls(String caPem, CertificateFiles operator, RenewingCertificate renewing) {
        this.caPem = caPem;
        this.operator = operator;
        this.renewing = renewing;
    }

    /**
     * The operator's certificate and key when {@code api} names them, else one the API CA (created
     * in etcd if absent) signs now for the listen address and {@code api.certNames()}, with the CA
     * written to {@code api.caFile()} for clients.
     */
    public static ApiTls load(ApiConfig api, Client client, Keys keys, InetAddress listen, Clock clock) throws IOException {
        if (api.operatorCertificate()) {
            try {
                return new ApiTls(null, CertificateFiles.load("API certificate", api.certFile(), api.keyFile()), null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--api-cert/--api-key: " + e.getMessage(), e);
            }
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

    /** A certificate {@code ca} issues for {@code names} now and again whenever {@link #refresh} finds it due. */
    public static ApiTls issuedBy(ApiCa ca, List<String> names, Clock clock) {
        return new ApiTls(ca.certificatePem(), null, new RenewingCertificate("API certificate (API CA)",
                (key, now) -> ca.issueServing(names, key, now), clock));
    }

    /** The CA clients trust, PEM; null for an operator's certificate. */
    public String caPem() {
        return caPem;
    }

    /** The certificate served now. */
    public X509Certificate leaf() {
        return operator != null ? operator.leaf() : renewing.certificate();
    }

    /**
     * An operator's certificate: serves the files again if they changed and belong together. The
     * API CA's: replaces it once a third of its life is left. True if a new certificate is served.
     */
    public boolean refresh() {
        return operator != null ? operator.reloadIfChanged() : renewing.renewIfDue();
    }

    /** How often {@link #refresh} is worth calling. */
    public java.time.Duration refreshInterval() {
        return operator != null ? OPERATOR_RELOAD : java.time.Duration.ofHours(1);
    }

    private SslContextBuilder server() {
        return SslContextBuilder.forServer(operator != null ? operator.keyManager() : renewing.keyManager());
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
}
