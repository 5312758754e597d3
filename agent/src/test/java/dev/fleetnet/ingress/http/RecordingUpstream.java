package dev.fleetnet.ingress.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An upstream that records every byte it receives, so a test of a refusal checks what reached
 * the machine. It frames requests the strict way (Content-Length or chunked, nothing else) and
 * answers each with {@code 200 ok}, after an optional interim response (e.g. {@code 103}).
 */
final class RecordingUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final StringBuilder raw = new StringBuilder(); // guarded by itself
    private final List<String> heads = new ArrayList<>(); // guarded by raw
    private final String interim;

    RecordingUpstream(String interim) throws IOException {
        this.interim = interim;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every byte received, on every connection, in arrival order per connection. */
    String raw() {
        synchronized (raw) {
            return raw.toString();
        }
    }

    /** The head (request line and fields) of every request it framed. */
    List<String> heads() {
        synchronized (raw) {
            return List.copyOf(heads);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofPlatform().daemon().start(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                synchronized (raw) {
                    heads.add(head);
                }
                String lower = head.toLowerCase(Locale.ROOT);
                if (lower.contains("\ntransfer-encoding: chunked")) {
                    readChunked(in);
                } else {
                    int at = lower.indexOf("\ncontent-length:");
                    if (at >= 0) {
                        int end = lower.indexOf('\r', at);
                        record(in.readNBytes(Integer.parseInt(lower.substring(at + 16, end).strip())));
                    }
                }
                if (interim != null) {
                    out.write(interim.getBytes(StandardCharsets.ISO_8859_1));
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException | RuntimeException gone) {
            // the ingress closed the connection, or sent what this upstream cannot frame (recorded anyway)
        }
    }

    private String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            record(new byte[] {(byte) c});
            byte[] b = head.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private void readChunked(InputStream in) throws IOException {
        while (true) {
            String sizeLine = line(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return;
            }
            record(in.readNBytes(size));
            line(in);
        }
    }

    private String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            sb.append((char) c);
        }
        record((sb + "\n").getBytes(StandardCharsets.ISO_8859_1));
        return sb.toString().strip();
    }

    private void record(byte[] bytes) {
        synchronized (raw) {
            raw.append(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
