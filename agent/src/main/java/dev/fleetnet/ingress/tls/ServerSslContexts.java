package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.Certificate;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Builds the server {@link SslContext} of one certificate with the ingress's TLS policy:
 * TLS 1.3 and 1.2 only, TLS 1.2 limited to ECDHE key exchange with AEAD ciphers (AES-GCM,
 * ChaCha20-Poly1305), ALPN {@code h2} and {@code http/1.1} (the server prefers h2).
 */
public final class ServerSslContexts {
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** TLS 1.3 suites (all AEAD) first, then the TLS 1.2 ECDHE+AEAD ones; unsupported names are filtered out. */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2,
            ApplicationProtocolNames.HTTP_1_1);

    private final SslProvider provider;

    public ServerSslContexts(SslProvider provider) {
        this.provider = provider;
    }

    /** BoringSSL (netty-tcnative) when it loads on this machine, else the JDK's TLS. */
    public static ServerSslContexts preferred() {
        return new ServerSslContexts(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    public SslProvider provider() {
        return provider;
    }

    /** A description for the start-up log: the provider, and why OpenSSL is not used when it is not. */
    public String describe() {
        if (provider == SslProvider.OPENSSL) {
            return "OpenSSL provider (" + OpenSsl.versionString() + ")";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "JDK provider" + (cause == null ? "" : " (OpenSSL unavailable: " + cause + ")");
    }

    /** @throws SSLException when the chain or the key does not parse or do not belong together */
    public SslContext build(Certificate certificate) throws SSLException {
        KeyMatch.check(certificate.getCertificateChainPem(), certificate.getPrivateKeyPem());
        try {
            return SslContextBuilder.forServer(
                            new ByteArrayInputStream(certificate.getCertificateChainPem().getBytes(StandardCharsets.US_ASCII)),
                            new ByteArrayInputStream(certificate.getPrivateKeyPem().getBytes(StandardCharsets.US_ASCII)))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(ALPN)
                    .build();
        } catch (IllegalArgumentException e) { // netty reports unparsable PEM this way
            throw new SSLException(e.getMessage(), e);
        }
    }
}
