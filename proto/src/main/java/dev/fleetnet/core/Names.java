package dev.fleetnet.core;

import java.util.regex.Pattern;

/** Validation of the names users give to hosts, networks and machines: DNS labels. */
public final class Names {
    private static final Pattern LABEL = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** The network that always exists. */
    public static final String DEFAULT_NETWORK = "default";

    private Names() {}

    /**
     * Returns {@code value} if it is a valid name, else throws with a message naming the
     * field, the value and what was expected.
     */
    public static String check(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + ": empty (expected: a name such as 'web-1')");
        }
        if (!LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(field + ": '" + value
                    + "' (expected: 1-63 lowercase letters, digits or '-', starting with a letter and not ending with '-')");
        }
        return value;
    }

    /** True if {@code value} is a valid name. */
    public static boolean isValid(String value) {
        return value != null && LABEL.matcher(value).matches();
    }
}
