package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.netns.memory.InMemoryLinuxNetworking;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator CLI's argument handling and output, against the in-memory model. */
class NetnsHelperMainTest {
    private final InMemoryLinuxNetworking net = new InMemoryLinuxNetworking();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return NetnsHelperMain.run(net, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void namespacesAreAddedListedAndDeleted() {
        assertThat(run("ns", "add", "m1")).isZero();
        assertThat(run("ns", "add", "m1")).isZero();
        assertThat(run("ns", "add", "m2")).isZero();
        assertThat(run("ns", "list")).isZero();
        assertThat(out.toString()).isEqualTo("m1\nm2\n");
        assertThat(run("ns", "del", "m1")).isZero();
        assertThat(net.namespaces()).containsExactly("m2");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void linksAddressesRoutesAndPidsArePrinted() {
        net.createNamespace("m");
        net.addBridge("m", "br0");
        net.addVeth("v1", "eth0", "m");
        net.setMaster("m", "eth0", "br0");
        net.setUp("m", "eth0");
        net.addAddress("m", "eth0", "fdaa::1/128");
        net.replaceRoute("m", Route.via("default", "fe80::1", "eth0"));
        net.startProcess("m", 42);
        assertThat(run("link", "list", "--netns", "m")).isZero();
        assertThat(out.toString()).isEqualTo("lo               -        down\nbr0              bridge   down\n"
                + "eth0             veth     up   master br0\n");
        out.getBuffer().setLength(0);
        assertThat(run("addr", "list", "--netns", "m", "eth0")).isZero();
        assertThat(run("route", "list", "--netns", "m")).isZero();
        assertThat(run("pids", "m")).isZero();
        assertThat(out.toString()).isEqualTo("fdaa::1/128\ndefault via fe80::1 dev eth0\n42\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ns add                 | 2 | Missing required parameter: 'NAME'",
        "ns                     | 2 | missing subcommand (expected: list, add NAME or del NAME)",
        "''                     | 2 | missing subcommand (expected: ns, link, addr, route or pids)",
        "ns rename a b          | 2 | Unmatched arguments",
        "link list --netns      | 2 | Missing required parameter for option '--netns'",
        "addr list --netns m    | 2 | Missing required parameter: 'LINK'",
        "route list --netns gone | 1 | namespace 'gone' does not exist",
        "ns add a/b             | 1 | namespace: 'a/b' (expected: 1..255 characters",
    })
    void errorsAreOneLineWithANonZeroExit(String line, int exit, String message) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        assertThat(run(args)).isEqualTo(exit);
        assertThat(err.toString()).startsWith("error: ").contains(message).endsWith("\n");
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(out.toString()).isEmpty();
    }
}
