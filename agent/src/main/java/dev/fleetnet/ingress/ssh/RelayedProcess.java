package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A shell or command relayed to a second SSH leg — the SSH ingress of the host a machine runs on
 * (which enforces the machine's lifecycle), or the machine's own sshd: the same request (PTY with
 * its size and modes, command, window changes) made again on that session, the streams joined
 * and the exit status passed back.
 */
final class RelayedProcess implements Command {
    private final String machine;
    /** Null for a shell or a subsystem. */
    private final String command;
    /** A subsystem ({@code sftp}) to relay instead of a shell or command; null otherwise. */
    private final String subsystem;
    private final Leg leg;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile ClientSession session;

    /** Opens the second leg: an authenticated session to whoever runs the machine's sessions. */
    @FunctionalInterface
    interface Leg {
        ClientSession open() throws IOException;
    }

    RelayedProcess(String machine, String command, Leg leg) {
        this(machine, command, null, leg);
    }

    /** The subsystem {@code name} (sftp: what scp speaks) of {@code machine}, on the second leg. */
    static RelayedProcess subsystem(String machine, String name, Leg leg) {
        return new RelayedProcess(machine, null, name, leg);
    }

    private RelayedProcess(String machine, String command, String subsystem, Leg leg) {
        this.subsystem = subsystem;
        this.machine = machine;
        this.command = command;
        this.leg = leg;
    }

    @Override public void setInputStream(InputStream in) { this.in = in; }
    @Override public void setOutputStream(OutputStream out) { this.out = out; }
    @Override public void setErrorStream(OutputStream err) { this.err = err; }
    @Override public void setExitCallback(ExitCallback callback) { this.exit = callback; }

    @Override
    public void start(ChannelSession channel, Environment env) {
        Thread.ofVirtual().name("ssh-relay-" + machine).start(() -> run(env));
    }

    private void run(Environment env) {
        try {
            session = leg.open();
            org.apache.sshd.client.channel.ClientChannel remote = subsystem != null ? session.createSubsystemChannel(subsystem)
                    : terminal(command == null ? session.createShellChannel() : session.createExecChannel(command), env);
            remote.setIn(in);
            // the client channel closes its streams when it ends; the user's channel still has an exit status to send
            remote.setOut(unclosable(out));
            remote.setErr(unclosable(err));
            remote.open().verify(java.time.Duration.ofSeconds(15));
            remote.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), java.time.Duration.ofDays(365)); // as long as the session lasts
            Integer status = remote.getExitStatus();
            out.flush();
            err.flush();
            // a subsystem (sftp) may end without an exit status; a shell or command that sends none failed
            exit.onExit(status != null ? status : subsystem != null ? 0 : 255, "");
        } catch (IOException | RuntimeException e) {
            try {
                err.write((e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
            } catch (IOException ignored) {
                // the user's channel is gone too
            }
            exit.onExit(255, String.valueOf(e.getMessage()));
        } finally {
            ClientSession s = session;
            if (s != null) {
                s.close(false);
            }
        }
    }

    /** The shell or exec channel asked for again: its PTY (size, modes, window changes) and LANG. */
    private static PtyCapableChannelSession terminal(PtyCapableChannelSession remote, Environment env) {
        Map<String, String> vars = env.getEnv();
        boolean pty = !env.getPtyModes().isEmpty() || vars.containsKey(Environment.ENV_TERM);
        remote.setUsePty(pty);
        if (vars.containsKey(MachineProcess.LANG)) {
            remote.setEnv(MachineProcess.LANG, vars.get(MachineProcess.LANG)); // the machine's host checks it
        }
        if (pty) {
            remote.setPtyType(vars.getOrDefault(Environment.ENV_TERM, "xterm"));
            remote.setPtyColumns(number(vars.get(Environment.ENV_COLUMNS), 80));
            remote.setPtyLines(number(vars.get(Environment.ENV_LINES), 24));
            remote.setPtyModes(env.getPtyModes());
            env.addSignalListener((ch, signal) -> {
                try {
                    remote.sendWindowChange(number(vars.get(Environment.ENV_COLUMNS), 80), number(vars.get(Environment.ENV_LINES), 24));
                } catch (IOException e) {
                    // the relayed channel is closing
                }
            }, Signal.WINCH);
        }
        return remote;
    }

    private static OutputStream unclosable(OutputStream stream) {
        return new java.io.FilterOutputStream(stream) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static int number(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        ClientSession s = session;
        if (s != null) {
            s.close(true);
        }
    }
}
