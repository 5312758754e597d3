package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.FleetMachine;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.MachineSpec;
import dev.fleetnet.proto.v1.Peer;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.SshTrust;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DataPlanePassTest {
    private static final HostView BEFORE = HostView.newBuilder().setRevision(10).setHostName("h1").setHostNumber(1)
            .addPeers(Peer.newBuilder().setHostName("h2").setHostNumber(2).setEndpoint("[fd00::2]:51820"))
            .addMachines(MachineSpec.newBuilder().setName("web").setAddress("fdaa::1").setRunning(true))
            .build();

    /** Every field of a view, whether changing it alone needs a data-plane pass, and such a change. */
    static Stream<Arguments> changes() {
        return Stream.of(
                change("revision", false, v -> v.setRevision(11)),
                change("host_name", true, v -> v.setHostName("h9")),
                change("host_number", true, v -> v.setHostNumber(9)),
                change("peers", true, v -> v.addPeers(Peer.newBuilder().setHostName("h3").setHostNumber(3))),
                change("machines", true, v -> v.addMachines(MachineSpec.newBuilder().setName("db").setAddress("fdaa::2"))),
                change("directory", false, v -> v.addDirectory(FleetMachine.newBuilder().setName("db").setHost("h2"))),
                change("routes", false, v -> v.addRoutes(Route.newBuilder().setHostname("r1.test").setMachine("web").setPort(8080))),
                // a route's certificate arrives, and goes, in views of its own: no kernel work for either
                change("certificates", false, v -> v.addCertificates(Certificate.newBuilder().setHostname("r1.test")
                        .setSource(CertificateSource.CERTIFICATE_SOURCE_FLEET))),
                change("acme_challenges", false, v -> v.addAcmeChallenges(AcmeChallenge.newBuilder().setToken("t").setHostname("r1.test"))),
                change("ssh", false, v -> v.setSsh(SshTrust.newBuilder().setCaPublicKey("ssh-ed25519 AAAA"))));
    }

    private static Arguments change(String field, boolean needsPass, UnaryOperator<HostView.Builder> change) {
        return Arguments.of(field, needsPass, change.apply(BEFORE.toBuilder()).build());
    }

    @ParameterizedTest(name = "{0}: pass {1}")
    @MethodSource("changes")
    void aViewChangingOneFieldNeedsAPassOnlyIfThePassReadsIt(String field, boolean needsPass, HostView after) {
        assertThat(DataPlanePass.sameInputs(BEFORE, after)).isEqualTo(!needsPass);
        assertThat(DataPlanePass.sameInputs(after, BEFORE)).isEqualTo(!needsPass);
    }

    @Test
    void everyFieldOfAViewIsDecidedAbove() {
        Map<String, Boolean> decided = changes().collect(Collectors.toMap(a -> (String) a.get()[0], a -> (Boolean) a.get()[1]));
        assertThat(HostView.getDescriptor().getFields().stream().map(FieldDescriptor::getName))
                .as("a new view field: decide above whether data-plane passes read it")
                .containsExactlyInAnyOrderElementsOf(decided.keySet());
        assertThat(DataPlanePass.NOT_READ.stream().map(n -> HostView.getDescriptor().findFieldByNumber(n).getName()))
                .containsExactlyInAnyOrderElementsOf(decided.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList());
    }
}
