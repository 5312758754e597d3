package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NamespaceExecTest {
    @Test
    void wrapsTheProgramInIpNetnsExec() {
        assertThat(NamespaceExec.command("m-web", List.of("curl", "-s", "http://[fdaa::1]/")))
                .containsExactly("ip", "netns", "exec", "m-web", "curl", "-s", "http://[fdaa::1]/");
    }

    @Test
    void refusesAnEmptyProgramOrABadNamespace() {
        assertThatThrownBy(() -> NamespaceExec.command("m", List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("command: empty");
        assertThatThrownBy(() -> NamespaceExec.command("../m", List.of("sh"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'../m'");
    }
}
