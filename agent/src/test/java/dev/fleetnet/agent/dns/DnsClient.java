package dev.fleetnet.agent.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import org.xbill.DNS.Message;

/** A blocking DNS client for tests: one UDP exchange, or framed messages over one TCP connection. */
final class DnsClient {
    private DnsClient() {}

    /** Sends {@code query} over UDP and returns the reply with its id, waiting at most {@code timeout}. */
    static Message udp(InetSocketAddress server, Message query, Duration timeout) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
            byte[] wire = query.toWire();
            socket.send(new DatagramPacket(wire, wire.length, server));
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buffer = new byte[65535];
            while (true) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.setSoTimeout((int) left);
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet); // SocketTimeoutException past the deadline
                Message reply = DnsFixtures.parse(Arrays.copyOf(packet.getData(), packet.getLength()));
                if (reply.getHeader().getID() == query.getHeader().getID()) {
                    return reply;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no UDP answer from " + server + " within " + timeout + " to " + query.getQuestion());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TCP connection that reads at most {@code timeout} per message. */
    static Socket connect(InetSocketAddress server, Duration timeout) throws IOException {
        Socket socket = new Socket();
        socket.connect(server, (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        return socket;
    }

    static void write(Socket socket, byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The 2-byte length framing of RFC 1035 4.2.2. */
    static byte[] frame(Message... queries) {
        try (var out = new java.io.ByteArrayOutputStream(); var data = new DataOutputStream(out)) {
            for (Message query : queries) {
                byte[] wire = query.toWire();
                data.writeShort(wire.length);
                data.write(wire);
            }
            data.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Message read(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] wire = new byte[in.readUnsignedShort()];
        in.readFully(wire);
        return DnsFixtures.parse(wire);
    }

    /** True once the server has closed {@code socket} (end of stream), false if it is still open at the timeout. */
    static boolean closedByServer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
