package dev.fleetnet.ingress.console;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A small WebSocket client over a JDK socket (TLS with a server name of our choosing, or
 * cleartext): every byte in sight, and the end of the stream seen as the kernel reports it.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int BINARY = 2;
    public static final int TEXT = 1;
    public static final int CLOSE = 8;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The response head (status line and headers). */
    private final String head;
    /** The body of a response other than 101. */
    private final String body;

    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private RawWebSocket(Socket socket, String head, String body) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.head = head;
        this.body = body;
    }

    /** A TLS connection to loopback {@code port} with SNI {@code serverName}, then a request of {@code target} with {@code headers}. */
    static RawWebSocket tls(SSLContext context, int port, String serverName, String target, Map<String, String> headers)
            throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        socket.setSoTimeout(20_000);
        socket.startHandshake();
        return request(socket, serverName, target, headers);
    }

    /** A cleartext connection, then a plain request (no upgrade headers unless given). */
    public static RawWebSocket plain(int port, String host, String target, Map<String, String> headers) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        socket.setSoTimeout(20_000);
        return request(socket, host, target, headers);
    }

    /** The headers of a WebSocket upgrade (the key is fresh). */
    public static Map<String, String> upgrade(String origin, String protocols) {
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        java.util.LinkedHashMap<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Upgrade", "websocket");
        headers.put("Connection", "Upgrade");
        headers.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(key));
        headers.put("Sec-WebSocket-Version", "13");
        if (origin != null) {
            headers.put("Origin", origin);
        }
        if (protocols != null) {
            headers.put("Sec-WebSocket-Protocol", protocols);
        }
        return headers;
    }

    private static RawWebSocket request(Socket socket, String host, String target, Map<String, String> headers) throws IOException {
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
        headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
        request.append("\r\n");
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        String body = "";
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
        if (!text.startsWith("HTTP/1.1 101") && length.find()) {
            byte[] bytes = new byte[Integer.parseInt(length.group(1))];
            in.readFully(bytes);
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        return new RawWebSocket(socket, text, body);
    }

    String head() {
        return head;
    }

    String body() {
        return body;
    }

    public int status() {
        return Integer.parseInt(head.substring(9, 12));
    }

    /** One masked frame from the client, FIN set. */
    void send(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    void sendKeys(String keys) throws IOException {
        send(BINARY, keys.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame from the server (unmasked); throws on the end of the stream. */
    public Frame read() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(first & 0x0f, payload);
    }

    /** Terminal output (binary frames, as UTF-8) until it contains {@code wanted}, or the close frame; returns all seen. */
    Transcript readUntil(String wanted) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (true) {
            Frame frame = read();
            if (frame.opcode() == CLOSE) {
                return new Transcript(seen.toString(StandardCharsets.UTF_8), frame);
            }
            seen.write(frame.payload());
            if (seen.toString(StandardCharsets.UTF_8).contains(wanted)) {
                return new Transcript(seen.toString(StandardCharsets.UTF_8), null);
            }
        }
    }

    /** What the terminal showed, and the close frame if the session ended. */
    record Transcript(String output, Frame close) {}

    /**
     * Whether the server ended the connection (end of stream or reset) with nothing more sent,
     * within the socket's read timeout; a frame that arrives instead is an error.
     */
    public boolean ended() throws IOException {
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("expected the end of the connection, got a byte: " + b);
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) { // a reset ends it too
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
