package dev.fleetnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.agent.identity.TestIdentity;
import dev.fleetnet.identity.JoinTokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Startup errors found before anything starts: one line naming the flag, exit 2. */
class AgentMainTest {
    private static final Path DIR;
    private static final String CA;
    private static final String TOKEN;
    private static final String BAD_TOKEN;
    private static final String SECRET = JoinTokens.generate().text();

    static {
        try {
            DIR = Files.createTempDirectory("fleetnet-agent-main-");
            CA = new TestIdentity().caFile(DIR).toString();
            TOKEN = Files.writeString(DIR.resolve("token"), SECRET + "\n").toString();
            BAD_TOKEN = Files.writeString(DIR.resolve("bad-token"), "let-me-in\n").toString();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** h1's flags that pass, then {@code more}. */
    private static String[] flags(String... more) {
        List<String> args = new ArrayList<>(List.of("--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", CA,
                "--join-token-file", TOKEN));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of(new String[] {"--endpoint", "[fd01::2]:51820"}, "--host-name"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "fd01::2:51820"}, "--endpoint: 'fd01::2:51820'"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--join-token", SECRET},
                        "--join-token: a secret on the command line is shown by `ps` to every user (expected: --join-token-file FILE,"
                                + " --join-token-file - for standard input, or $FLEETNET_JOIN_TOKEN)"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", "/nonexistent/ca.pem"},
                        "--ca-file: '/nonexistent/ca.pem' cannot be read (NoSuchFileException) (expected: the fleet host CA"
                                + " certificate in PEM, as `fleetnet host ca` prints it)"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", TOKEN},
                        "--ca-file: '" + TOKEN + "': certificate: "),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", CA,
                        "--join-token-file", "/nonexistent/token"}, "--join-token-file: '/nonexistent/token' cannot be read"
                        + " (NoSuchFileException) (expected: a readable file holding the join token, or - for standard input)"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", CA,
                        "--join-token-file", BAD_TOKEN}, "--join-token-file '" + BAD_TOKEN + "': join token: malformed (9 characters;"
                        + " expected: fnj.ID.SECRET as `fleetnet host token create` prints it, 56 characters)"),
                Arguments.of(new String[] {"--host-name", "h1", "--endpoint", "[fd01::2]:51820", "--ca-file", CA,
                        "--state-dir", DIR.resolve("no-token").toString()}, "join token: none, and no host certificate in "
                        + DIR.resolve("no-token") + " (expected: --join-token-file FILE, --join-token-file - for standard input,"
                        + " or $FLEETNET_JOIN_TOKEN, for this host's first join; `fleetnet host token create --host h1` makes one)"),
                Arguments.of(flags("--listen-port", "70000"), "--listen-port: 70000"),
                Arguments.of(flags("--resync-interval", "soon"), "duration: 'soon'"),
                Arguments.of(flags("--mesh-interface", "a-very-long-interface-name"), "mesh interface: 'a-very-long-interface-name'"),
                Arguments.of(flags("--ingress-tls-listen", "443"), "--ingress-tls-listen: '443'"),
                Arguments.of(flags("--admin-listen", "9180"), "--admin-listen: '9180'"),
                Arguments.of(flags("--stats-interval", "0s"), "--stats-interval: PT0S (expected: more than 0)"),
                Arguments.of(flags("--ssh-listen", "22"), "--ssh-listen: '22'"),
                Arguments.of(flags("--state-dir", "/proc/fleetnet-test/agent"),
                        "state directory /proc/fleetnet-test/agent: cannot read or create private.key"));
    }

    @AfterAll
    static void removeFiles() throws Exception {
        try (var paths = Files.walk(DIR)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("badFlags")
    void refusesWithOneLineAndExitCode2(String[] args, String expected) {
        CommandLine cli = AgentMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).isEqualTo(2);
        assertThat(err.toString()).startsWith("fleetnet-agent: ").contains(expected).hasLineCount(1);
        assertThat(err.toString()).as("a refusal never repeats the token").doesNotContain(SECRET.substring(13));
    }
}
