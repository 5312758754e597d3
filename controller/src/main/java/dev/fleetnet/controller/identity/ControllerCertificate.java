package dev.fleetnet.controller.identity;

import dev.fleetnet.identity.HostCsr;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This controller's serving certificate for the agent channel: a key made at start (kept in
 * memory only) and a certificate from the host CA for the addresses agents dial, replaced by
 * {@link #renewIfDue} once a third of its life is left. The key manager hands the TLS stack
 * the current one; handshakes in flight keep what they started with.
 */
public final class ControllerCertificate {
    private static final Logger log = LoggerFactory.getLogger(ControllerCertificate.class);
    private final HostCa ca;
    private final List<String> names;
    private final Clock clock;
    private final AtomicReference<Material> current = new AtomicReference<>();
    /** The one before: a handshake that chose its alias just before a renewal still gets a matching key and chain. */
    private final AtomicReference<Material> previous = new AtomicReference<>();
    private int generation; // guarded by this

    private record Material(String alias, PrivateKey key, X509Certificate certificate) {}

    public ControllerCertificate(HostCa ca, List<String> names, Clock clock) {
        this.ca = ca;
        this.names = List.copyOf(names);
        this.clock = clock;
        issue();
    }

    public X509Certificate certificate() {
        return current.get().certificate();
    }

    /** Issues a new certificate if less than a third of the current one's life is left; true if it did. */
    public boolean renewIfDue() {
        X509Certificate now = certificate();
        Instant start = now.getNotBefore().toInstant();
        Duration life = Duration.between(start, now.getNotAfter().toInstant());
        if (clock.instant().isBefore(start.plus(life.multipliedBy(2).dividedBy(3)))) {
            return false;
        }
        issue();
        return true;
    }

    private synchronized void issue() {
        KeyPair key = HostCsr.generateKey();
        X509Certificate certificate = ca.issueController(names, key.getPublic(), clock.instant());
        previous.set(current.getAndSet(new Material("fleetnet-controller-" + ++generation, key.getPrivate(), certificate)));
        log.info("agent channel certificate issued by the host CA for {}, valid until {}", names,
                certificate.getNotAfter().toInstant());
    }

    private Material material(String alias) {
        for (Material m : new Material[] {current.get(), previous.get()}) {
            if (m != null && m.alias().equals(alias)) {
                return m;
            }
        }
        return null;
    }

    private String alias(String keyType) {
        return "EC".equals(keyType) ? current.get().alias() : null;
    }

    /** The key manager the agent listener's TLS uses: always the current certificate. */
    public X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return alias(keyType);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return alias(keyType);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                String alias = alias(keyType);
                return alias == null ? null : new String[] {alias};
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                Material m = material(alias);
                return m == null ? null : new X509Certificate[] {m.certificate()};
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                Material m = material(alias);
                return m == null ? null : m.key();
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return null;
            }
        };
    }
}
