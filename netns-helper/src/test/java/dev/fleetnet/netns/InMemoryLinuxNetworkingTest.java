package dev.fleetnet.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.netns.memory.InMemoryLinuxNetworking;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract against the in-memory model, and its transcript. */
class InMemoryLinuxNetworkingTest extends AbstractLinuxNetworkingContract {
    private InMemoryLinuxNetworking memory;
    private int nextPid = 1000;

    @BeforeEach
    void create() {
        memory = new InMemoryLinuxNetworking();
        net = memory;
    }

    @Override
    protected String sysctl(String namespace, String key) {
        return memory.sysctls(namespace).get(key);
    }

    @Override
    protected void startProcessIn(String namespace) {
        memory.startProcess(namespace, nextPid++);
    }

    @Test
    void transcriptRecordsOnlyCallsThatChangedSomething() {
        memory.createNamespace("m");
        memory.createNamespace("m");
        memory.addVeth("v", "eth0", "m");
        memory.addVeth("v", "eth0", "m");
        memory.setUp("m", "eth0");
        memory.addAddress("m", "eth0", "fdaa:0:0:0::1/128");
        memory.addAddress("m", "eth0", "fdaa::1/128");
        memory.replaceRoute("m", Route.via("default", "fe80::1", "eth0"));
        memory.replaceRoute("m", Route.via("default", "fe80::1", "eth0"));
        assertThat(memory.transcript()).containsExactly("createNamespace m", "addVeth v eth0 m", "setUp m eth0",
                "addAddress m eth0 fdaa::1/128", "replaceRoute m default eth0 fe80::1");
        memory.clearTranscript();
        memory.deleteNamespace("gone");
        memory.removeAddress("m", "eth0", "fdaa::2/128");
        memory.deleteRoute("m", Route.onLink("fdaa::/16", "eth0"));
        assertThat(memory.transcript()).isEmpty();
    }

    @Test
    void deletingOneVethLeavesSameNamedPeersInOtherNamespacesAlone() {
        memory.createNamespace("a");
        memory.createNamespace("b");
        memory.addVeth("va", "eth0", "a");
        memory.addVeth("vb", "eth0", "b");
        memory.deleteLink(null, "va");
        assertThat(memory.links("a")).extracting(LinuxNetworking.Link::name).containsExactly("lo");
        assertThat(memory.links("b")).extracting(LinuxNetworking.Link::name).containsExactly("lo", "eth0");
        memory.deleteLink("b", "eth0");
        assertThat(memory.links(null)).extracting(LinuxNetworking.Link::name).containsExactly("lo");
    }
}
