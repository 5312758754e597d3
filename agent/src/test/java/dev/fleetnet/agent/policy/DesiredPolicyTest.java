package dev.fleetnet.agent.policy;

import static dev.fleetnet.agent.policy.Fixtures.A;
import static dev.fleetnet.agent.policy.Fixtures.B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a desired policy accepts, how it spells addresses, and what its errors say. */
class DesiredPolicyTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("not a machine link", (Supplier<Object>) () -> GuestLink.of("eth0", A.address(), 1),
                        "link: 'eth0' (expected: fm + 12 hex digits, e.g. fm0123456789ab)"),
                Arguments.of("network 0", (Supplier<Object>) () -> GuestLink.of(A.link(), "fdaa::1:0:5:0", 0),
                        "network: 0 of fm00000000000a (expected: 1..4294967295; network 0 is the infrastructure)"),
                Arguments.of("not an address", (Supplier<Object>) () -> GuestLink.of(A.link(), "fdaa::zz", 1),
                        "address: 'fdaa::zz' of fm00000000000a (expected: an IPv6 literal such as fdaa:0:1:0:1:0:1:0)"),
                Arguments.of("address in another network", (Supplier<Object>) () -> GuestLink.of(A.link(), "fdaa:0:2:0:1:0:1:0", 1),
                        "address: fdaa:0:2:0:1:0:1:0 of fm00000000000a (expected: inside network 1, fdaa:0:1::/48)"),
                Arguments.of("address outside the mesh", (Supplier<Object>) () -> GuestLink.of(A.link(), "fd00::1", 1),
                        "address: fd00::1 of fm00000000000a (expected: inside network 1, fdaa:0:1::/48)"),
                Arguments.of("port 0", (Supplier<Object>) () -> A.withExposedTcpPorts(Set.of(0)),
                        "exposed TCP port of fm00000000000a: 0 (expected: 1..65535)"),
                Arguments.of("port 70000", (Supplier<Object>) () -> A.withExposedTcpPorts(Set.of(70000)),
                        "exposed TCP port of fm00000000000a: 70000 (expected: 1..65535)"),
                Arguments.of("empty mesh name", (Supplier<Object>) () -> new DesiredPolicy("", List.of()),
                        "meshInterface: '' (expected: an interface name of 1..15 characters without spaces, '/', ':', '\"' or '*')"),
                Arguments.of("mesh name too long", (Supplier<Object>) () -> new DesiredPolicy("flwg0123456789ab", List.of()),
                        "meshInterface: 'flwg0123456789ab' (expected: an interface name of 1..15 characters without spaces, '/', ':', '\"' or '*')"),
                Arguments.of("mesh name with a wildcard", (Supplier<Object>) () -> new DesiredPolicy("wg*", List.of()),
                        "meshInterface: 'wg*' (expected: an interface name of 1..15 characters without spaces, '/', ':', '\"' or '*')"),
                Arguments.of("mesh named like a machine link", (Supplier<Object>) () -> new DesiredPolicy("fmesh", List.of()),
                        "meshInterface: 'fmesh' (expected: a name not starting with fm, which machine links use)"),
                Arguments.of("one link twice", (Supplier<Object>) () -> new DesiredPolicy("wg0", List.of(A, GuestLink.of(A.link(), B.address(), 1))),
                        "guests: link fm00000000000a appears twice (expected: one entry per link)"),
                Arguments.of("one address on two links", (Supplier<Object>) () -> new DesiredPolicy("wg0", List.of(A, GuestLink.of(B.link(), A.address(), 1))),
                        "guests: address fdaa:0:1:0:1:0:1:0 is on two links (expected: one link per address)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesWithWhatWasWrongAndWhatWasExpected(String name, Supplier<Object> build, String message) {
        assertThatThrownBy(build::get).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void addressesAreKeptInCanonicalForm() {
        assertThat(GuestLink.of(A.link(), "FDAA:0000:0001:0000:0001:0000:0001:0000", 1).address()).isEqualTo("fdaa:0:1:0:1:0:1:0");
    }

    @Test
    void withReplacesTheGuestOnTheSameLinkAndWithoutRemovesIt() {
        DesiredPolicy policy = Fixtures.policy(A, B);
        GuestLink moved = A.withExposedTcpPorts(Set.of(443));
        assertThat(policy.with(moved).guests()).containsExactly(B, moved);
        assertThat(policy.without(A.link()).guests()).containsExactly(B);
        assertThat(policy.without("fm0000000000ff")).isEqualTo(policy);
    }
}
