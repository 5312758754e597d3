package dev.fleetnet.controller.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.CreateMachineRequest;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.SshMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MachineApiTest {

    @Test
    void defaultsNetworkBackendAndDesiredState() {
        Machine m = MachineApi.validate(CreateMachineRequest.newBuilder().setName("web").setHost("h1").addPorts(8080).addPorts(80).addPorts(8080).build());
        assertThat(m.getNetwork()).isEqualTo("default");
        assertThat(m.getBackend()).isEqualTo(Backend.BACKEND_NETNS);
        assertThat(m.getDesiredState()).isEqualTo(MachineState.MACHINE_STATE_RUNNING);
        assertThat(m.getPortsList()).containsExactly(80, 8080);
        assertThat(m.getSsh()).isEqualTo(SshMode.SSH_MODE_DEFAULT);
    }

    @Test
    void tapMachinesAreReachedThroughTheirOwnSshdAndAnyMachineMayAskForIt() {
        CreateMachineRequest tap = CreateMachineRequest.newBuilder().setName("vm").setHost("h1").setBackend(Backend.BACKEND_TAP).build();
        assertThat(MachineApi.validate(tap).getSsh()).isEqualTo(SshMode.SSH_MODE_RELAY);
        CreateMachineRequest relayed = CreateMachineRequest.newBuilder().setName("web").setHost("h1").setSsh(SshMode.SSH_MODE_RELAY).build();
        assertThat(MachineApi.validate(relayed).getSsh()).isEqualTo(SshMode.SSH_MODE_RELAY);
        CreateMachineRequest unknown = CreateMachineRequest.newBuilder().setName("web").setHost("h1").setSshValue(7).build();
        assertThatThrownBy(() -> MachineApi.validate(unknown)).hasMessage("ssh: 7 (expected: SSH_MODE_DEFAULT or SSH_MODE_RELAY)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Web_1 | h1 | 80    | machine name: 'Web_1' (expected:",
        "web   | H! | 80    | host: 'H!' (expected:",
        "web   | h1 | 0     | ports[0]: 0 (expected: 1..65535)",
        "web   | h1 | 70000 | ports[0]: 70000 (expected: 1..65535)",
        "''    | h1 | 80    | machine name: empty",
    })
    void badFieldsAreNamedWithTheirValue(String name, String host, long port, String message) {
        CreateMachineRequest request = CreateMachineRequest.newBuilder().setName(name).setHost(host).addPorts((int) port).build();
        assertThatThrownBy(() -> MachineApi.validate(request)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
