package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.routing.CertificateKeys;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates and ACME challenges the ingress serves, swapped whole: connections read the
 * current {@link Snapshot} without a lock, the agent's ingress writer thread replaces it when a
 * view is applied. An unchanged certificate (same key and SHA-256 fingerprint) keeps its built
 * {@link SslContext} across swaps; an open connection keeps the context it was handshaken with.
 */
public final class CertificateStore {
    private static final Logger log = LoggerFactory.getLogger(CertificateStore.class);

    /** What one swap serves: which certificate for which name, their contexts by certificate key, the challenges. */
    public record Snapshot(CertificateTable table, Map<String, SslContext> contexts, AcmeChallenges challenges) {
        public static final Snapshot EMPTY = new Snapshot(CertificateTable.EMPTY, Map.of(), AcmeChallenges.NONE);

        public Snapshot {
            contexts = Map.copyOf(contexts);
        }

        /** The context to handshake {@code serverName} with, or null when no certificate covers it. */
        public SslContext sslContext(String serverName) {
            return table.select(serverName).map(c -> contexts.get(CertificateKeys.key(c))).orElse(null);
        }
    }

    /** What one {@link #apply} did: contexts built anew, kept from before, dropped, and certificates that failed to build. */
    public record Changes(int built, int kept, int dropped, int failed) {
        public static final Changes NONE = new Changes(0, 0, 0, 0);

        public boolean none() {
            return built == 0 && dropped == 0 && failed == 0;
        }
    }

    private record Built(String fingerprint, SslContext context) {}

    private final ServerSslContexts factory;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.EMPTY);
    /** Writer thread only: the built context of each certificate key. */
    private Map<String, Built> cache = Map.of();
    /** Writer thread only: the inputs of the last swap, so an identical view does nothing. */
    private List<Certificate> appliedCertificates = List.of();
    private List<AcmeChallenge> appliedChallenges = List.of();

    public CertificateStore(ServerSslContexts factory) {
        this.factory = factory;
    }

    /** A store that serves nothing until something is applied, building with the JDK provider. */
    public static CertificateStore empty() {
        return new CertificateStore(new ServerSslContexts(io.netty.handler.ssl.SslProvider.JDK));
    }

    public ServerSslContexts factory() {
        return factory;
    }

    /** What new connections are served with now. Any thread. */
    public Snapshot current() {
        return current.get();
    }

    /**
     * Makes {@code certificates} and {@code challenges} the served state. A certificate whose
     * context cannot be built is left out (logged), so another source for its hostname serves.
     * One caller at a time (the ingress writer thread).
     */
    public Changes apply(List<Certificate> certificates, List<AcmeChallenge> challenges) {
        if (certificates.equals(appliedCertificates) && challenges.equals(appliedChallenges)) {
            return Changes.NONE;
        }
        Map<String, Built> next = new HashMap<>();
        List<Certificate> usable = new ArrayList<>();
        int built = 0;
        int kept = 0;
        int failed = 0;
        for (Certificate c : certificates) {
            String key;
            try {
                key = CertificateKeys.key(c);
            } catch (IllegalArgumentException e) {
                log.warn("tls: certificate for '{}' not served: {}", c.getHostname(), e.getMessage());
                failed++;
                continue;
            }
            String fingerprint = fingerprint(c);
            Built previous = cache.get(key);
            if (previous != null && previous.fingerprint().equals(fingerprint)) {
                next.put(key, previous);
                usable.add(c);
                kept++;
                continue;
            }
            try {
                next.put(key, new Built(fingerprint, factory.build(c)));
                usable.add(c);
                built++;
            } catch (SSLException | RuntimeException e) {
                log.warn("tls: certificate {} not served (expected: a PEM chain and its PKCS#8 PEM key): {}", key, e.toString());
                failed++;
            }
        }
        int dropped = (int) cache.keySet().stream().filter(k -> !next.containsKey(k)).count();
        Map<String, SslContext> contexts = new HashMap<>();
        next.forEach((k, b) -> contexts.put(k, b.context()));
        current.set(new Snapshot(CertificateTable.of(usable), contexts, AcmeChallenges.of(challenges)));
        cache = next;
        appliedCertificates = List.copyOf(certificates);
        appliedChallenges = List.copyOf(challenges);
        return new Changes(built, kept, dropped, failed);
    }

    /** The leaf's SHA-256 as the view states it; a hash of the PEM text when the view leaves it out. */
    private static String fingerprint(Certificate c) {
        String stated = c.getInfo().getSha256Fingerprint();
        if (!stated.isEmpty()) {
            return stated;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(c.getCertificateChainPem().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(c.getPrivateKeyPem().getBytes(StandardCharsets.UTF_8));
            return "pem:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
