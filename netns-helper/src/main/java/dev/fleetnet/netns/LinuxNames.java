package dev.fleetnet.netns;

import java.util.regex.Pattern;

/** What Linux accepts as a namespace name or a sysctl key, checked before anything runs. */
public final class LinuxNames {
    private static final Pattern SYSCTL_KEY = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+");

    private LinuxNames() {}

    /** Returns {@code name} if it can name a namespace (a file under {@code /var/run/netns}), else throws. */
    public static String requireNamespace(String name) {
        if (name == null || name.isEmpty() || name.length() > 255 || name.contains("/") || name.contains("\0")
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("namespace: '" + name
                    + "' (expected: 1..255 characters, no '/', not '.' or '..')");
        }
        return name;
    }

    /** Returns {@code key} if it is a dotted sysctl name such as {@code net.ipv6.conf.all.forwarding}, else throws. */
    public static String requireSysctlKey(String key) {
        if (key == null || !SYSCTL_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("sysctl key: '" + key
                    + "' (expected: dotted words such as net.ipv6.conf.all.forwarding)");
        }
        return key;
    }
}
