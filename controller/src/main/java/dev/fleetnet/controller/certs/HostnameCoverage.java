package dev.fleetnet.controller.certs;

import java.util.List;
import java.util.Locale;

/**
 * Whether a certificate's DNS names cover a hostname, by RFC 6125: an exact match, or a
 * wildcard that is the whole left-most label ({@code *.example.com}) standing for exactly one
 * label ({@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}). A
 * wildcard hostname ({@code *.example.com}) is covered only by the same wildcard name.
 */
public final class HostnameCoverage {
    private HostnameCoverage() {}

    public static boolean covers(List<String> names, String hostname) {
        return names.stream().anyMatch(name -> covers(name, hostname));
    }

    public static boolean covers(String name, String hostname) {
        String n = name.toLowerCase(Locale.ROOT);
        String h = hostname.toLowerCase(Locale.ROOT);
        if (n.equals(h)) {
            return true;
        }
        if (!n.startsWith("*.") || h.startsWith("*.")) {
            return false; // partial wildcards (f*.example.com) match nothing but themselves
        }
        String parent = n.substring(2);
        int dot = h.indexOf('.');
        return parent.contains(".") && dot > 0 && h.substring(dot + 1).equals(parent);
    }
}
