package dev.fleetnet.agent.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Host-side link names for machines: {@code fm} + 12 hex of SHA-256(name), within IFNAMSIZ, stable. */
public final class MachineNames {
    public static final String LINK_PREFIX = "fm";

    private MachineNames() {}

    public static String link(String machine) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(machine.getBytes(StandardCharsets.UTF_8));
            return LINK_PREFIX + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JDK", e);
        }
    }

    public static boolean isMachineLink(String link) {
        return link.length() == LINK_PREFIX.length() + 12 && link.startsWith(LINK_PREFIX)
                && link.substring(LINK_PREFIX.length()).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
}
