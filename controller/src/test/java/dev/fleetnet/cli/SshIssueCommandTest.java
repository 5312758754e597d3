package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.IssueUserCertificateRequest;
import dev.fleetnet.proto.v1.IssueUserCertificateResponse;
import dev.fleetnet.proto.v1.SshServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssh issue} writes its key owner-only and its public files readable, each whole, in a directory it may create. */
class SshIssueCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheThreeFilesDurablyWithTheirPermissions() throws Exception {
        Server server = TestTls.serverBuilder()
                .addService(new SshServiceGrpc.SshServiceImplBase() {
                    @Override
                    public void issueUserCertificate(IssueUserCertificateRequest request, StreamObserver<IssueUserCertificateResponse> out) {
                        out.onNext(IssueUserCertificateResponse.newBuilder().setCertificate("ssh-ed25519-cert-v01@openssh.com AAAA")
                                .setKeyId("user-1").setValidBeforeEpochSeconds(1_800_000_000L).build());
                        out.onCompleted();
                    }
                }).build().start();
        try {
            Path out = dir.resolve("new/keys");
            int code = FleetnetCli.run(new String[] {"--controller", "127.0.0.1:" + server.getPort(), "ssh", "issue", "--machine",
                "web", "--out", out.toString()}, new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), TestTls.env());
            assertThat(code).isZero();
            assertThat(Files.readString(out.resolve("id_ed25519"))).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("id_ed25519")))).isEqualTo("rw-------");
            assertThat(Files.readString(out.resolve("id_ed25519.pub"))).startsWith("ssh-ed25519 ").endsWith(" fleetnet-web\n");
            assertThat(out.resolve("id_ed25519-cert.pub")).hasContent("ssh-ed25519-cert-v01@openssh.com AAAA fleetnet-web");
            try (var files = Files.list(out)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted())
                        .containsExactly("id_ed25519", "id_ed25519-cert.pub", "id_ed25519.pub");
            }
        } finally {
            server.shutdownNow();
        }
    }
}
