package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shell or command inside a machine: with a real PTY ({@link Pty}; window size and its changes,
 * signals) when the client asked for one, else with plain pipes (stdin EOF reaches the process,
 * stderr stays apart). Exit status goes back to the client. Threading: one virtual thread per
 * stream direction; {@link #stop} may be called from any thread. The web console runs the same
 * process through {@link MachineTerminal}.
 */
final class MachineProcess implements Command {
    private static final Logger log = LoggerFactory.getLogger(MachineProcess.class);
    /** The one variable of the client's environment passed on: its locale, when it looks like one. */
    static final String LANG = "LANG";
    private static final java.util.regex.Pattern LOCALE = java.util.regex.Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    private final String machine;
    /** Null for a login shell. */
    private final String command;
    private final SshIngressConfig config;
    private final SshSessions sessions;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Process process;
    /** Null without a PTY. */
    private volatile Pty pty;
    private final AtomicBoolean exited = new AtomicBoolean();
    private volatile String stopMessage;

    MachineProcess(String machine, String command, SshIngressConfig config, SshSessions sessions) {
        this.machine = machine;
        this.command = command;
        this.config = config;
        this.sessions = sessions;
    }

    @Override public void setInputStream(InputStream in) { this.in = in; }
    @Override public void setOutputStream(OutputStream out) { this.out = out; }
    @Override public void setErrorStream(OutputStream err) { this.err = err; }
    @Override public void setExitCallback(ExitCallback callback) { this.exit = callback; }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        start(env, channel.getServerSession());
    }

    /**
     * Starts the process; {@code owner} is the SSH session it belongs to (closed with it when the
     * machine stops), or null for a web console's terminal, which ends through its exit callback.
     */
    void start(Environment env, ServerSession owner) throws IOException {
        Map<String, String> vars = new HashMap<>();
        vars.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        vars.put("HOME", "/root");
        vars.put("USER", machine);
        vars.put("LOGNAME", machine);
        vars.put("FLEETNET_MACHINE", machine);
        String lang = env.getEnv().get(LANG);
        if (lang != null && LOCALE.matcher(lang).matches()) {
            vars.put(LANG, lang); // without a UTF-8 locale, readline takes the bytes of "ü" for Meta keys
        }
        String term = env.getEnv().get(Environment.ENV_TERM);
        boolean wantsPty = !env.getPtyModes().isEmpty() || term != null;
        List<String> argv = new ArrayList<>(config.entry().wrap(machine,
                command == null ? List.of("/bin/bash", "-il") : List.of("/bin/sh", "-c", command)));
        if (wantsPty) {
            vars.put("TERM", term == null ? "xterm" : term);
            Pty p;
            try {
                p = Pty.start(argv, vars, number(env, Environment.ENV_COLUMNS, 80), number(env, Environment.ENV_LINES, 24));
            } catch (IOException | RuntimeException | LinkageError e) {
                log.error("cannot start a PTY for machine {}: {}", machine, e.toString());
                throw new IOException("cannot start a PTY for machine " + machine + ": " + e, e);
            }
            this.pty = p;
            process = p.process();
            env.addSignalListener((ch, signal) -> p.resize(number(env, Environment.ENV_COLUMNS, 80),
                    number(env, Environment.ENV_LINES, 24)), Signal.WINCH);
        } else {
            ProcessBuilder builder = new ProcessBuilder(argv).directory(new java.io.File("/"));
            builder.environment().clear();
            builder.environment().putAll(vars);
            process = builder.start();
        }
        env.addSignalListener((ch, signal) -> kill(signal), Signal.INT, Signal.TERM, Signal.KILL, Signal.HUP, Signal.QUIT, Signal.USR1,
                Signal.USR2);
        sessions.started(owner, this);
        Process p = process;
        Pty terminal = this.pty;
        // PTY reads and writes are native calls: platform threads, not virtual ones
        Thread output = terminal != null ? Thread.ofPlatform().daemon().name("ssh-pty-" + machine).start(() -> pump(terminal.output(), out))
                : Thread.ofVirtual().name("ssh-out-" + machine).start(() -> pump(p.getInputStream(), out));
        Thread errors = terminal != null ? null : Thread.ofVirtual().name("ssh-err-" + machine).start(() -> pump(p.getErrorStream(), err));
        Thread.ofPlatform().daemon().name("ssh-in-" + machine).start(() -> {
            if (terminal != null) {
                pump(in, terminal.input());
            } else {
                pump(in, p.getOutputStream());
                close(p.getOutputStream()); // EOF from the client is EOF for the command (cat, scp -t)
            }
        });
        Thread.ofVirtual().name("ssh-wait-" + machine).start(() -> {
            try {
                int status = p.waitFor();
                output.join(5_000);
                if (errors != null) {
                    errors.join(5_000);
                }
                if (terminal != null) {
                    terminal.close();
                }
                finish(status, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Ends the process with {@code message} on stderr (the machine stopped); exit status 255. */
    void stop(String message) {
        stopMessage = message;
        try {
            err.write((message + "\r\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // the channel may be gone already
        }
        Process p = process;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        finish(255, message);
    }

    String machine() {
        return machine;
    }

    private void finish(int status, String message) {
        if (exited.compareAndSet(false, true)) {
            // stop() sets its message before it kills the process, so whichever thread gets here first
            // (the stopping one, or the one that saw the process die) reports the stop, not a bare exit
            String stopped = stopMessage;
            int reported = stopped != null ? 255 : status;
            String said = message != null ? message : stopped;
            try {
                out.flush();
            } catch (IOException e) {
                // closing anyway
            }
            exit.onExit(reported, said == null ? "" : said);
            sessions.exited(this, reported, stopped != null); // after the exit status is queued
        }
    }

    private void kill(Signal signal) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-s", signal.name(), Long.toString(p.pid())).start().waitFor();
        } catch (IOException e) {
            log.warn("cannot send {} to the process of machine {}: {}", signal, machine, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(InputStream from, OutputStream to) {
        byte[] buffer = new byte[16384];
        try {
            for (int n; (n = from.read(buffer)) >= 0; ) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // one side closed: the session or the process ended
        }
    }

    private static void close(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static int number(Environment env, String name, int fallback) {
        try {
            return Integer.parseInt(env.getEnv().getOrDefault(name, Integer.toString(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
