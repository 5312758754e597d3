package dev.fleetnet.agent.wireguard;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Talks WireGuard's cross-platform UAPI over a device's Unix socket ({@code /var/run/wireguard/NAME.sock}). */
public final class UapiClient {
    private final Path socket;

    public UapiClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** True if a device answers on the socket. */
    public boolean answers() {
        if (!Files.exists(socket)) {
            return false;
        }
        try {
            get();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The device's configuration (private key, port, peers with endpoints and allowed IPs). */
    public MeshConfig get() throws IOException {
        String response = exchange("get", "get=1\n\n");
        checkErrno("get", response, "");
        String privateKey = "";
        int listenPort = 0;
        Map<String, MeshConfig.Peer> peers = new HashMap<>();
        String peerKey = null;
        String endpoint = "";
        TreeSet<String> allowed = new TreeSet<>();
        for (String line : response.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "private_key" -> privateKey = value;
                case "listen_port" -> listenPort = Integer.parseInt(value);
                case "public_key" -> {
                    if (peerKey != null) {
                        peers.put(peerKey, new MeshConfig.Peer(endpoint, allowed));
                    }
                    peerKey = value;
                    endpoint = "";
                    allowed = new TreeSet<>();
                }
                case "endpoint" -> endpoint = value;
                case "allowed_ip" -> allowed.add(value);
                default -> { }
            }
        }
        if (peerKey != null) {
            peers.put(peerKey, new MeshConfig.Peer(endpoint, allowed));
        }
        return new MeshConfig(privateKey, listenPort, peers);
    }

    /** Sends one {@code set} transaction; a non-zero errno throws with the lines that were sent. */
    public void set(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        String response = exchange("set", "set=1\n" + String.join("\n", lines) + "\n\n");
        checkErrno("set", response, " (sent: " + redact(lines) + ")");
    }

    /** Every UAPI answer ends with {@code errno=N}; anything but 0, or no errno at all, is an error. */
    private void checkErrno(String operation, String response, String detail) throws IOException {
        String errno = response.lines().filter(l -> l.startsWith("errno=")).reduce((a, b) -> b).orElse(null);
        if (errno == null) {
            throw new IOException("UAPI " + operation + " on " + socket + ": the answer has no errno (expected: errno=0 at its end)" + detail);
        }
        if (!errno.equals("errno=0")) {
            throw new IOException("UAPI " + operation + " on " + socket + ": " + errno + " (expected: errno=0)" + detail);
        }
    }

    private String exchange(String operation, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("UAPI " + operation + " on " + socket + ": cannot connect (" + e.getMessage()
                        + "); expected: a running wireguard-go for this interface", e);
            }
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            StringBuilder response = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            while (channel.read(in) >= 0) {
                in.flip();
                response.append(StandardCharsets.UTF_8.decode(in));
                in.clear();
                if (response.indexOf("\n\n") >= 0) {
                    break; // a response ends with an empty line
                }
            }
            return response.toString();
        }
    }

    private static String redact(List<String> lines) {
        return String.join(" ", lines.stream().map(l -> l.startsWith("private_key=") ? "private_key=(redacted)" : l).toList());
    }
}
