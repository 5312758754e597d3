package dev.fleetnet.agent.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Actual and desired device configs against the exact UAPI lines that must be sent. */
class MeshPlanTest {
    private static final String KEY = "11".repeat(32);
    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);
    private static final String C = "cc".repeat(32);

    private static MeshConfig.Peer peer(String endpoint, String... allowed) {
        return new MeshConfig.Peer(endpoint, new TreeSet<>(List.of(allowed)));
    }

    private static MeshConfig config(Map<String, MeshConfig.Peer> peers) {
        return new MeshConfig(KEY, 51820, peers);
    }

    static Stream<Arguments> cases() {
        MeshConfig two = config(Map.of(A, peer("[fd01::2]:51820", "fdaa::2:0:0:0/80"), B, peer("[fd01::3]:51820", "fdaa::3:0:0:0/80")));
        return Stream.of(
                Arguments.of("identical configs: no changes", two, two, List.of()),
                Arguments.of("the same config spelled differently: no changes", two,
                        config(Map.of(A, peer("[FD01:0::2]:51820", "fdaa:0:0:0:2::/80"), B, peer("[fd01::3]:51820", "fdaa:0000::3:0:0:0/80"))),
                        List.of()),
                Arguments.of("a fresh device gets key, port and every peer in full", MeshConfig.EMPTY,
                        config(Map.of(A, peer("[fd01::2]:51820", "fdaa::2:0:0:0/80", "fdaa:0:1:0:2::/80"))),
                        List.of("private_key=" + KEY, "listen_port=51820", "public_key=" + A, "endpoint=[fd01::2]:51820",
                                "replace_allowed_ips=true", "allowed_ip=fdaa:0:1:0:2::/80", "allowed_ip=fdaa::2:0:0:0/80")),
                Arguments.of("a new peer without an endpoint yet", two,
                        config(Map.of(A, two.peers().get(A), B, two.peers().get(B), C, peer("", "fdaa::4:0:0:0/80"))),
                        List.of("public_key=" + C, "replace_allowed_ips=true", "allowed_ip=fdaa::4:0:0:0/80")),
                Arguments.of("a removed peer is removed and nobody else is touched", two,
                        config(Map.of(A, two.peers().get(A))),
                        List.of("public_key=" + B, "remove=true")),
                Arguments.of("an endpoint change sends only that endpoint", two,
                        config(Map.of(A, peer("[fd01::9]:51820", "fdaa::2:0:0:0/80"), B, two.peers().get(B))),
                        List.of("public_key=" + A, "update_only=true", "endpoint=[fd01::9]:51820")),
                Arguments.of("an allowed-IPs change replaces only that list", two,
                        config(Map.of(A, peer("[fd01::2]:51820", "fdaa::2:0:0:0/80", "fdaa:0:1:0:2::/80"), B, two.peers().get(B))),
                        List.of("public_key=" + A, "update_only=true", "replace_allowed_ips=true",
                                "allowed_ip=fdaa:0:1:0:2::/80", "allowed_ip=fdaa::2:0:0:0/80")),
                Arguments.of("endpoint and allowed IPs change together", two,
                        config(Map.of(A, peer("[fd01::9]:51820"), B, two.peers().get(B))),
                        List.of("public_key=" + A, "update_only=true", "endpoint=[fd01::9]:51820", "replace_allowed_ips=true")),
                Arguments.of("a peer the device learned an endpoint for keeps it when the view has none", two,
                        config(Map.of(A, peer("", "fdaa::2:0:0:0/80"), B, two.peers().get(B))),
                        List.of()),
                Arguments.of("a new listen port alone", two, new MeshConfig(KEY, 51821, two.peers()),
                        List.of("listen_port=51821")),
                Arguments.of("a new private key alone", two, new MeshConfig("22".repeat(32), 51820, two.peers()),
                        List.of("private_key=" + "22".repeat(32))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void plansTheSmallestChange(String name, MeshConfig actual, MeshConfig desired, List<String> expected) {
        assertThat(MeshPlan.between(actual, desired)).containsExactlyElementsOf(expected);
    }
}
