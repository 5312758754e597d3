package dev.fleetnet.controller.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.console.ConsoleTokens;
import dev.fleetnet.controller.console.ConsoleGrants;
import dev.fleetnet.controller.console.ConsoleStore;
import dev.fleetnet.controller.identity.AuthenticatedHost;
import dev.fleetnet.controller.identity.HostCa;
import dev.fleetnet.controller.identity.HostIdentities;
import dev.fleetnet.controller.identity.IdentityStore;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.controller.view.FleetWatcher;
import dev.fleetnet.proto.v1.Ack;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.ConsoleTokenSpent;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.SpendConsoleToken;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.MachineStatus;
import dev.fleetnet.proto.v1.StatusReport;
import io.etcd.jetcd.Client;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import dev.fleetnet.controller.ssh.FleetSshCa;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.ssh.SshKeys;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control stream, in process, against a real etcd. In process there is no TLS: a test
 * interceptor sets the host a stream speaks for from a header, as the listener's interceptor
 * does from the client certificate (see HostIdentityIT for the real thing).
 */
class AgentControlIT {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final Metadata.Key<String> TEST_HOST = Metadata.Key.of("test-host", Metadata.ASCII_STRING_MARSHALLER);
    /** The key SHA-256 every test host's certificate would carry. */
    private static final String HOST_KEY = "ab".repeat(32);
    private EtcdProcess etcd;
    private Client client;
    private FleetStore store;
    private FleetWatcher watcher;
    private Server server;
    private ManagedChannel channel;
    private ExecutorService blocking;
    private RecordingLease leases;
    private HostIdentities identities;
    private final FleetSshCa sshCa = FleetSshCa.generate(java.time.Instant.now());

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdProcess.start();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        store = new FleetStore(client, new Keys("/fleetnet/v1/"));
        store.ensureDefaultNetwork();
        watcher = new FleetWatcher(client, store.keys());
        watcher.start();
        blocking = Executors.newCachedThreadPool();
        leases = new RecordingLease(client.getLeaseClient());
        identities = new HostIdentities(new IdentityStore(client, store.keys()), HostCa.generate(java.time.Instant.now()),
                java.time.Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new AgentControlService(store, watcher, leases, "test", blocking, new RouteCountersBoard(), sshCa, identities,
                        new ConsoleStore(client, store.keys()), "fleet.internal"))
                .intercept(new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        String host = headers.get(TEST_HOST);
                        Context context = host == null ? Context.current()
                                : Context.current().withValue(AuthenticatedHost.KEY, new AuthenticatedHost(host, HOST_KEY, "1"));
                        return Contexts.interceptCall(context, call, headers, next);
                    }
                }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow();
        watcher.close();
        blocking.shutdown(); // let ending sessions release their leases
        blocking.awaitTermination(20, TimeUnit.SECONDS);
        client.close();
        etcd.close();
    }

    /** A stream for {@code host} (null: none authenticated) whose received messages and end can be awaited. */
    private final class Agent implements StreamObserver<ControllerMessage> {
        final BlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Status> ended = new LinkedBlockingQueue<>();
        final StreamObserver<AgentMessage> out;

        Agent(String host) {
            Metadata headers = new Metadata();
            if (host != null) {
                headers.put(TEST_HOST, host);
            }
            out = AgentControlGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).connect(this);
        }

        Agent hello() {
            out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setPublicKey(KEY).setEndpoint("[fd01::1]:51820")).build());
            return this;
        }

        ControllerMessage next() throws InterruptedException {
            ControllerMessage m = received.poll(20, TimeUnit.SECONDS);
            assertThat(m).as("a message from the controller").isNotNull();
            return m;
        }

        @Override public void onNext(ControllerMessage value) { received.add(value); }
        @Override public void onError(Throwable t) { ended.add(Status.fromThrowable(t)); }
        @Override public void onCompleted() { ended.add(Status.OK); }
    }

    /** The next console answer on {@code agent}'s stream, past views and certificates. */
    private static ConsoleTokenSpent nextSpend(Agent agent) throws InterruptedException {
        while (true) {
            ControllerMessage m = agent.next();
            if (m.hasConsoleTokenSpent()) {
                return m.getConsoleTokenSpent();
            }
        }
    }

    private static void spend(Agent agent, long id, String token) {
        agent.out.onNext(AgentMessage.newBuilder().setSpendConsoleToken(SpendConsoleToken.newBuilder().setRequestId(id).setToken(token))
                .build());
    }

    @Test
    void twoHostsSpendingOneConsoleLinkOpenItOnce() throws Exception {
        Agent h1 = new Agent("h1").hello();
        Agent h2 = new Agent("h2").hello();
        assertThat(h1.next().hasWelcome()).isTrue();
        assertThat(h2.next().hasWelcome()).isTrue();
        String token = ConsoleTokens.generate();
        new ConsoleStore(client, store.keys()).create(ConsoleTokens.id(token), ConsoleGrants.issue("web", java.time.Instant.now(),
                java.time.Duration.ofSeconds(60)), java.time.Duration.ofSeconds(120));
        spend(h1, 7, token);
        spend(h2, 9, token);
        ConsoleTokenSpent a = nextSpend(h1);
        ConsoleTokenSpent b = nextSpend(h2);
        assertThat(a.getRequestId()).isEqualTo(7);
        assertThat(b.getRequestId()).isEqualTo(9);
        assertThat(java.util.List.of(a.getMachine(), b.getMachine())).containsExactlyInAnyOrder("web", "");
        ConsoleTokenSpent refused = a.getMachine().isEmpty() ? a : b;
        String winner = a.getMachine().isEmpty() ? "h2" : "h1";
        assertThat(refused.getRefusal()).contains("was already used at").contains("(through host '" + winner + "')");
        spend(h1, 8, "not-a-token");
        ConsoleTokenSpent malformed = nextSpend(h1);
        assertThat(malformed.getRequestId()).isEqualTo(8);
        assertThat(malformed.getMachine()).isEmpty();
        assertThat(malformed.getRefusal()).isEqualTo("fleetnet: this console link is malformed"
                + " (expected: the whole link `fleetnet machine console MACHINE` printed)");
    }

    @Test
    void aStreamWithNoCheckedCertificateIsRefusedAndWritesNothing() throws Exception {
        long before = revision();
        Agent agent = new Agent(null).hello();
        Status status = agent.ended.poll(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).isEqualTo("control stream: no host certificate was checked for it"
                + " (expected: a client certificate from the fleet host CA)");
        assertThat(store.hosts()).isEmpty();
        assertThat(revision()).isEqualTo(before);
    }

    @Test
    void revokingTheHostClosesItsStreamAndTakesItOutOfEveryOtherHostsPeers() throws Exception {
        pinIdentity("h1", HOST_KEY);
        pinIdentity("h2", HOST_KEY);
        Agent h1 = new Agent("h1").hello();
        h1.next(); // welcome
        h1.next(); // full view
        Agent h2 = new Agent("h2").hello();
        h2.next(); // welcome
        assertThat(h2.next().getFullView().getPeersList()).extracting(p -> p.getHostName()).containsExactly("h1");

        identities.revoke("h1");
        Status ended = h1.ended.poll(20, TimeUnit.SECONDS);
        assertThat(ended).as("h1's stream is closed").isNotNull();
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(ended.getDescription()).startsWith("host 'h1': revoked at ");
        ControllerMessage delta = h2.next();
        assertThat(delta.getDelta().getRemovePeersList()).as("h2 drops h1 as a peer").containsExactly("h1");
        awaitTrue("h1 shows disconnected", () -> !store.host("h1").getConnected());
    }

    @Test
    void anotherKeyJoiningUnderTheHostsNameClosesTheOldKeysStream() throws Exception {
        pinIdentity("h1", HOST_KEY);
        Agent h1 = new Agent("h1").hello();
        h1.next(); // welcome
        h1.next(); // full view
        var before = identities.store().identity("h1");
        identities.store().updateIdentity(before, before.value().toBuilder().setKeySha256("cd".repeat(32)).build());
        Status ended = h1.ended.poll(20, TimeUnit.SECONDS);
        assertThat(ended).isNotNull();
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(ended.getDescription()).isEqualTo("host 'h1': another key (SHA256:cdcdcdcdcdcdcdcd) joined under this name;"
                + " this stream's key is SHA256:abababababababab (expected: the certificate of the host's latest join)");
    }

    /** An identity as a join writes it, pinning {@code keySha256}. */
    private void pinIdentity(String host, String keySha256) {
        assertThat(identities.store().updateIdentity(identities.store().identity(host), HostIdentity.newBuilder().setHost(host)
                .setKeySha256(keySha256).setCertificateSerial("1").build())).isTrue();
    }

    @Test
    void welcomeThenFullViewThenDeltasAsTheFleetChanges() throws Exception {
        Agent agent = new Agent("h1").hello();
        ControllerMessage welcome = agent.next();
        assertThat(welcome.getWelcome().getHostNumber()).isEqualTo(1);
        assertThat(welcome.getWelcome().getInfraAddress()).isEqualTo("fdaa::1:0:0:1");
        assertThat(agent.next().getFullView().getMachinesCount()).isZero();
        assertThat(store.host("h1").getConnected()).isTrue();

        store.createMachine(Machine.newBuilder().setName("web").setHost("h1").setNetwork("default")
                .setBackend(Backend.BACKEND_NETNS).setDesiredState(MachineState.MACHINE_STATE_RUNNING).build());
        ControllerMessage delta = agent.next();
        assertThat(delta.getDelta().getUpsertMachinesList()).extracting(m -> m.getName()).containsExactly("web");
        assertThat(delta.getDelta().getRevision()).isPositive();

        agent.out.onCompleted();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (store.host("h1").getConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling interval
        }
        assertThat(store.host("h1").getConnected()).as("session gone after the stream ends").isFalse();

        Agent again = new Agent("h1").hello();
        assertThat(again.next().getWelcome().getHostNumber()).as("same number on rejoin").isEqualTo(1);
        assertThat(again.next().getFullView().getMachinesList()).extracting(m -> m.getName()).containsExactly("web");
    }

    @Test
    void aHostGetsAnSshHostCertificateForItsOwnNameAndAddressesOnly() throws Exception {
        java.security.KeyPair hostKey = SshKeys.generateEd25519();
        Agent agent = new Agent("h1");
        agent.out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setPublicKey(KEY)
                .setEndpoint("[fd01::1]:51820").setSshHostPublicKey(SshKeys.line(hostKey.getPublic()))).build());
        assertThat(agent.next().hasWelcome()).isTrue();
        SshHostCertificate signed = agent.next().getSshHostCertificate();
        OpenSshCertificate certificate = SshKeys.parseCertificate(signed.getCertificate());
        assertThat(certificate.getType()).isEqualTo(OpenSshCertificate.Type.HOST);
        assertThat(certificate.getPrincipals()).containsExactly("h1", "fd01::1", "fdaa::1:0:0:1", "fd01:0:0:0:0:0:0:1",
                "fdaa:0:0:0:1:0:0:1");
        assertThat(KeyUtils.compareKeys(certificate.getCertPubKey(), hostKey.getPublic())).isTrue();
        assertThat(KeyUtils.compareKeys(certificate.getCaPubKey(), sshCa.publicKey())).isTrue();
        assertThat(agent.next().hasFullView()).isTrue();
        agent.out.onNext(AgentMessage.newBuilder().setRenewSshHostCertificate(SshKeys.line(hostKey.getPublic())).build());
        assertThat(SshKeys.parseCertificate(agent.next().getSshHostCertificate().getCertificate()).getPrincipals())
                .as("a renewal is for the same host only").contains("h1").doesNotContain("h2").hasSize(5);
    }

    @Test
    void badHelloFieldsAreInvalidArgument() throws Exception {
        Agent agent = new Agent("h1");
        agent.out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setPublicKey("short")
                .setEndpoint("[fd01::1]:51820")).build());
        Status status = agent.ended.poll(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).startsWith("public key: 'short' (expected:");
    }

    @Test
    void acksAndStatusReportsAreRecordedAndStatusWritesSendNoDelta() throws Exception {
        Agent agent = new Agent("h1").hello();
        agent.next(); // welcome
        agent.next(); // full view
        createMachine("web", "h1");
        ControllerMessage delta = agent.next();
        long revision = delta.getDelta().getRevision();
        agent.out.onNext(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(revision)).build());
        MachineStatus running = MachineStatus.newBuilder().setName("web").setState(MachineState.MACHINE_STATE_RUNNING)
                .setNetns("ns-web").setLink("veth-web").build();
        agent.out.onNext(AgentMessage.newBuilder().setStatus(StatusReport.newBuilder().addMachines(running)).build());
        awaitTrue("applied revision recorded", () -> store.host("h1").getAppliedRevision() == revision);
        awaitTrue("status recorded", () -> store.machine("web").getState() == MachineState.MACHINE_STATE_RUNNING);
        assertThat(store.machine("web").getNetns()).isEqualTo("ns-web");

        // The status write changed no view: the next message is the delta of the next real change.
        createMachine("api", "h1");
        assertThat(agent.next().getDelta().getUpsertMachinesList()).extracting(m -> m.getName()).containsExactly("api");
    }

    @Test
    void messagesAfterARefusedHelloWriteNothing() throws Exception {
        long before = revision();
        Agent agent = new Agent(null).hello();
        agent.out.onNext(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(99)).build());
        agent.out.onNext(AgentMessage.newBuilder().setStatus(StatusReport.newBuilder()
                .addMachines(MachineStatus.newBuilder().setName("web").setState(MachineState.MACHINE_STATE_RUNNING))).build());
        assertThat(agent.ended.poll(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        // The refused stream queued its ack and report behind the hello; a later stream's welcome gives them time to land.
        Agent other = new Agent("h2").hello();
        other.next();
        assertThat(client.getKVClient().get(Keys.bytes(store.keys().appliedRevision("h1"))).get().getKvs()).isEmpty();
        assertThat(store.hosts()).extracting(h -> h.getName()).containsExactly("h2");
        assertThat(revision()).isGreaterThan(before);
    }

    @Test
    void aStreamMustStartWithHello() throws Exception {
        Agent agent = new Agent("h1");
        agent.out.onNext(AgentMessage.newBuilder().setAck(Ack.newBuilder().setRevision(1)).build());
        Status status = agent.ended.poll(20, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status.getDescription()).isEqualTo("first message: ACK (expected: hello)");
    }

    @Test
    void aStaleStreamEndingDoesNotDisconnectItsReplacement() throws Exception {
        Agent first = new Agent("h1").hello();
        first.next();
        Agent second = new Agent("h1").hello();
        second.next();
        first.out.onCompleted();
        assertThat(first.ended.poll(20, TimeUnit.SECONDS)).isEqualTo(Status.OK);
        createMachine("web", "h1"); // a change both see only if the second stream is still served
        second.next(); // full view
        assertThat(second.next().getDelta().getUpsertMachinesList()).extracting(m -> m.getName()).containsExactly("web");
        assertThat(store.host("h1").getConnected()).as("the replacement's session survives").isTrue();
    }

    @Test
    void aLeaseRevokedFromOutsideEndsTheSessionAndTheHostShowsDisconnectedUntilItReconnects() throws Exception {
        Agent agent = new Agent("h1").hello();
        agent.next(); // welcome
        agent.next(); // full view
        assertThat(store.host("h1").getConnected()).isTrue();
        long lease = sessionLease("h1");
        try (Client outside = Client.builder().endpoints(etcd.endpoint()).build()) {
            outside.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        }
        Status ended = agent.ended.poll(20, TimeUnit.SECONDS);
        assertThat(ended).as("the stream ends so the agent reconnects").isNotNull();
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ended.getDescription()).startsWith("session of host 'h1' lost its etcd lease (").endsWith("); reconnect");
        assertThat(store.host("h1").getConnected()).isFalse();

        Agent again = new Agent("h1").hello();
        again.next(); // welcome
        awaitTrue("connected again with a new lease", () -> store.host("h1").getConnected());
        assertThat(sessionLease("h1")).isNotEqualTo(lease);
    }

    @Test
    void aKeepaliveThatEndsWithoutAnErrorEndsTheSessionTooAndTheHostShowsDisconnected() throws Exception {
        Agent agent = new Agent("h1").hello();
        agent.next(); // welcome
        agent.next(); // full view
        long lease = sessionLease("h1");
        // What jetcd does when no keepalive answer came within the TTL: onCompleted, no error; the lease may still be in etcd.
        leases.observer(lease).onCompleted();
        Status ended = agent.ended.poll(20, TimeUnit.SECONDS);
        assertThat(ended).as("the stream ends so the agent reconnects").isNotNull();
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ended.getDescription()).isEqualTo("session of host 'h1' lost its etcd lease (the keepalive ended without an"
                + " error: no answer within the lease's 10s TTL, so the lease may have expired); reconnect");
        awaitTrue("the session key is gone", () -> !store.host("h1").getConnected());
        awaitTrue("the lease is revoked", () -> {
            try {
                return client.getLeaseClient().timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                        .get(10, TimeUnit.SECONDS).getTTL() <= 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        Agent again = new Agent("h1").hello();
        again.next(); // welcome
        awaitTrue("connected again", () -> store.host("h1").getConnected());
    }

    /** The lease of {@code host}'s session, from its session key ({@code <controller id>/<lease id in hex>}). */
    private long sessionLease(String host) throws Exception {
        var kvs = client.getKVClient().get(Keys.bytes(store.keys().session(host))).get(10, TimeUnit.SECONDS).getKvs();
        assertThat(kvs).as("session key of " + host).hasSize(1);
        String value = kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        return Long.parseUnsignedLong(value.substring(value.indexOf('/') + 1), 16);
    }

    private void createMachine(String name, String host) {
        if (store.host(host) == null) {
            store.joinHost(host, KEY, "[fd01::9]:51820");
        }
        store.createMachine(Machine.newBuilder().setName(name).setHost(host).setNetwork("default")
                .setBackend(Backend.BACKEND_NETNS).setDesiredState(MachineState.MACHINE_STATE_RUNNING).build());
    }

    private long revision() throws Exception {
        return client.getKVClient().get(Keys.bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20); // polling interval
        }
    }
}
