package dev.fleetnet.ingress.http;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.ingress.tls.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/2 client over TLS (ALPN h2) that writes frames byte by byte as the test says,
 * including ones a well-behaved client never sends, and reads the server's frames back.
 */
final class RawH2 implements AutoCloseable {
    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
    static final int END_STREAM = 1, END_HEADERS = 4;

    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a GOAWAY or RST_STREAM frame. */
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8 | payload[at + 3] & 0xff;
        }
    }

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private boolean closedWhileWriting;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();

    private RawH2(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects with SNI {@code serverName}, checks ALPN chose h2, and sends the preface and empty SETTINGS. */
    static RawH2 connect(int port, String serverName, List<Certificate> trusted) throws Exception {
        SSLSocket socket = (SSLSocket) TestCertificates.trusting(trusted).getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        params.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(params);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("ALPN: " + socket.getApplicationProtocol() + " (expected: h2)");
        }
        RawH2 h2 = new RawH2(socket);
        h2.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        h2.frame(SETTINGS, 0, 0, new byte[0]);
        return h2;
    }

    static Http2Headers get(String authority, String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").authority(authority).path(path);
    }

    byte[] block(Http2Headers headers) throws Exception {
        ByteBuf buf = Unpooled.buffer();
        encoder.encodeHeaders(1, headers, buf);
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    /**
     * A header block of literal fields exactly as given, in this order, with no check of any
     * kind: {@code fields} alternates names and values (HPACK literal without indexing, no Huffman).
     */
    static byte[] literal(String... fields) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            out.write(0x00);
            string(out, fields[i]);
            string(out, fields[i + 1]);
        }
        return out.toByteArray();
    }

    private static void string(java.io.ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = b.length;
        if (n < 127) {
            out.write(n);
        } else {
            out.write(127);
            n -= 127;
            while (n >= 128) {
                out.write(n % 128 + 128);
                n /= 128;
            }
            out.write(n);
        }
        out.writeBytes(b);
    }

    void headers(int stream, Http2Headers headers, boolean endStream) throws Exception {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(headers));
    }

    void rst(int stream, int errorCode) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (errorCode >>> 24), (byte) (errorCode >>> 16), (byte) (errorCode >>> 8), (byte) errorCode});
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        if (closedWhileWriting) {
            return;
        }
        try {
            out.write(head);
            out.write(payload);
            out.flush();
        } catch (java.net.SocketException | javax.net.ssl.SSLException e) {
            closedWhileWriting = true; // the server ended the connection first; what it sent is still readable
        }
    }

    Frame read() throws IOException {
        byte[] head = new byte[9];
        in.readFully(head);
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
        return new Frame(head[3], head[4] & 0xff, stream, payload);
    }

    /** Reads until a frame matches; null when the server closed first. */
    Frame await(Predicate<Frame> match) throws IOException {
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (EOFException | javax.net.ssl.SSLException | java.net.SocketException closed) {
                return null;
            }
            if (match.test(f)) {
                return f;
            }
        }
    }

    /** True once the server closed the connection (reads until the end). */
    boolean closedByServer() throws IOException {
        return await(f -> false) == null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
