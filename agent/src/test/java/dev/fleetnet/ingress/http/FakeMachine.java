package dev.fleetnet.ingress.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A machine on loopback whose answers a test scripts by request path, byte for byte, so that it
 * can misbehave as real servers do (more bytes than the framing says, a reset mid-body). Any
 * other path is answered {@code RESPONSE-FOR <path>}, so a client can tell whose answer it got.
 * Requests are read as heads alone (the tests send none with a body).
 */
final class FakeMachine implements AutoCloseable {
    /** What the machine does for one request on {@code socket}; false: the connection ends after it. */
    interface Answer {
        boolean answer(String head, Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    FakeMachine() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many connections the ingress opened to this machine so far. */
    int connections() {
        return connections.get();
    }

    /** Requests for {@code path} (as in the request line) get {@code answer}. */
    FakeMachine on(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    /** An answer that writes {@code raw} (ISO-8859-1) in one write and keeps the connection. */
    static Answer bytes(String raw) {
        return (head, socket) -> {
            write(socket, raw);
            return true;
        };
    }

    static void write(Socket socket, String raw) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                sockets.add(socket);
                Thread.ofPlatform().daemon().start(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            while (true) {
                String head = RawHttp.readHead(socket.getInputStream());
                if (head.isEmpty()) {
                    return;
                }
                String path = head.split(" ")[1];
                Answer answer = answers.getOrDefault(path, FakeMachine::echoPath);
                if (!answer.answer(head, socket)) {
                    return;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the ingress closed the connection
        }
    }

    private static boolean echoPath(String head, Socket socket) throws IOException {
        String body = "RESPONSE-FOR " + head.split(" ")[1];
        write(socket, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        return true;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
