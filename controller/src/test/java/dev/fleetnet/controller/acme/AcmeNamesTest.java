package dev.fleetnet.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.controller.acme.AcmeNames.Action;
import dev.fleetnet.controller.acme.AcmeNames.Backoff;
import dev.fleetnet.controller.acme.AcmeNames.Decision;
import dev.fleetnet.controller.acme.AcmeNames.Failures;
import dev.fleetnet.controller.acme.AcmeNames.Plan;
import dev.fleetnet.controller.acme.AcmeNames.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which names get ordered, renewed, waited on or left alone, and which ACME certificates go. */
class AcmeNamesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final AcmeNames NAMES = new AcmeNames("fleet.example", Duration.ofDays(30),
            new Backoff(Duration.ofMinutes(1), Duration.ofHours(6)));

    private static Instant days(long d) {
        return NOW.plus(Duration.ofDays(d));
    }

    private static Failures failed(int count, Instant last) {
        return new Failures(count, last, "http-01 validation failed");
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("no certificate yet: order", Map.of(), Map.of(), new Decision("shop.example.com", Action.ORDER, null)),
                Arguments.of("valid 60 more days: nothing", Map.of("shop.example.com", days(60)), Map.of(),
                        new Decision("shop.example.com", Action.NOTHING, days(60))),
                Arguments.of("valid 10 more days: renew", Map.of("shop.example.com", days(10)), Map.of(),
                        new Decision("shop.example.com", Action.RENEW, days(10))),
                Arguments.of("exactly 30 days left: renew", Map.of("shop.example.com", days(30)), Map.of(),
                        new Decision("shop.example.com", Action.RENEW, days(30))),
                Arguments.of("expired: renew", Map.of("shop.example.com", days(-1)), Map.of(),
                        new Decision("shop.example.com", Action.RENEW, days(-1))),
                Arguments.of("failed 30 s ago once: wait until 1 min after", Map.of(),
                        Map.of("shop.example.com", failed(1, NOW.minusSeconds(30))),
                        new Decision("shop.example.com", Action.WAIT, NOW.plusSeconds(30))),
                Arguments.of("failed once 1 min ago: order again", Map.of(),
                        Map.of("shop.example.com", failed(1, NOW.minusSeconds(60))), new Decision("shop.example.com", Action.ORDER, null)),
                Arguments.of("failed 3 times, 3 min ago: wait (4 min backoff)", Map.of(),
                        Map.of("shop.example.com", failed(3, NOW.minusSeconds(180))),
                        new Decision("shop.example.com", Action.WAIT, NOW.plusSeconds(60))),
                Arguments.of("renewal failed: wait too", Map.of("shop.example.com", days(5)),
                        Map.of("shop.example.com", failed(2, NOW)), new Decision("shop.example.com", Action.WAIT, NOW.plusSeconds(120))),
                Arguments.of("failures but valid for long: nothing", Map.of("shop.example.com", days(60)),
                        Map.of("shop.example.com", failed(2, NOW)), new Decision("shop.example.com", Action.NOTHING, days(60))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, Map<String, Instant> acme, Map<String, Failures> failures, Decision expected) {
        Plan plan = NAMES.plan(new State(Set.of("shop.example.com"), Map.of(), acme), failures, NOW);
        assertThat(plan.decisions()).containsExactly(expected);
        assertThat(plan.deletions()).isEmpty();
    }

    static Stream<Arguments> wanted() {
        return Stream.of(
                Arguments.of("exact name", Set.of("shop.example.com"), Map.of(), List.of("shop.example.com")),
                Arguments.of("upper case from a route", Set.of("Shop.Example.COM"), Map.of(), List.of("shop.example.com")),
                Arguments.of("wildcard: never", Set.of("*.example.com"), Map.of(), List.of()),
                Arguments.of("under the ingress suffix: never", Set.of("web.fleet.example", "fleet.example"), Map.of(), List.of()),
                Arguments.of("suffix as a label only: wanted", Set.of("notfleet.example"), Map.of(), List.of("notfleet.example")),
                Arguments.of("uploaded certificate: never", Set.of("shop.example.com", "api.example.com"),
                        Map.of("shop.example.com", days(60)), List.of("api.example.com")),
                Arguments.of("uploaded one-label wildcard covers: never", Set.of("shop.example.com", "api.other.com"),
                        Map.of("*.example.com", days(60)), List.of("api.other.com")),
                Arguments.of("wildcard upload covers one label only, not the parent nor two labels",
                        Set.of("example.com", "a.b.example.com"), Map.of("*.example.com", days(60)), List.of("a.b.example.com", "example.com")),
                Arguments.of("expired exact upload: wanted", Set.of("shop.example.com"), Map.of("shop.example.com", days(-1)),
                        List.of("shop.example.com")),
                Arguments.of("expired wildcard upload: wanted", Set.of("shop.example.com"), Map.of("*.example.com", days(-1)),
                        List.of("shop.example.com")),
                Arguments.of("no routes: nothing", Set.of(), Map.of("shop.example.com", days(60)), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wanted")
    void wantsExactRouteNamesOnly(String name, Set<String> routes, Map<String, Instant> uploaded, List<String> expected) {
        Plan plan = NAMES.plan(new State(routes, uploaded, Map.of()), Map.of(), NOW);
        assertThat(plan.decisions()).extracting(Decision::hostname).containsExactlyElementsOf(expected);
        assertThat(plan.decisions()).allMatch(d -> d.action() == Action.ORDER);
    }

    @Test
    void aNameIsPlannedOnlyWhileARouteHoldsItAndNoUploadCoversIt() {
        assertThat(NAMES.plan(new State(Set.of("Shop.Example.com"), Map.of(), Map.of()), Map.of(), NOW).decision("shop.example.com"))
                .isEqualTo(new Decision("shop.example.com", Action.ORDER, null));
        assertThat(NAMES.plan(new State(Set.of("other.example.com"), Map.of(), Map.of()), Map.of(), NOW).decision("shop.example.com"))
                .isNull();
        assertThat(NAMES.plan(new State(Set.of("shop.example.com"), Map.of("shop.example.com", days(60)), Map.of()), Map.of(), NOW)
                .decision("shop.example.com")).isNull();
        assertThat(NAMES.plan(new State(Set.of("shop.example.com"), Map.of("*.example.com", days(60)), Map.of()), Map.of(), NOW)
                .decision("shop.example.com")).isNull();
    }

    static Stream<Arguments> forgetting() {
        return Stream.of(
                Arguments.of("route gone, failed 5 h ago: kept (a re-added route must not reset the backoff)",
                        Set.of(), failed(10, NOW.minus(Duration.ofHours(5))), List.of()),
                Arguments.of("route gone, failed 6 h ago (the longest backoff): forgotten",
                        Set.of(), failed(10, NOW.minus(Duration.ofHours(6))), List.of("shop.example.com")),
                Arguments.of("route gone, one failure 2 min ago, its window over: kept until the longest backoff",
                        Set.of(), failed(1, NOW.minusSeconds(120)), List.of()),
                Arguments.of("route held, failed a day ago: kept until an order succeeds",
                        Set.of("shop.example.com"), failed(10, NOW.minus(Duration.ofDays(1))), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgetting")
    void forgetsFailuresOfUnwantedNamesOnlyAfterTheLongestBackoff(String name, Set<String> routes, Failures failures,
            List<String> forgotten) {
        Plan plan = NAMES.plan(new State(routes, Map.of(), Map.of()), Map.of("shop.example.com", failures), NOW);
        assertThat(plan.forgotten()).containsExactlyElementsOf(forgotten);
    }

    @Test
    void aRouteDeletedAndAddedAgainWaitsOutTheStoredBackoff() {
        Map<String, Failures> stored = Map.of("shop.example.com", failed(3, NOW.minusSeconds(60)));
        Plan gone = NAMES.plan(new State(Set.of(), Map.of(), Map.of()), stored, NOW);
        assertThat(gone.decisions()).isEmpty();
        assertThat(gone.forgotten()).isEmpty();
        Plan back = NAMES.plan(new State(Set.of("shop.example.com"), Map.of(), Map.of()), stored, NOW.plusSeconds(1));
        assertThat(back.decision("shop.example.com")).isEqualTo(new Decision("shop.example.com", Action.WAIT, NOW.plusSeconds(180)));
    }

    @Test
    void countsFailuresInARowAndCutsLongErrors() {
        Failures first = Failures.after(null, NOW, "refused");
        assertThat(first).isEqualTo(new Failures(1, NOW, "refused"));
        Failures second = Failures.after(first, NOW.plusSeconds(60), "x".repeat(2000));
        assertThat(second.count()).isEqualTo(2);
        assertThat(second.last()).isEqualTo(NOW.plusSeconds(60));
        assertThat(second.lastError()).hasSize(Failures.MAX_ERROR_LENGTH).endsWith("…");
        assertThat(second.nextAttempt(Backoff.DEFAULT)).isEqualTo(NOW.plusSeconds(60 + 120));
        assertThat(new Failures(1, NOW, null).lastError()).isEmpty();
    }

    @Test
    void deletesCertificatesNoRouteHolds() {
        Plan plan = NAMES.plan(new State(Set.of("shop.example.com"), Map.of("kept.example.com", days(60)),
                Map.of("shop.example.com", days(60), "gone.example.com", days(60), "kept.example.com", days(60))), Map.of(), NOW);
        assertThat(plan.deletions()).containsExactly("gone.example.com", "kept.example.com");
        assertThat(plan.forgotten()).isEmpty();
        assertThat(plan.decisions()).extracting(Decision::hostname).containsExactly("shop.example.com");
    }

    static Stream<Arguments> backoffs() {
        return Stream.of(Arguments.of(1, Duration.ofMinutes(1)), Arguments.of(2, Duration.ofMinutes(2)),
                Arguments.of(3, Duration.ofMinutes(4)), Arguments.of(9, Duration.ofMinutes(256)),
                Arguments.of(10, Duration.ofHours(6)), Arguments.of(1000, Duration.ofHours(6)));
    }

    @ParameterizedTest(name = "{0} failures: {1}")
    @MethodSource("backoffs")
    void backsOffExponentiallyUpToTheMax(int failures, Duration expected) {
        assertThat(Backoff.DEFAULT.after(failures)).isEqualTo(expected);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofHours(1)))
                .hasMessage("backoff base: PT0S (expected: positive)");
        assertThatThrownBy(() -> new Backoff(Duration.ofHours(2), Duration.ofHours(1)))
                .hasMessage("backoff max: PT1H (expected: at least the base PT2H)");
        assertThatThrownBy(() -> failed(0, NOW)).hasMessage("failure count: 0 (expected: 1 or more)");
        assertThatThrownBy(() -> new AcmeNames("x", Duration.ofDays(-1), Backoff.DEFAULT))
                .hasMessage("renew before: PT-24H (expected: zero or more)");
    }
}
