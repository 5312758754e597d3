package dev.fleetnet.agent.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * An upstream resolver on loopback (UDP and TCP on one port) for forwarding tests:
 * {@code www.example.test} has one AAAA (fd00::99), {@code big.example.test} has 60 (over UDP it
 * answers with TC set, as a real server does when the answer does not fit); anything else is
 * NXDOMAIN. A silent upstream reads queries and never answers. Every query is recorded.
 */
final class FakeUpstream implements AutoCloseable {
    /** One query as the upstream saw it. */
    record Seen(boolean tcp, int id, String name) {}

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final boolean silent;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    FakeUpstream(boolean silent) throws IOException {
        this.silent = silent;
        InetAddress loopback = InetAddress.getByName("::1");
        // UDP and TCP on one port number: the UDP port's TCP twin may be taken, so try a few.
        DatagramSocket udpSocket = null;
        ServerSocket tcpSocket = null;
        for (int attempt = 0; tcpSocket == null; attempt++) {
            udpSocket = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                tcpSocket = new ServerSocket(udpSocket.getLocalPort(), 50, loopback);
            } catch (java.net.BindException taken) {
                udpSocket.close();
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
        this.udp = udpSocket;
        this.tcp = tcpSocket;
        threads.add(Thread.ofPlatform().daemon().start(this::serveUdp));
        threads.add(Thread.ofPlatform().daemon().start(this::serveTcp));
    }

    InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                seen.add(new Seen(false, query.getHeader().getID(), query.getQuestion().getName().toString()));
                if (silent) {
                    continue;
                }
                byte[] answer = answer(query).toWire(query.getOPT() == null ? 512 : 1232);
                udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a query this fake cannot parse: keep serving until closed
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket socket = tcp.accept();
                connections.add(socket);
                threads.add(Thread.ofPlatform().daemon().start(() -> serveConnection(socket)));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serveConnection(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (true) {
                byte[] wire = new byte[in.readUnsignedShort()];
                in.readFully(wire);
                Message query = new Message(wire);
                seen.add(new Seen(true, query.getHeader().getID(), query.getQuestion().getName().toString()));
                if (silent) {
                    continue;
                }
                byte[] answer = answer(query).toWire(65535);
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // the client closed the connection
        }
    }

    private static Message answer(Message query) throws IOException {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        response.addRecord(query.getQuestion(), Section.QUESTION);
        Name name = query.getQuestion().getName();
        if (name.equals(Name.fromString("www.example.test."))) {
            response.addRecord(new AAAARecord(name, DClass.IN, 60, InetAddress.getByName("fd00::99")), Section.ANSWER);
        } else if (name.equals(Name.fromString("big.example.test."))) {
            for (int i = 1; i <= 60; i++) {
                Record record = new AAAARecord(name, DClass.IN, 60, InetAddress.getByName("fd00::" + Integer.toHexString(i)));
                response.addRecord(record, Section.ANSWER);
            }
        } else {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (query.getOPT() != null) {
            response.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
        for (Socket socket : connections) {
            socket.close();
        }
        for (Thread thread : threads) {
            thread.interrupt();
        }
    }
}
