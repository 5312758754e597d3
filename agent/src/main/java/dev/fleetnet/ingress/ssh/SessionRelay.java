package dev.fleetnet.ingress.ssh;

import dev.fleetnet.ssh.SshKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second leg of a relayed session: an SSH client session to the SSH ingress of the host a
 * machine runs on, over the infrastructure network, authenticated with this host's relay
 * certificate. The other host must present a fleet host certificate for the address dialled.
 */
final class SessionRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionRelay.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final SshClient client = SshClient.setUpDefaultClient();
    private final Supplier<SshTargets> targets;
    private final Supplier<KeyPair> identity;
    private final int port;

    SessionRelay(Supplier<SshTargets> targets, Supplier<KeyPair> identity, int port) {
        this.targets = targets;
        this.identity = identity;
        this.port = port;
        client.setServerKeyVerifier((session, remote, key) -> verify(remote, key));
        client.start();
    }

    /** An authenticated session for {@code machine} on the host at {@code address}. */
    ClientSession open(String machine, String address) throws IOException {
        KeyPair relay = identity.get();
        if (relay == null) {
            throw new IOException("fleetnet: this host has no relay certificate yet (it has not reached the controller)");
        }
        // by the literal as the certificate names it: MINA checks the host certificate's principals against this string
        ClientSession session = client.connect(machine, address, port).verify(TIMEOUT).getSession();
        session.addPublicKeyIdentity(relay);
        try {
            session.auth().verify(TIMEOUT);
        } catch (IOException e) {
            session.close(true);
            throw new IOException("fleetnet: host at " + address + " refused the relay for machine '" + machine + "': " + e.getMessage(), e);
        }
        return session;
    }

    private boolean verify(java.net.SocketAddress remote, PublicKey key) {
        String ca = targets.get().access().trust().getCaPublicKey();
        if (!(key instanceof OpenSshCertificate c) || ca.isEmpty()) {
            log.warn("ssh relay: {} presented no fleet host certificate; refused", remote);
            return false;
        }
        String address = remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : "";
        boolean ok = c.getType() == OpenSshCertificate.Type.HOST && KeyUtils.compareKeys(c.getCaPubKey(), SshKeys.parsePublicKey(ca))
                && OpenSshCertificate.isValidAt(c, Instant.now())
                && c.getPrincipals().stream().anyMatch(p -> sameAddress(p, address));
        if (!ok) {
            log.warn("ssh relay: {} presented host certificate '{}' for {}, not a fleet certificate for that address; refused",
                    remote, c.getId(), c.getPrincipals());
        }
        return ok;
    }

    /** Whether two address literals (IPv4 or IPv6, any spelling) are one address; names never match. */
    static boolean sameAddress(String a, String b) {
        if (!literal(a) || !literal(b)) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b)); // literals: no lookup
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static boolean literal(String s) {
        return !s.isEmpty() && (s.contains(":") ? dev.fleetnet.core.Ipv6.isValid(s) : s.matches("\\d{1,3}(\\.\\d{1,3}){3}"));
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (RuntimeException e) {
            // closing anyway
        }
    }
}
