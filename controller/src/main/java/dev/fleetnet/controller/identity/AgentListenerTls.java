package dev.fleetnet.controller.identity;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS of the agent listener: the controller's certificate from the host CA (a {@link
 * dev.fleetnet.controller.certs.RenewingCertificate}), TLS 1.3/1.2, and client certificates asked for but not required, so
 * that a host without one can still call {@code HostJoin/Join}. Every other call is gated by
 * {@link HostAuthInterceptor}, which checks the certificate the TLS handshake proved the client
 * holds the key of (CA, validity, name, pinned key, revocation) and refuses with the reason; the
 * handshake itself therefore accepts any client certificate chain rather than failing with an
 * alert that says nothing.
 */
public final class AgentListenerTls {
    private AgentListenerTls() {}

    public static SslContext serverContext(X509ExtendedKeyManager keyManager) throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager))
                .clientAuth(ClientAuth.OPTIONAL).trustManager(new CheckedAtStreamStart())
                .protocols("TLSv1.3", "TLSv1.2").build();
    }

    /** Takes any client chain in the handshake; {@link HostAuthInterceptor} judges it before any call runs. */
    private static final class CheckedAtStreamStart extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the agent listener trusts no server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the agent listener trusts no server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the agent listener trusts no server");
        }

        /** None named: a client offers whatever certificate it has, and a refusal can say what was wrong with it. */
        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        private static void requireChain(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("empty client certificate chain");
            }
        }
    }
}
