package dev.fleetnet.core;

/** Validation of TCP/UDP port numbers. */
public final class Ports {
    private Ports() {}

    /** Returns {@code port} if it is in 1..65535, else throws naming the field and value. */
    public static int check(String field, long port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(field + ": " + port + " (expected: 1..65535)");
        }
        return (int) port;
    }
}
