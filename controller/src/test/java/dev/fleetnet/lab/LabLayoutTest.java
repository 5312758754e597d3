package dev.fleetnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabLayoutTest {

    @Test
    void everyNameCarriesThePrefixAndFitsALinkName() {
        LabLayout layout = new LabLayout("abcdefgh", 200);
        assertThat(layout.hostNamespace(200)).isEqualTo("abcdefgh-h200");
        assertThat(layout.meshInterface(200)).isEqualTo("abcdefghwg200").hasSizeLessThanOrEqualTo(15);
        assertThat((layout.namePrefix() + layout.bridgePort(200))).hasSizeLessThanOrEqualTo(15);
        assertThat(layout.machineNetnsPrefix(7)).isEqualTo("abcdefgh-h7-");
        assertThat(layout.owns("abcdefgh-h7-web")).isTrue();
        assertThat(layout.owns("abcdefghx-h1")).as("another lab whose prefix starts the same").isFalse();
    }

    @Test
    void hostsGetDistinctUnderlayAddressesOnOneSlash64() {
        LabLayout layout = new LabLayout("fl", 3);
        assertThat(layout.hostUnderlayAddress(1)).isEqualTo("fd01::1:1");
        assertThat(layout.hostUnderlayAddress(10)).isEqualTo("fd01::1:a");
        assertThat(layout.hostEndpoint(2)).isEqualTo("[fd01::1:2]:51820");
        assertThat(layout.controllerUnderlayAddress()).isEqualTo("fd01::1");
    }

    @Test
    void badPrefixOrHostCountIsRejectedWithTheValue() {
        assertThatThrownBy(() -> new LabLayout("Fl-1", 3)).hasMessageStartingWith("lab prefix: 'Fl-1' (expected:");
        assertThatThrownBy(() -> new LabLayout("toolongprefix", 3)).hasMessageContaining("'toolongprefix'");
        assertThatThrownBy(() -> new LabLayout("fl", 0)).hasMessage("hosts: 0 (expected: 1..200)");
    }

    @Test
    void stateRoundTripsThroughItsFile(@TempDir Path dir) throws Exception {
        LabState state = new LabState("fl", 3, "127.0.0.1:7400", "http://127.0.0.1:2379", Map.of("etcd", 42L), "127.0.0.1:7402")
                .withPid("controller", 43L);
        state.save(dir);
        assertThat(LabState.load(dir)).isEqualTo(state);
        assertThat(LabState.load(dir.resolve("missing"))).isNull();
        assertThat(Files.list(dir)).extracting(p -> p.getFileName().toString()).containsExactly("lab.properties");
    }
}
