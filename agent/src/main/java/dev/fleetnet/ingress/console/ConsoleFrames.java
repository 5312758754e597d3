package dev.fleetnet.ingress.console;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;

/**
 * The console's WebSocket messages. From the page: binary frames are keystrokes (UTF-8 as the
 * terminal encodes them, pasted text included), text frames are control messages, today only
 * {@code {"type":"resize","cols":C,"rows":R}}. To the page: binary frames are terminal output, then
 * a close frame whose reason repeats the last message written to the terminal. Pure: no I/O.
 */
public final class ConsoleFrames {
    /** The largest window side accepted, in cells. */
    static final int MAX_DIMENSION = 1000;
    /** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 5.5: 125 minus the status code). */
    static final int MAX_CLOSE_REASON_BYTES = 123;

    private ConsoleFrames() {}

    /** A control message from the page. */
    public sealed interface Control {}

    /** The terminal is now {@code columns} x {@code rows} cells. */
    public record Resize(int columns, int rows) implements Control {}

    /** Parses one text frame; throws with what was wrong and what was expected. */
    public static Control control(String text) {
        JsonObject message;
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException("control message: " + abbreviate(text) + " (expected: a JSON object)");
            }
            message = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("control message: " + abbreviate(text) + " is not JSON (expected: a JSON object)");
        }
        String type = message.has("type") && message.get("type").isJsonPrimitive() ? message.get("type").getAsString() : null;
        if (!"resize".equals(type)) {
            throw new IllegalArgumentException("control message type: " + (type == null ? "none" : "'" + type + "'")
                    + " (expected: resize)");
        }
        return new Resize(dimension("cols", integer(message, "cols")), dimension("rows", integer(message, "rows")));
    }

    /** {@code value} if it is a window side of 1..1000 cells. */
    static int dimension(String name, int value) {
        if (value < 1 || value > MAX_DIMENSION) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 1.." + MAX_DIMENSION + ")");
        }
        return value;
    }

    private static int integer(JsonObject message, String name) {
        JsonElement value = message.get(name);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(name + ": " + (value == null ? "missing" : value.toString()) + " (expected: a number of cells)");
        }
        double number = value.getAsDouble();
        if (number != Math.rint(number) || Math.abs(number) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: a whole number of cells)");
        }
        return (int) number;
    }

    /** {@code message} cut to fit a close frame's reason, never inside a character. */
    public static String closeReason(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_CLOSE_REASON_BYTES) {
            return message;
        }
        int end = MAX_CLOSE_REASON_BYTES - 3; // room for "..."
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) { // a continuation byte: back to the start of its character
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }

    /** The line written to the terminal when its process ends by itself. */
    public static String exitLine(int status) {
        return "\r\nfleetnet: session ended, exit status " + status + "\r\n";
    }

    /** A message for the terminal: on a line of its own. */
    public static byte[] terminalLine(String message) {
        return ("\r\n" + message + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return "'" + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "'";
    }
}
