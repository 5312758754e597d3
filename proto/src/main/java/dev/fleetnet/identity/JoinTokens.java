package dev.fleetnet.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of a join token: {@code fnj.ID.SECRET}, an 8-hex-digit id (what {@code host token
 * list} and {@code revoke} name) and 32 random bytes in unpadded base64url. Only the secret's
 * SHA-256 is ever stored; the token is shown once, when it is created.
 */
public final class JoinTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORMAT = Pattern.compile("fnj\\.([0-9a-f]{8})\\.([A-Za-z0-9_-]{43})");
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");

    private JoinTokens() {}

    /** A parsed token. {@link #toString} never shows the secret. */
    public record Token(String id, String secret) {
        /** The whole token, to print once or send in a join. */
        public String text() {
            return "fnj." + id + "." + secret;
        }

        public byte[] secretSha256() {
            return sha256(secret);
        }

        @Override
        public String toString() {
            return "join token " + id;
        }
    }

    public static Token generate() {
        byte[] id = new byte[4];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        return new Token(HexFormat.of().formatHex(id), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** The token in {@code text} (surrounding white space ignored); the error never repeats the text. */
    public static Token parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            int length = text == null ? 0 : text.strip().length();
            throw new IllegalArgumentException("join token: malformed (" + length + " characters; expected: fnj.ID.SECRET as"
                    + " `fleetnet host token create` prints it, 56 characters)");
        }
        return new Token(m.group(1), m.group(2));
    }

    /** The id of a token as {@code host token revoke} takes it. */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("token id: '" + id + "' (expected: 8 hex digits, as `fleetnet host token list` shows)");
        }
        return id;
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }
}
