package dev.fleetnet.ingress.console;

import dev.fleetnet.ingress.ssh.MachineTerminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.server.ExitCallback;

/** Opens a machine's terminal with the SSH ingress's session code (the SSH ingress implements it). */
@FunctionalInterface
public interface Terminals {
    /** @throws MachineTerminal.Refused when the machine cannot be opened from this host */
    MachineTerminal open(String machine, int columns, int rows, InputStream input, OutputStream output, ExitCallback exit)
            throws IOException;
}
