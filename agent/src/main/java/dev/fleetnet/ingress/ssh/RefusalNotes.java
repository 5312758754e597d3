package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * What a session asked for and was refused without the protocol giving the user a reason (agent
 * forwarding has no answer at all; a refused remote forward only a generic warning): kept on the
 * session, and written to the session's stderr when its shell or command starts, so `ssh -A` and
 * `ssh -R` users read why.
 */
final class RefusalNotes {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RefusalNotes.class);
    private static final AttributeKey<List<String>> NOTES = new AttributeKey<>();
    static final String AGENT = "fleetnet: agent forwarding (-A) is refused: a machine never gets the key agent of the user";
    static final String REMOTE = "fleetnet: remote forwarding (-R) is refused: only -L to the machine's own ports is allowed";

    private RefusalNotes() {}

    static void add(Session session, String note) {
        List<String> notes = session.computeAttributeIfAbsent(NOTES, k -> new CopyOnWriteArrayList<>());
        if (!notes.contains(note)) {
            notes.add(note);
        }
    }

    /** {@code process}, writing the session's notes to its stderr before it starts. */
    static Command around(ChannelSession channel, Command process) {
        Session session = channel.getSession();
        // MINA answers an agent forwarding request itself when the server has no agent (ours has none),
        // without asking the forwarding filter; it leaves the request's type on the session
        if (org.apache.sshd.common.PropertyResolverUtils.getString(session, AGENT_REQUEST_PROPERTY) != null) {
            log.info("ssh: agent forwarding refused for machine {}", SshSessions.machine(session));
            add(session, AGENT);
        }
        List<String> notes = session.getAttribute(NOTES);
        return notes == null || notes.isEmpty() ? process : new Noted(process, List.copyOf(notes));
    }

    /** Where MINA records that the client asked for agent forwarding. */
    private static final String AGENT_REQUEST_PROPERTY = "agent-fw-auth-type";

    private static final class Noted implements Command {
        private final Command process;
        private final List<String> notes;
        private OutputStream err;

        Noted(Command process, List<String> notes) {
            this.process = process;
            this.notes = notes;
        }

        @Override public void setInputStream(InputStream in) { process.setInputStream(in); }
        @Override public void setOutputStream(OutputStream out) { process.setOutputStream(out); }
        @Override public void setExitCallback(ExitCallback callback) { process.setExitCallback(callback); }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
            process.setErrorStream(err);
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            for (String note : notes) {
                err.write((note + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            err.flush();
            process.start(channel, env);
        }

        @Override
        public void destroy(ChannelSession channel) throws Exception {
            process.destroy(channel);
        }
    }
}
