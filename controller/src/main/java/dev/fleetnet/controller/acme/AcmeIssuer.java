package dev.fleetnet.controller.acme;

import dev.fleetnet.controller.certs.CertificateFacts;
import dev.fleetnet.controller.certs.Pem;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders one hostname's certificate from the ACME directory with HTTP-01: the challenge goes to
 * etcd for every agent's ingress to answer, the certificate and its fresh key to
 * {@code certs/acme/{hostname}}. Not thread-safe: {@link AcmeService}'s thread is its only caller.
 */
public final class AcmeIssuer {
    private static final Logger log = LoggerFactory.getLogger(AcmeIssuer.class);
    /** How long a new challenge may take to reach every connected agent's ingress before validation is asked for. */
    static final java.time.Duration PROPAGATION_TIMEOUT = java.time.Duration.ofSeconds(10);
    private final AcmeConfig config;
    private final AcmeStore store;
    private Session session;
    private Login login;

    public AcmeIssuer(AcmeConfig config, AcmeStore store) {
        BouncyCastle.ensure();
        this.config = config;
        this.store = store;
    }

    /** Why an order did not end with a certificate, for people. */
    public static final class IssueException extends Exception {
        public IssueException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Orders, validates, finalizes and stores a certificate for {@code hostname}; the challenges are deleted in any case. */
    public CertificateInfo issue(String hostname) throws IssueException {
        List<String> tokens = new ArrayList<>();
        try {
            Order order = login().getAccount().newOrder().domain(hostname).create();
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() != Status.VALID) {
                    authorize(hostname, authorization, tokens);
                }
            }
            Status ready = order.waitUntilReady(config.orderTimeout());
            if (ready != Status.READY) {
                throw new IssueException("order for " + hostname + " is " + ready + " after validation (expected: READY)"
                        + problem(order.getError().orElse(null)), null);
            }
            KeyPair key = KeyPairUtils.createECKeyPair("secp256r1");
            order.execute(key);
            Status done = order.waitForCompletion(config.orderTimeout());
            if (done != Status.VALID) {
                throw new IssueException("order for " + hostname + " is " + done + " after finalizing (expected: VALID)"
                        + problem(order.getError().orElse(null)), null);
            }
            List<X509Certificate> chain = order.getCertificate().getCertificateChain();
            CertificateInfo info = CertificateFacts.info(hostname, CertificateSource.CERTIFICATE_SOURCE_ACME, chain.get(0));
            store.putCertificate(Certificate.newBuilder().setHostname(hostname).setSource(CertificateSource.CERTIFICATE_SOURCE_ACME)
                    .setCertificateChainPem(Pem.chain(chain))
                    .setPrivateKeyPem(Pem.privateKey(key.getPrivate())).setInfo(info).build());
            return info;
        } catch (AcmeException e) {
            throw new IssueException("ACME " + config.directory() + " refused or failed for " + hostname + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IssueException("interrupted while ordering " + hostname, e);
        } catch (RuntimeException e) {
            throw new IssueException("ordering " + hostname + " failed: " + e.getMessage(), e);
        } finally {
            boolean interrupted = Thread.interrupted(); // a closing controller still removes its challenges
            for (String token : tokens) {
                try {
                    store.deleteChallenge(token);
                } catch (RuntimeException e) {
                    log.warn("acme: could not delete challenge {} for {}: {}", token, hostname, e.getMessage());
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void authorize(String hostname, Authorization authorization, List<String> tokens)
            throws AcmeException, InterruptedException, IssueException {
        Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow(() -> new IssueException(
                "ACME " + config.directory() + " offers no http-01 challenge for " + authorization.getIdentifier().getDomain()
                        + " (expected: http-01; wildcard names need dns-01, which fleetnet does not do)", null));
        tokens.add(challenge.getToken());
        long revision = store.putChallenge(AcmeChallenge.newBuilder().setToken(challenge.getToken())
                .setKeyAuthorization(challenge.getAuthorization()).setHostname(authorization.getIdentifier().getDomain()).build());
        awaitAgents(hostname, revision);
        challenge.trigger();
        Status status = challenge.waitForCompletion(config.orderTimeout());
        if (status != Status.VALID) {
            throw new IssueException("http-01 validation of " + hostname + " ended " + status + problem(challenge.getError().orElse(null))
                    + " (expected: the ingress answering http://" + hostname + "/.well-known/acme-challenge/" + challenge.getToken() + ")", null);
        }
    }

    /**
     * Lets the challenge reach the agents before the CA validates: waits (at most
     * {@link #PROPAGATION_TIMEOUT}) until every connected host has acknowledged the revision that
     * holds it. Without this the CA's request can beat the view update and get a 404 from the ingress.
     */
    private void awaitAgents(String hostname, long revision) throws InterruptedException {
        long deadline = System.nanoTime() + PROPAGATION_TIMEOUT.toNanos();
        List<String> behind = store.hostsBehind(revision);
        while (!behind.isEmpty()) {
            if (System.nanoTime() > deadline) {
                log.warn("acme: hosts {} have not applied the challenge for {} (revision {}) after {}; asking for validation anyway",
                        behind, hostname, revision, PROPAGATION_TIMEOUT);
                return;
            }
            Thread.sleep(50); // polling interval for the agents' acknowledgements
            behind = store.hostsBehind(revision);
        }
    }

    private static String problem(Problem problem) {
        return problem == null ? "" : ": " + problem;
    }

    private Login login() throws AcmeException {
        if (login == null) {
            AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(store.accountKey());
            if (config.email() != null) {
                account.addEmail(config.email());
            }
            login = account.createLogin(session());
        }
        return login;
    }

    private Session session() {
        if (session == null) {
            session = session(config);
        }
        return session;
    }

    /** A session on the configured directory, trusting the configured roots if any. */
    static Session session(AcmeConfig config) {
        return config.trustedRoots().isEmpty() ? new Session(config.directory())
                : new Session(config.directory(), new TrustingProvider(AcmeTrust.sslContext(config.trustedRoots())));
    }

    /** The generic provider with its own trust roots, for this client only (nothing JVM-wide changes). */
    private static final class TrustingProvider extends GenericAcmeProvider {
        private final SSLContext ssl;

        TrustingProvider(SSLContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            HttpClient.Builder builder = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(settings.getTimeout()).proxy(settings.getProxySelector()).sslContext(ssl);
            if (settings.getAuthenticator() != null) {
                builder.authenticator(settings.getAuthenticator());
            }
            return builder.build();
        }
    }
}
