package dev.fleetnet.ingress.passthrough;

import dev.fleetnet.ingress.core.ProxyV2Reader;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.ingress.tls.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A machine that terminates TLS itself with its own certificate: it records the first TLS record
 * it receives (the ClientHello, byte for byte) and a PROXY v2 header if one comes first, then
 * completes the handshake over those bytes and answers each line with {@code machine: {line}}.
 */
final class TlsMachine implements AutoCloseable {
    /** What one connection brought before the handshake. */
    record Arrival(ProxyV2Reader.Header proxy, byte[] clientHello) {}

    private final ServerSocket server;
    private final SSLContext context;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
    final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Connections accepted, whether or not they brought anything. */
    final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    TlsMachine(Certificate certificate) throws Exception {
        context = SSLContext.getInstance("TLS");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("machine", privateKey(certificate.getPrivateKeyPem()), new char[0],
                new java.security.cert.Certificate[] {TestCertificates.leaf(certificate.getCertificateChainPem())});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        context.init(kmf.getKeyManagers(), null, null);
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                accepted.incrementAndGet();
                threads.submit(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream raw = new java.io.BufferedInputStream(socket.getInputStream());
            raw.mark(1);
            int first = raw.read();
            raw.reset();
            ProxyV2Reader.Header proxy = first == 0x0D ? ProxyV2Reader.read(raw) : null;
            DataInputStream in = new DataInputStream(raw);
            byte[] head = new byte[5];
            in.readFully(head);
            byte[] record = new byte[5 + ((head[3] & 0xff) << 8 | head[4] & 0xff)];
            System.arraycopy(head, 0, record, 0, 5);
            in.readFully(record, 5, record.length - 5);
            arrivals.add(new Arrival(proxy, record));
            // The rest of the stream may already sit in the buffered reader: hand both to TLS.
            InputStream consumed = new java.io.SequenceInputStream(new ByteArrayInputStream(record), drain(raw));
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, consumed, true);
            tls.setUseClientMode(false);
            tls.startHandshake();
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                tls.getOutputStream().write(("machine: " + line + "\n").getBytes(StandardCharsets.UTF_8));
                tls.getOutputStream().flush();
            }
        } catch (Exception ended) {
            // the client went away, or the test closed the relay: nothing to answer
        } finally {
            open.remove(socket);
        }
    }

    /** What a buffered reader holds beyond the record, without blocking for more. */
    private static InputStream drain(InputStream buffered) throws IOException {
        return new ByteArrayInputStream(buffered.readNBytes(buffered.available()));
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
