package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MeshPlanTest {
    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);

    private static MeshConfig.Peer peer(String endpoint, String... allowed) {
        return new MeshConfig.Peer(endpoint, new TreeSet<>(List.of(allowed)));
    }

    private static MeshConfig config(Map<String, MeshConfig.Peer> peers) {
        return new MeshConfig("11".repeat(32), 51820, peers);
    }

    @Test
    void identicalConfigsNeedNothing() {
        MeshConfig c = config(Map.of(A, peer("[fd01::2]:51820", "fdaa::1:0:0:0/80")));
        assertThat(MeshPlan.between(c, c)).isEmpty();
    }

    @Test
    void aFreshDeviceGetsKeyPortAndEveryPeer() {
        MeshConfig desired = config(Map.of(A, peer("[fd01::2]:51820", "fdaa::1:0:0:0/80", "fdaa:0:1:0:1::/80")));
        assertThat(MeshPlan.between(MeshConfig.EMPTY, desired)).containsExactly(
                "private_key=" + "11".repeat(32), "listen_port=51820",
                "public_key=" + A, "endpoint=[fd01::2]:51820", "replace_allowed_ips=true",
                "allowed_ip=fdaa:0:1:0:1::/80", "allowed_ip=fdaa::1:0:0:0/80");
    }

    @Test
    void anEndpointChangeTouchesOnlyThatEndpoint() {
        MeshConfig before = config(Map.of(A, peer("[fd01::2]:51820", "x/80"), B, peer("[fd01::3]:51820", "y/80")));
        MeshConfig after = config(Map.of(A, peer("[fd01::9]:51820", "x/80"), B, peer("[fd01::3]:51820", "y/80")));
        assertThat(MeshPlan.between(before, after)).containsExactly("public_key=" + A, "update_only=true", "endpoint=[fd01::9]:51820");
    }

    @Test
    void allowedIpsChangeReplacesOnlyThatList() {
        MeshConfig before = config(Map.of(A, peer("[fd01::2]:51820", "x/80")));
        MeshConfig after = config(Map.of(A, peer("[fd01::2]:51820", "x/80", "z/80")));
        assertThat(MeshPlan.between(before, after)).containsExactly("public_key=" + A, "update_only=true",
                "replace_allowed_ips=true", "allowed_ip=x/80", "allowed_ip=z/80");
    }

    @Test
    void aRemovedHostsPeerIsRemovedAndNobodyElseIsTouched() {
        MeshConfig before = config(Map.of(A, peer("[fd01::2]:51820", "x/80"), B, peer("[fd01::3]:51820", "y/80")));
        MeshConfig after = config(Map.of(A, peer("[fd01::2]:51820", "x/80")));
        assertThat(MeshPlan.between(before, after)).containsExactly("public_key=" + B, "remove=true");
    }
}
