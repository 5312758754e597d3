package dev.fleetnet.ingress.ssh;

import dev.fleetnet.ssh.SshAccess;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.util.function.Supplier;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public key authentication against the current view: fleet keys within their scope and user
 * certificates of the fleet SSH CA (MINA has checked the certificate's signature and validity
 * already; the CA, principal and validity are checked again here). A refusal a fleet key holder
 * should understand is sent as an SSH banner, which OpenSSH prints.
 */
final class FleetAuthenticator implements PublickeyAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(FleetAuthenticator.class);
    private final Supplier<SshTargets> targets;
    private final SshSessions sessions;
    private final Clock clock;

    FleetAuthenticator(Supplier<SshTargets> targets, SshSessions sessions, Clock clock) {
        this.targets = targets;
        this.sessions = sessions;
        this.clock = clock;
    }

    @Override
    public boolean authenticate(String user, PublicKey key, ServerSession session) {
        SshAccess.Decision decision = targets.get().decide(user, key, clock.instant());
        if (!decision.allowed()) {
            log.info("ssh refused: {} -> machine {} from {}: {}", decision.who(), user, session.getClientAddress(),
                    decision.message().isEmpty() ? "not a fleet key" : decision.message());
            if (!decision.message().isEmpty()) {
                banner(session, decision.message());
            }
            return false;
        }
        if (session.getAttribute(SshSessions.ADMITTED) == null) {
            // MINA asks once without and once with the signature; the session is logged when it is proven
            session.setAttribute(PENDING, decision.who());
        }
        return true;
    }

    static final org.apache.sshd.common.AttributeRepository.AttributeKey<String> PENDING =
            new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

    static void banner(ServerSession session, String message) {
        try {
            byte[] text = (message + "\r\n").getBytes(StandardCharsets.UTF_8);
            Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER, text.length + 16);
            buffer.putString(message + "\r\n");
            buffer.putString("");
            session.writePacket(buffer);
        } catch (Exception e) {
            log.debug("cannot send a banner: {}", e.toString());
        }
    }
}
