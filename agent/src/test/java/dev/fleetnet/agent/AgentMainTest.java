package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Startup errors found before anything starts: one line naming the flag, exit 2. */
class AgentMainTest {

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of(new String[] {"--endpoint", "[fd01::2]:51820"}, "--host-name"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "fd01::2:51820", "--join-token", "t"}, "--endpoint: 'fd01::2:51820'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820"}, "join token: missing"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--listen-port", "70000"}, "--listen-port: 70000"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--resync-interval", "soon"}, "duration: 'soon'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token-file",
                        "/nonexistent/token"}, "--join-token-file: '/nonexistent/token'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--mesh-interface", "a-very-long-interface-name"}, "mesh interface: 'a-very-long-interface-name'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--ingress-tls-listen", "443"}, "--ingress-tls-listen: '443'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--admin-listen", "9180"}, "--admin-listen: '9180'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--stats-interval", "0s"}, "--stats-interval: PT0S (expected: more than 0)"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--ssh-listen", "22"}, "--ssh-listen: '22'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", "t",
                        "--state-dir", "/proc/fleetnet-test/agent"}, "state directory /proc/fleetnet-test/agent: cannot read or create private.key"));
    }

    @ParameterizedTest
    @MethodSource("badFlags")
    void refusesWithOneLineAndExitCode2(String[] args, String expected) {
        CommandLine cli = AgentMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).isEqualTo(2);
        assertThat(err.toString()).startsWith("fleetnet-agent: ").contains(expected).hasLineCount(1);
    }
}
