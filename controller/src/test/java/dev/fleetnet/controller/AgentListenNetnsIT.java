package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.client.FleetClient;
import dev.fleetnet.controller.identity.TestHosts;
import dev.fleetnet.controller.store.EtcdProcess;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.IdentityPem;
import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.GetHostCaRequest;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.function.UnaryOperator;
import dev.fleetnet.netns.NamespaceRunner;
import dev.fleetnet.proto.v1.AgentControlGrpc;
import dev.fleetnet.proto.v1.AgentMessage;
import dev.fleetnet.proto.v1.ControllerMessage;
import dev.fleetnet.proto.v1.Hello;
import dev.fleetnet.routing.IngressNaming;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code --agent-listen-netns}: the agent channel (join, then mutual TLS) listens inside a named namespace, and only there. */
class AgentListenNetnsIT {

    @Test
    void agentsReachTheControllerInsideTheNamespaceOnly() throws Exception {
        String ns = "t" + ThreadLocalRandom.current().ints(4, 'a', 'z' + 1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append);
        int agentPort = freePort();
        java.nio.file.Path dataDir = Files.createTempDirectory("fleetnet-ns-");
        run("ip", "netns", "add", ns);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (EtcdProcess etcd = EtcdProcess.start(); NamespaceRunner runner = new NamespaceRunner()) {
            run("ip", "-n", ns, "link", "set", "lo", "up");
            ControllerConfig config = new ControllerConfig(new InetSocketAddress("127.0.0.1", freePort()),
                    new InetSocketAddress("127.0.0.1", agentPort), ns, List.of(), List.of(etcd.endpoint()),
                    dataDir, "/fleetnet/v1/", new IngressNaming("fleet.internal", 8080));
            try (Controller controller = Controller.start(config)) {
                assertThat(controller.agentAddress().getPort()).isEqualTo(agentPort);
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), agentPort).close())
                        .as("nothing listens on the port in the test's own namespace").isInstanceOf(ConnectException.class);

                X509Certificate ca;
                String token;
                try (FleetClient api = FleetClient.connect(ApiEndpoint.of("127.0.0.1:" + controller.apiAddress().getPort(),
                        controller.apiCaFile().orElseThrow(), controller.adminTokenFile().orElseThrow()))) {
                    ca = IdentityPem.certificates(api.hostIdentity().getHostCa(GetHostCaRequest.getDefaultInstance())
                            .getCertificatePem()).get(0);
                    token = api.hostIdentity().createJoinToken(CreateJoinTokenRequest.newBuilder().setHost("h1").build()).getToken();
                }
                UnaryOperator<NettyChannelBuilder> inNamespace = b -> b.eventLoopGroup(group).channelFactory(() -> {
                    try {
                        return runner.call(ns, NioSocketChannel::new); // the client socket lives in the namespace too
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                KeyPair key = HostCsr.generateKey();
                ManagedChannel joining = TestHosts.channel("127.0.0.1:" + agentPort, ca, null, null, inNamespace);
                X509Certificate certificate = TestHosts.join(joining, key, "h1", token);
                joining.shutdownNow();
                ManagedChannel channel = TestHosts.channel("127.0.0.1:" + agentPort, ca, key.getPrivate(), certificate, inNamespace);
                try {
                    LinkedBlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
                    StreamObserver<AgentMessage> out = AgentControlGrpc.newStub(channel).connect(new StreamObserver<>() {
                        @Override public void onNext(ControllerMessage value) { received.add(value); }
                        @Override public void onError(Throwable t) {}
                        @Override public void onCompleted() {}
                    });
                    out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                            .setPublicKey(Base64.getEncoder().encodeToString(new byte[32])).setEndpoint("[fd01::1]:51820")).build());
                    ControllerMessage welcome = received.poll(30, TimeUnit.SECONDS);
                    assertThat(welcome).as("welcome through the namespaced listener").isNotNull();
                    assertThat(welcome.getWelcome().getHostNumber()).isEqualTo(1);
                    out.onCompleted();
                } finally {
                    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
            run("ip", "netns", "del", ns);
            try (var paths = Files.walk(dataDir)) { // the controller's admin token and API CA files
                for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
