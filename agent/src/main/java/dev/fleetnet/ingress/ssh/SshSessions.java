package dev.fleetnet.ingress.ssh;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open SSH sessions by machine, and the session log: who (key or certificate), which machine,
 * from where, start, end and exit statuses. Closes every session of a machine that stops, and
 * stops the web console terminals of that machine too.
 * Thread-safe: sessions come and go on MINA's threads, stops arrive from view updates.
 */
final class SshSessions implements SessionListener {
    private static final Logger log = LoggerFactory.getLogger("dev.fleetnet.ssh.sessions");
    static final AttributeKey<Admitted> ADMITTED = new AttributeKey<>();

    /** What authentication decided for a session. Exit statuses are added as its commands end. */
    record Admitted(String who, String machine, Instant start, List<Integer> exits) {}

    private final Map<ServerSession, Admitted> open = new ConcurrentHashMap<>();
    /** Every running process of a machine, with the SSH session it belongs to (none for a web console's terminal). */
    private final Map<MachineProcess, Optional<ServerSession>> processes = new ConcurrentHashMap<>();

    void admitted(ServerSession session, String who, String machine) {
        Admitted admitted = new Admitted(who, machine, Instant.now(), java.util.Collections.synchronizedList(new ArrayList<>()));
        session.setAttribute(ADMITTED, admitted);
        open.put(session, admitted);
        log.info("ssh session {} start: {} -> machine {} from {}", id(session), who, machine, client(session));
    }

    /** {@code session} is null for a web console's terminal. */
    void started(ServerSession session, MachineProcess process) {
        processes.put(process, Optional.ofNullable(session));
    }

    /** Records the exit status; a process ended because its machine stopped takes its session with it. */
    void exited(MachineProcess process, int status, boolean machineStopped) {
        Optional<ServerSession> owner = processes.remove(process);
        ServerSession session = owner == null ? null : owner.orElse(null);
        Admitted admitted = session == null ? null : open.get(session);
        if (admitted != null) {
            admitted.exits().add(status);
        }
        if (session != null && machineStopped) {
            session.close(false); // graceful: the message and exit status queued before are sent first
        }
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated && session instanceof ServerSession server) {
            String who = server.getAttribute(FleetAuthenticator.PENDING);
            admitted(server, who == null ? "?" : who, server.getUsername());
        }
    }

    /** The machine a session was admitted to, or null before authentication. */
    static String machine(Session session) {
        Admitted admitted = session.getAttribute(ADMITTED);
        return admitted == null ? null : admitted.machine();
    }

    @Override
    public void sessionClosed(Session session) {
        if (session instanceof ServerSession server) {
            Admitted admitted = open.remove(server);
            if (admitted != null) {
                log.info("ssh session {} end: {} -> machine {} from {}, {} s, exit status {}", id(server), admitted.who(),
                        admitted.machine(), client(server), Duration.between(admitted.start(), Instant.now()).toSeconds(),
                        admitted.exits().isEmpty() ? "none" : admitted.exits());
            }
        }
    }

    /** Closes the sessions (and forwards) of every machine not in {@code openable}, telling their users why. */
    int closeAllBut(Set<String> openable) {
        int closed = 0;
        Set<ServerSession> stopped = new java.util.HashSet<>();
        for (Map.Entry<MachineProcess, Optional<ServerSession>> e : List.copyOf(processes.entrySet())) {
            if (!openable.contains(e.getKey().machine())) {
                if (e.getValue().isPresent()) {
                    stopped.add(e.getValue().get());
                } else {
                    closed++; // a web console's terminal: it closes when its process ends
                }
                e.getKey().stop("fleetnet: machine '" + e.getKey().machine() + "' stopped; closing the session");
            }
        }
        for (Map.Entry<ServerSession, Admitted> e : List.copyOf(open.entrySet())) {
            if (stopped.contains(e.getKey())) {
                closed++;
            } else if (!openable.contains(e.getValue().machine())) { // forwards only, or nothing started yet
                log.info("ssh session {}: machine {} stopped; closing it", id(e.getKey()), e.getValue().machine());
                e.getKey().close(false); // graceful: exit statuses and the message above are flushed first
                closed++;
            }
        }
        return closed;
    }

    int size() {
        return open.size();
    }

    private static String id(ServerSession session) {
        return Integer.toHexString(System.identityHashCode(session));
    }

    private static SocketAddress client(ServerSession session) {
        return session.getClientAddress();
    }
}
