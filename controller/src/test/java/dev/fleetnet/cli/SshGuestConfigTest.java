package dev.fleetnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshGuestConfigTest {
    private static final String CA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx fleetnet-ssh-ca";

    @Test
    void theScriptWritesTheCaRootsPrincipalAndTheSshdSnippet(@TempDir Path dir) throws Exception {
        Process bash = new ProcessBuilder("bash", "-c", SshGuestConfig.script(CA, dir.toString())).redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes());
        assertThat(bash.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(output).isZero();
        assertThat(Files.readString(dir.resolve("fleetnet-user-ca.pub"))).isEqualTo(CA + "\n");
        assertThat(Files.readString(dir.resolve("fleetnet-principals/root"))).isEqualTo("fleetnet:relay\n");
        assertThat(Files.readString(dir.resolve("sshd_config.d/fleetnet.conf"))).isEqualTo("TrustedUserCAKeys " + dir
                + "/fleetnet-user-ca.pub\nAuthorizedPrincipalsFile " + dir + "/fleetnet-principals/%u\n");
        assertThat(dir.resolve("fleetnet-principals")).isDirectoryContaining(p -> p.getFileName().toString().equals("root"));
        try (var files = Files.list(dir.resolve("fleetnet-principals"))) {
            assertThat(files.count()).as("root alone may log in with a relay certificate").isEqualTo(1);
        }
    }

    @Test
    void refusesARelativeOrQuotedDirectoryAndAMissingCa() {
        assertThatThrownBy(() -> SshGuestConfig.script(CA, "etc/ssh")).hasMessageContaining("--dir: 'etc/ssh'");
        assertThatThrownBy(() -> SshGuestConfig.script(CA, "/tmp/x'; rm -rf /")).hasMessageContaining("without quotes");
        assertThatThrownBy(() -> SshGuestConfig.script(" ", "/etc/ssh")).hasMessageContaining("no SSH CA yet");
    }
}
