package dev.fleetnet.controller.ssh;

import dev.fleetnet.proto.v1.SshCa;
import dev.fleetnet.ssh.SshAccess;
import dev.fleetnet.ssh.SshKeys;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet SSH CA: an ed25519 key kept in etcd ({@code ca/ssh}), created once, that signs host
 * certificates (for the host on the other end of a control stream only) and short-lived user
 * certificates (one machine as the principal).
 */
public final class FleetSshCa {
    private static final Logger log = LoggerFactory.getLogger(FleetSshCa.class);
    public static final Duration HOST_LIFETIME = Duration.ofDays(30);
    public static final Duration MAX_USER_TTL = Duration.ofHours(24);
    /** Tolerates clocks a little behind ours. */
    public static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair pair;
    private final SshCa stored;

    private FleetSshCa(KeyPair pair, SshCa stored) {
        this.pair = pair;
        this.stored = stored;
    }

    public static FleetSshCa generate(Instant now) {
        KeyPair pair = SshKeys.generateEd25519();
        return new FleetSshCa(pair, SshCa.newBuilder().setPublicKey(SshKeys.line(pair.getPublic()))
                .setPrivateKey(SshKeys.privateKeyText(pair, "fleetnet-ssh-ca")).setCreatedEpochSeconds(now.getEpochSecond()).build());
    }

    public static FleetSshCa from(SshCa stored) {
        return new FleetSshCa(SshKeys.parsePrivateKey(stored.getPrivateKey()), stored);
    }

    /** The fleet's SSH CA: the one in etcd, or a new one stored there if none is (create-if-absent: one CA however many controllers race). */
    public static FleetSshCa loadOrCreate(SshStore store, Clock clock) {
        SshCa existing = store.ca();
        if (existing != null) {
            return from(existing);
        }
        FleetSshCa candidate = generate(clock.instant());
        SshCa winner = store.createCaIfAbsent(candidate.stored);
        if (winner == candidate.stored) {
            log.info("fleet SSH CA created: {}", SshKeys.fingerprint(candidate.publicKey()));
            return candidate;
        }
        return from(winner);
    }

    public SshCa stored() {
        return stored;
    }

    public PublicKey publicKey() {
        return pair.getPublic();
    }

    public String publicKeyLine() {
        return stored.getPublicKey();
    }

    /** The one known_hosts line that trusts every host of the fleet. */
    public String knownHostsLine() {
        return "@cert-authority * " + publicKeyLine() + " fleetnet-ssh-ca";
    }

    /** A host certificate for {@code hostName} and its addresses, valid from a minute ago for 30 days. */
    public OpenSshCertificate signHost(String hostName, List<String> principals, PublicKey hostKey, Instant now) {
        return sign(OpenSshCertificateBuilder.hostCertificate(), "host:" + hostName, principals, hostKey, now.minus(BACKDATE),
                now.plus(HOST_LIFETIME));
    }

    /**
     * The certificate a host relays sessions with: a user certificate of the host's own key for
     * the principal {@link SshAccess#RELAY_PRINCIPAL} (never a machine name: those have no colon).
     */
    public OpenSshCertificate signRelay(String hostName, PublicKey hostKey, Instant now) {
        return sign(OpenSshCertificateBuilder.userCertificate().extension("permit-pty", "").extension("permit-port-forwarding", ""),
                "relay:" + hostName, List.of(SshAccess.RELAY_PRINCIPAL), hostKey, now.minus(BACKDATE), now.plus(HOST_LIFETIME));
    }

    /**
     * A user certificate for one machine, valid from a minute ago for {@code ttl} (1 second to 24
     * hours), with the pty and port-forwarding permissions.
     */
    public OpenSshCertificate signUser(String machine, PublicKey userKey, Duration ttl, Instant now) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_USER_TTL) > 0) {
            throw new IllegalArgumentException("ttl: " + ttl.toSeconds() + "s (expected: 1s..24h)");
        }
        OpenSshCertificateBuilder builder = OpenSshCertificateBuilder.userCertificate()
                .extension("permit-pty", "").extension("permit-port-forwarding", "");
        return sign(builder, "issue:" + machine + ":" + now.getEpochSecond(), List.of(machine), userKey, now.minus(BACKDATE), now.plus(ttl));
    }

    private OpenSshCertificate sign(OpenSshCertificateBuilder builder, String id, List<String> principals, PublicKey key,
            Instant validAfter, Instant validBefore) {
        try {
            return builder.publicKey(key).serial(RANDOM.nextLong() & Long.MAX_VALUE).id(id).principals(principals)
                    .validAfter(validAfter).validBefore(validBefore).sign(pair, "ssh-ed25519");
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign an SSH certificate for " + id, e);
        }
    }
}
