package dev.fleetnet.controller.control;

import dev.fleetnet.console.ConsoleTokens;
import dev.fleetnet.controller.console.ConsoleGrants;
import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.identity.AuthenticatedHost;
import dev.fleetnet.controller.identity.JoinPolicy;
import dev.fleetnet.controller.identity.JoinRefused;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.view.Fleet;
import dev.fleetnet.controller.view.HostViews;
import dev.fleetnet.controller.view.ViewDiff;
import dev.fleetnet.core.Endpoints;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ConsoleTokenSpent;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.SpendConsoleToken;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.proto.v1.Welcome;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's stream, for the one host its client certificate names (never a name it sends):
 * Hello, Welcome, a full view, then a delta whenever that host's view changes; Acks, status
 * reports and certificate renewals come back on it, each for that host only. The stream is
 * closed as soon as the host is revoked or another key joins under its name.
 * Threading: everything the agent sends, and the end of the stream, is handled in arrival
 * order on the session's {@link SerialExecutor} (which owns the fields marked "work");
 * views are computed on the fleet thread; every send holds the lock on {@code out}.
 */
final class AgentSession implements StreamObserver<AgentMessage> {
    private static final Logger log = LoggerFactory.getLogger(AgentSession.class);
    private static final long SESSION_TTL_SECONDS = 10;
    private final AgentControlService.SessionContext context;
    private final StreamObserver<ControllerMessage> out;
    private final AuthenticatedHost authenticated;
    private final SerialExecutor work;
    private final Map<String, MachineStatus> reported = new HashMap<>(); // work
    private Host host; // work: set once the host has joined
    private String session; // work: value of the session key, unique to this stream
    private long leaseId; // work
    private CloseableClient keepAlive; // work
    private boolean leaseLost; // work: the lease ended under the session (its key may be gone with it)
    private Runnable unsubscribe; // work
    private long lastAck; // work
    private boolean ended; // work
    private boolean closed; // guarded by out
    private HostView lastSent; // guarded by out

    AgentSession(AgentControlService.SessionContext context, AuthenticatedHost authenticated, StreamObserver<ControllerMessage> out) {
        this.context = context;
        this.authenticated = authenticated;
        this.out = out;
        this.work = new SerialExecutor(context.blocking());
    }

    @Override
    public void onNext(AgentMessage message) {
        work.execute(() -> handle(message));
    }

    @Override
    public void onError(Throwable t) {
        work.execute(this::end);
    }

    @Override
    public void onCompleted() {
        synchronized (out) {
            if (!closed) {
                closed = true;
                out.onCompleted();
            }
        }
        work.execute(this::end);
    }

    private void handle(AgentMessage message) {
        if (ended) {
            return;
        }
        if (host == null) {
            if (message.hasHello()) {
                hello(message.getHello());
            } else {
                fail(Status.FAILED_PRECONDITION.withDescription("first message: " + message.getKindCase() + " (expected: hello)"));
            }
            return;
        }
        try {
            switch (message.getKindCase()) {
                case ACK -> ack(message.getAck().getRevision());
                case STATUS -> {
                    // memory only, first: a failing etcd write of machine status must not hold back live figures
                    context.counters().record(host.getName(), this, message.getStatus().getRoutesList(), System.currentTimeMillis());
                    report(message.getStatus().getMachinesList());
                }
                case RENEW_SSH_HOST_CERTIFICATE -> sendHostCertificate(host, message.getRenewSshHostCertificate());
                case SPEND_CONSOLE_TOKEN -> spendConsoleToken(host, message.getSpendConsoleToken());
                case RENEW_HOST_CERTIFICATE -> renewHostCertificate(message.getRenewHostCertificate().toByteArray());
                default -> log.warn("host {}: ignoring unexpected {} on an established stream", host.getName(), message.getKindCase());
            }
        } catch (FleetException e) {
            log.warn("host {}: {}", host.getName(), e.getMessage()); // the agent repeats its report; the next one may land
        }
    }

    private void hello(Hello hello) {
        String name = authenticated.name();
        try {
            checkPublicKey(hello.getPublicKey());
            Endpoints.parse("endpoint", hello.getEndpoint());
        } catch (IllegalArgumentException e) {
            fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        }
        try {
            Host joined = context.store().joinHost(name, hello.getPublicKey(), hello.getEndpoint());
            host = joined;
            leaseId = context.leases().grant(SESSION_TTL_SECONDS).get(10, TimeUnit.SECONDS).getID();
            keepAlive = context.leases().keepAlive(leaseId, new LeaseLoss(joined.getName()));
            session = context.controllerId() + "/" + Long.toHexString(leaseId);
            context.store().status().openSession(joined.getName(), session, leaseId);
            send(ControllerMessage.newBuilder().setWelcome(Welcome.newBuilder().setHostNumber(joined.getNumber())
                    .setInfraAddress(joined.getInfraAddress()).setControllerId(context.controllerId())).build());
            log.info("host {} (number {}, certificate serial {}) connected, mesh endpoint {}, applied revision {}", joined.getName(),
                    joined.getNumber(), authenticated.serial(), hello.getEndpoint(), hello.getAppliedRevision());
            sendHostCertificate(joined, hello.getSshHostPublicKey());
            unsubscribe = context.watcher().subscribe(fleet -> onFleet(fleet, joined.getName()));
        } catch (FleetException e) {
            fail(Status.UNAVAILABLE.withDescription("cannot register host '" + name + "': " + e.getMessage()));
        } catch (Exception e) {
            fail(Status.UNAVAILABLE.withDescription("cannot register host '" + name + "': " + e));
        }
    }

    /**
     * Signs the host's SSH key for this host only: its own name, its underlay address (from the
     * endpoint it joined with) and its infrastructure address. A host never names its principals.
     */
    private void sendHostCertificate(Host joined, String publicKeyLine) {
        if (publicKeyLine.isEmpty() || context.sshCa() == null) {
            return;
        }
        java.security.PublicKey key;
        try {
            key = dev.fleetnet.ssh.SshKeys.parsePublicKey(publicKeyLine);
        } catch (IllegalArgumentException e) {
            log.warn("host {}: SSH host key refused, no host certificate: {}", joined.getName(), e.getMessage());
            return;
        }
        java.util.List<String> principals = new java.util.ArrayList<>(java.util.List.of(joined.getName()));
        String address = Endpoints.parse("endpoint", joined.getEndpoint()).getHostString();
        if (!principals.contains(address)) {
            principals.add(address);
        }
        if (!joined.getInfraAddress().isEmpty()) {
            principals.add(joined.getInfraAddress());
        }
        // Java (and MINA's client, which relays between hosts) spells IPv6 uncompressed: the same address, once more
        for (String p : java.util.List.copyOf(principals)) {
            if (dev.fleetnet.core.Ipv6.isValid(p)) {
                String javaForm = new java.net.InetSocketAddress(p, 0).getAddress().getHostAddress();
                if (!principals.contains(javaForm)) {
                    principals.add(javaForm);
                }
            }
        }
        java.time.Instant now = java.time.Instant.now();
        var certificate = context.sshCa().signHost(joined.getName(), principals, key, now);
        var relay = context.sshCa().signRelay(joined.getName(), key, now);
        send(ControllerMessage.newBuilder().setSshHostCertificate(SshHostCertificate.newBuilder()
                .setCertificate(dev.fleetnet.ssh.SshKeys.line(certificate)).addAllPrincipals(principals)
                .setRelayCertificate(dev.fleetnet.ssh.SshKeys.line(relay))
                .setValidBeforeEpochSeconds(certificate.getValidBefore())).build());
        log.info("host {}: SSH host certificate signed for {}", joined.getName(), principals);
    }

    /**
     * Spends a web console token for the host whose ingress received it, and answers on this stream
     * with the machine it opens or why it opens nothing. Any host may spend any token, once.
     */
    private void spendConsoleToken(Host spender, SpendConsoleToken request) {
        ConsoleTokenSpent.Builder answer = ConsoleTokenSpent.newBuilder().setRequestId(request.getRequestId());
        if (context.consoles() == null) {
            answer.setRefusal("fleetnet: this controller does not serve web consoles");
        } else if (!ConsoleTokens.wellFormed(request.getToken())) {
            answer.setRefusal("fleetnet: this console link is malformed (expected: the whole link `fleetnet machine console MACHINE` printed)");
        } else {
            String id = ConsoleTokens.id(request.getToken());
            try {
                switch (context.consoles().spend(id, spender.getName(), java.time.Instant.now())) {
                    case ConsoleGrants.Open open -> {
                        answer.setMachine(open.machine());
                        log.info("host {}: console link {} spent for machine {}", spender.getName(), ConsoleStore.shortId(id),
                                open.machine());
                    }
                    case ConsoleGrants.Refused refused -> {
                        answer.setRefusal(refused.message());
                        log.info("host {}: console link {} refused: {}", spender.getName(), ConsoleStore.shortId(id), refused.message());
                    }
                }
            } catch (FleetException e) {
                answer.setRefusal("fleetnet: the console link could not be checked (" + e.getMessage() + "); try again");
            }
        }
        send(ControllerMessage.newBuilder().setConsoleTokenSpent(answer).build());
    }

    /**
     * Called on the fleet thread with every new snapshot; sends the full view first, then only
     * changes; ends the stream when the host's identity no longer admits this certificate.
     */
    private void onFleet(Fleet fleet, String hostName) {
        String cutOff = cutOff(fleet.identities().get(hostName));
        if (cutOff != null) {
            work.execute(() -> {
                if (!ended) {
                    log.warn("host {}: closing its control stream: {}", hostName, cutOff);
                    fail(Status.UNAUTHENTICATED.withDescription(cutOff));
                }
            });
            return;
        }
        synchronized (out) {
            if (closed || !fleet.hosts().containsKey(hostName)) {
                return;
            }
            HostView view = HostViews.compute(fleet, hostName, context.suffix());
            if (lastSent == null) {
                out.onNext(ControllerMessage.newBuilder().setFullView(view).build());
            } else if (ViewDiff.changed(lastSent, view)) {
                out.onNext(ControllerMessage.newBuilder().setDelta(ViewDiff.between(lastSent, view)).build());
            } else {
                return;
            }
            lastSent = view;
        }
    }

    /** Why the host's identity no longer admits this stream's certificate, or null while it does. */
    private String cutOff(HostIdentity identity) {
        if (identity == null) {
            return null; // none in the snapshot yet: the stream start read it from etcd
        }
        if (identity.getRevokedEpochSeconds() != 0) {
            return "host '" + authenticated.name() + "': revoked at " + java.time.Instant.ofEpochSecond(identity.getRevokedEpochSeconds())
                    + " (expected: a host not revoked; it joins again with a new key after `fleetnet host rekey "
                    + authenticated.name() + "` or with a token created with --host " + authenticated.name() + ")";
        }
        if (!identity.getKeySha256().equals(authenticated.keySha256())) {
            return "host '" + authenticated.name() + "': another key (" + JoinPolicy.shortKey(identity.getKeySha256())
                    + ") joined under this name; this stream's key is " + JoinPolicy.shortKey(authenticated.keySha256())
                    + " (expected: the certificate of the host's latest join)";
        }
        return null;
    }

    /** Issues a fresh certificate for this host's own key, asked for with a request for that key. */
    private void renewHostCertificate(byte[] csr) {
        if (context.identities() == null) {
            log.warn("host {}: asked to renew its certificate; this controller does not renew certificates", host.getName());
            return;
        }
        try {
            java.security.cert.X509Certificate renewed = context.identities().renew(authenticated, HostCsr.parse(csr));
            send(ControllerMessage.newBuilder().setHostCertificate(IdentityPem.certificate(renewed)).build());
        } catch (IllegalArgumentException e) {
            log.warn("host {}: certificate renewal refused: {}", host.getName(), e.getMessage());
        } catch (JoinRefused e) {
            log.warn("host {}: {}", host.getName(), e.getMessage());
        }
    }

    private void ack(long revision) {
        if (revision > lastAck) {
            context.store().status().recordApplied(host.getName(), revision);
            lastAck = revision;
        }
    }

    private void report(Iterable<MachineStatus> statuses) {
        for (MachineStatus status : statuses) {
            if (!status.equals(reported.get(status.getName()))) {
                context.store().status().reportStatus(host.getName(), status);
                reported.put(status.getName(), status);
            }
        }
    }

    private void send(ControllerMessage message) {
        synchronized (out) {
            if (!closed) {
                out.onNext(message);
            }
        }
    }

    /** Ends the stream with {@code status}; runs on the session's executor. */
    private void fail(Status status) {
        synchronized (out) {
            if (!closed) {
                closed = true;
                out.onError(status.asRuntimeException());
            }
        }
        end();
    }

    /** Releases what the session holds, once: the fleet subscription, the lease and the session key. */
    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (unsubscribe != null) {
            unsubscribe.run();
        }
        if (keepAlive != null) {
            keepAlive.close();
        }
        if (leaseId != 0) {
            try {
                // Deleted here, not left to the lease: a lease whose keepalive stopped may live on in etcd for a while
                context.store().status().closeSession(host.getName(), session);
            } catch (Exception e) {
                log.warn("host {}: session key not deleted ({}); it goes with its lease within {}s", host.getName(),
                        e.getMessage(), SESSION_TTL_SECONDS);
            }
            try {
                context.leases().revoke(leaseId).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (!leaseLost) { // a lost lease is usually gone already: nothing to revoke
                    log.warn("host {}: lease {} not revoked ({}); it expires within {}s", host.getName(),
                            Long.toHexString(leaseId), e.getMessage(), SESSION_TTL_SECONDS);
                }
            }
        }
        if (host != null) {
            context.counters().forget(host.getName(), this);
            log.info("host {} disconnected", host.getName());
        }
    }

    /**
     * Ends the session when its lease ends, for whatever reason: an error from the keepalive
     * stream, a keepalive answer that the lease is gone (revoked, expired), or jetcd completing the
     * keepalive without an error (it does when no answer came within the lease's TTL, i.e. the
     * lease may have expired). Ending deletes the session key, so the host shows disconnected at
     * once, and closes the stream, so the agent reconnects and gets a session with a fresh lease.
     */
    private final class LeaseLoss implements StreamObserver<LeaseKeepAliveResponse> {
        private final String hostName;

        LeaseLoss(String hostName) {
            this.hostName = hostName;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse value) {
            if (value.getTTL() <= 0) { // jetcd turns this into an error itself; not relying on it costs nothing
                lost("etcd answered the keepalive with TTL " + value.getTTL() + ": the lease is gone");
            }
        }

        @Override
        public void onCompleted() {
            lost("the keepalive ended without an error: no answer within the lease's " + SESSION_TTL_SECONDS
                    + "s TTL, so the lease may have expired");
        }

        @Override
        public void onError(Throwable t) {
            lost("the keepalive failed: " + t.getMessage());
        }

        private void lost(String why) {
            work.execute(() -> {
                if (ended) {
                    return;
                }
                leaseLost = true;
                log.warn("host {}: session lease {} lost ({}); marking the host disconnected and closing its stream so it"
                        + " reconnects with a new session", hostName, Long.toHexString(leaseId), why);
                fail(Status.UNAVAILABLE.withDescription("session of host '" + hostName + "' lost its etcd lease (" + why
                        + "); reconnect"));
            });
        }
    }

    private static void checkPublicKey(String key) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("public key: '" + key + "' (expected: 32 bytes in base64, as `wg pubkey` prints)");
        }
    }
}
