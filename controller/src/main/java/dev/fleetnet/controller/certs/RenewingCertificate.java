package dev.fleetnet.controller.certs;

import dev.fleetnet.identity.HostCsr;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serving certificate this controller issues itself from one of its CAs (the host CA for the
 * agent channel, the API CA for the public API): a key made here (kept in memory only) and a
 * certificate for it, replaced by {@link #renewIfDue} once a third of its life is left. The key
 * manager hands the TLS stack the current one, so a listener never restarts for a renewal;
 * handshakes in flight keep what they started with.
 */
public final class RenewingCertificate {
    private static final Logger log = LoggerFactory.getLogger(RenewingCertificate.class);

    /** Signs a certificate for {@code key}, valid from about {@code now}. */
    @FunctionalInterface
    public interface Issuer {
        X509Certificate issue(PublicKey key, Instant now);
    }

    private final String what;
    private final Issuer issuer;
    private final Clock clock;
    private final ServingKeys keys = new ServingKeys();

    /** {@code what}: the certificate as logs name it ("agent channel certificate"); issues the first one now. */
    public RenewingCertificate(String what, Issuer issuer, Clock clock) {
        this.what = what;
        this.issuer = issuer;
        this.clock = clock;
        issue();
    }

    public X509Certificate certificate() {
        return keys.leaf();
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
        X509Certificate certificate = issuer.issue(key.getPublic(), clock.instant());
        keys.swap(key.getPrivate(), java.util.List.of(certificate));
        log.info("{} issued for {}, valid until {}", what, certificate.getSubjectX500Principal().getName(),
                certificate.getNotAfter().toInstant());
    }

    /** The key manager a listener's TLS uses: always the current certificate. */
    public X509ExtendedKeyManager keyManager() {
        return keys.keyManager();
    }
}
