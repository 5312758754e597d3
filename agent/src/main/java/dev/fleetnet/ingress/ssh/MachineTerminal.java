package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.StandardEnvironment;
import org.apache.sshd.server.command.Command;

/**
 * A login shell with a PTY on a machine, opened for the web console: the very process an SSH
 * session with a PTY gets ({@link MachineProcess} on this host, {@link RelayedProcess} to the
 * machine's host), driven by streams instead of an SSH channel. Its window changes the way SSH's
 * {@code window-change} does; it is stopped with a message when its machine stops, like SSH's.
 */
public final class MachineTerminal {
    /** Refused before anything started: the message says why, for the user. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    private final Command process;
    private final StandardEnvironment environment;

    MachineTerminal(Command process, StandardEnvironment environment) {
        this.process = process;
        this.environment = environment;
    }

    /** The environment a terminal of {@code columns} x {@code rows} starts with. */
    static StandardEnvironment environment(String machine, int columns, int rows) {
        StandardEnvironment env = new StandardEnvironment();
        env.set(Environment.ENV_TERM, "xterm-256color");
        env.set(Environment.ENV_USER, machine);
        env.set(MachineProcess.LANG, "C.UTF-8"); // the browser's terminal speaks UTF-8
        env.set(Environment.ENV_COLUMNS, Integer.toString(columns));
        env.set(Environment.ENV_LINES, Integer.toString(rows));
        return env;
    }

    /** The window is now {@code columns} x {@code rows}: the process sees SIGWINCH and the new size. */
    public void resize(int columns, int rows) {
        environment.set(Environment.ENV_COLUMNS, Integer.toString(columns));
        environment.set(Environment.ENV_LINES, Integer.toString(rows));
        environment.signal(null, Signal.WINCH);
    }

    /** Ends the process (the browser went away); its exit callback still runs. */
    public void close() {
        try {
            process.destroy(null);
        } catch (Exception e) {
            // ending anyway
        }
    }
}
