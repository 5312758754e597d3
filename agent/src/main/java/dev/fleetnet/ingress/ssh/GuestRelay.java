package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second leg of a session for a machine that runs its own sshd (tap machines, {@code --ssh
 * relay}): an SSH client session to [the machine's fdaa:: address]:22 as {@code root},
 * authenticated with this host's relay certificate (principal {@code fleetnet:relay}; the guest
 * trusts it after {@code fleetnet ssh guest-config}). The guest's host key is not known to the
 * platform: it is accepted and logged, which is sound because the connection never leaves this
 * host — the machine's address is reachable here only through its own link, and the host's
 * filter drops packets a machine sends from an address that is not its own.
 */
final class GuestRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GuestRelay.class);
    static final String USER = "root";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final SshClient client = SshClient.setUpDefaultClient();
    private final Supplier<KeyPair> identity;
    private final int port;

    GuestRelay(Supplier<KeyPair> identity, int port) {
        this.identity = identity;
        this.port = port;
        client.setServerKeyVerifier((session, remote, key) -> accept(remote, key));
        client.start();
    }

    /** An authenticated session to {@code machine}'s sshd at {@code address}. */
    ClientSession open(String machine, String address) throws IOException {
        KeyPair relay = identity.get();
        if (relay == null) {
            throw new IOException("fleetnet: this host has no relay certificate yet (it has not reached the controller)");
        }
        ClientSession session;
        try {
            session = client.connect(USER, new InetSocketAddress(address, port)).verify(TIMEOUT).getSession();
        } catch (IOException e) {
            throw new IOException("fleetnet: machine '" + machine + "' runs its own sshd, but [" + address + "]:" + port
                    + " did not answer (" + e.getMessage() + "); expected: sshd listening in the machine", e);
        }
        session.addPublicKeyIdentity(relay);
        try {
            session.auth().verify(TIMEOUT);
        } catch (IOException e) {
            session.close(true);
            throw new IOException("fleetnet: machine '" + machine + "''s sshd refused the platform's relay certificate for "
                    + USER + " (expected: the guest set up with `fleetnet ssh guest-config`)", e);
        }
        return session;
    }

    private static boolean accept(java.net.SocketAddress remote, PublicKey key) {
        log.info("ssh guest relay: {} presents host key {} {}", remote, KeyUtils.getKeyType(key), KeyUtils.getFingerPrint(key));
        return true;
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
