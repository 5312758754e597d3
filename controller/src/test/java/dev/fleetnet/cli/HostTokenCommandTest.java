package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.CreateJoinTokenRequest;
import dev.fleetnet.proto.v1.CreateJoinTokenResponse;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.HostIdentityServiceGrpc;
import dev.fleetnet.proto.v1.JoinTokenInfo;
import dev.fleetnet.proto.v1.ListJoinTokensRequest;
import dev.fleetnet.proto.v1.ListJoinTokensResponse;
import dev.fleetnet.proto.v1.RevokeHostRequest;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code host token create|list}, {@code host revoke}: the token on stdout once and alone, never in a listing. */
class HostTokenCommandTest {
    private static final String TOKEN = "fnj.0123abcd." + "S".repeat(43);
    private final List<CreateJoinTokenRequest> created = new CopyOnWriteArrayList<>();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        JoinTokenInfo info = JoinTokenInfo.newBuilder().setId("0123abcd").setHost("h2").setUses(3).setUsed(1)
                .setExpiresEpochSeconds(4_000_000_000L).build();
        server = TestTls.serverBuilder()
                .addService(new HostIdentityServiceGrpc.HostIdentityServiceImplBase() {
                    @Override
                    public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> out) {
                        created.add(request);
                        out.onNext(CreateJoinTokenResponse.newBuilder().setToken(TOKEN).setInfo(info).build());
                        out.onCompleted();
                    }

                    @Override
                    public void listJoinTokens(ListJoinTokensRequest request, StreamObserver<ListJoinTokensResponse> out) {
                        out.onNext(ListJoinTokensResponse.newBuilder().addTokens(info).build());
                        out.onCompleted();
                    }

                    @Override
                    public void revokeHost(RevokeHostRequest request, StreamObserver<HostIdentity> out) {
                        out.onNext(HostIdentity.newBuilder().setHost(request.getName()).setKeySha256("ab".repeat(32))
                                .setCertificateSerial("1f").setRevokedEpochSeconds(1_800_000_000L).build());
                        out.onCompleted();
                    }
                }).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.length + 2];
        full[0] = "--controller";
        full[1] = "127.0.0.1:" + server.getPort();
        System.arraycopy(args, 0, full, 2, args.length);
        int code = FleetnetCli.run(full, new PrintWriter(out, true), new PrintWriter(err, true), TestTls.env());
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void createPrintsTheTokenAloneOnStdoutAndSaysWhereItMayGo() {
        Run run = run("host", "token", "create", "--host", "h2", "--ttl", "2d", "--uses", "3");
        assertThat(run.code()).isZero();
        assertThat(run.out()).isEqualTo(TOKEN + "\n");
        assertThat(run.err()).startsWith("join token 0123abcd: host h2, 3 use(s), expires ").contains("not shown again")
                .contains("never on its command line");
        assertThat(created).singleElement().isEqualTo(CreateJoinTokenRequest.newBuilder().setHost("h2").setTtlSeconds(172_800)
                .setUses(3).build());
    }

    @Test
    void badTtlOrUsesAreRefusedBeforeAnyCall() {
        Run zero = run("host", "token", "create", "--ttl", "0s");
        assertThat(zero.code()).isEqualTo(1);
        assertThat(zero.err()).isEqualTo("error: --ttl: '0s' (expected: more than 0, e.g. 1h)\n");
        assertThat(run("host", "token", "create", "--uses", "0").err()).isEqualTo("error: --uses: 0 (expected: 1..1000)\n");
        assertThat(created).isEmpty();
    }

    @Test
    void aListingShowsUseAndExpiryButNoSecret() {
        Run run = run("host", "token", "list");
        assertThat(run.out()).contains("0123abcd").contains("h2").contains("1/3").contains("usable").doesNotContain("SSSS");
        assertThat(run("--json", "host", "token", "list").out()).contains("\"id\": \"0123abcd\"").doesNotContain("SSSS");
    }

    @Test
    void anIdentityIsOneLineForPeople() {
        assertThat(HostCommand.identity(HostIdentity.newBuilder().setHost("h1").setKeySha256("cd".repeat(32)).setCertificateSerial("2a")
                .setNotAfterEpochSeconds(1_800_000_000L).setTokenId("0123abcd").setRevokedEpochSeconds(1_700_000_000L).build()))
                .isEqualTo("identity: key SHA256:cdcdcdcdcdcdcdcd, certificate serial 2a valid until 2027-01-15T08:00:00Z, joined"
                        + " with token 0123abcd, REVOKED at 2023-11-14T22:13:20Z");
    }

    @Test
    void revokeSaysWhatIsRefusedFromNowOn() {
        Run run = run("host", "revoke", "h3");
        assertThat(run.code()).isZero();
        assertThat(run.out()).isEqualTo("host h3 revoked at 2027-01-15T08:00:00Z: certificate serial 1f (key SHA256:abababababababab)"
                + " refused from now on\n");
    }
}
