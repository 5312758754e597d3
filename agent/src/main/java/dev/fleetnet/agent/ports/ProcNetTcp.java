package dev.fleetnet.agent.ports;

import java.util.Set;
import java.util.TreeSet;

/** Reads the listening ports out of a {@code /proc/net/tcp} or {@code tcp6} table. Pure. */
public final class ProcNetTcp {
    /** The kernel's TCP_LISTEN state, as {@code /proc/net/tcp} prints it in the {@code st} column. */
    private static final String LISTEN = "0A";

    private ProcNetTcp() {}

    /**
     * The local ports of sockets in LISTEN state, sorted. Lines that do not parse (the header,
     * a truncated last line) are skipped: the table is read while the kernel changes it.
     */
    public static Set<Integer> listeningPorts(String table) {
        Set<Integer> ports = new TreeSet<>();
        for (String line : table.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 4 || !fields[0].endsWith(":") || !fields[3].equals(LISTEN)) {
                continue;
            }
            int colon = fields[1].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            try {
                int port = Integer.parseInt(fields[1].substring(colon + 1), 16);
                if (port > 0 && port <= 65535) {
                    ports.add(port);
                }
            } catch (NumberFormatException e) {
                // not a socket line
            }
        }
        return ports;
    }
}
