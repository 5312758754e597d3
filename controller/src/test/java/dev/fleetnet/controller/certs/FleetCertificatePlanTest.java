package dev.fleetnet.controller.certs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.controller.certs.FleetCertificatePlan.Issue;
import dev.fleetnet.controller.certs.FleetCertificatePlan.Reason;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetCertificatePlanTest {
    private static final String CA = "CN=fleetnet fleet CA 0123456789ab";
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final CertificateSource FLEET = CertificateSource.CERTIFICATE_SOURCE_FLEET;
    private static final CertificateSource UPLOADED = CertificateSource.CERTIFICATE_SOURCE_UPLOADED;
    private static final CertificateSource ACME = CertificateSource.CERTIFICATE_SOURCE_ACME;

    /** A certificate issued {@code ageDays} ago for 90 days. */
    private static CertificateInfo cert(String host, CertificateSource source, long ageDays) {
        Instant from = NOW.minus(Duration.ofDays(ageDays));
        return CertificateInfo.newBuilder().setHostname(host).setSource(source).setIssuer(source == FLEET ? CA : "CN=Other")
                .setNotBeforeEpochSeconds(from.getEpochSecond()).setNotAfterEpochSeconds(from.plus(Duration.ofDays(90)).getEpochSecond())
                .build();
    }

    private static FleetCertificatePlan plan(List<String> routes, CertificateInfo... existing) {
        return FleetCertificatePlan.compute("fleet.internal", routes, List.of(existing), CA, NOW);
    }

    @Test
    void anEmptyFleetWantsTheSuffixWildcard() {
        assertThat(plan(List.of()).issue()).containsExactly(new Issue("*.fleet.internal", Reason.MISSING));
        assertThat(plan(List.of(), cert("*.fleet.internal", FLEET, 1)).isEmpty()).isTrue();
    }

    @Test
    void routeHostnamesWithoutAnotherSourceGetFleetCertificates() {
        FleetCertificatePlan plan = plan(List.of("shop.example.com", "*.apps.example.com", "mine.example.com", "other.example.com",
                "x.fleet.internal", "a.b.fleet.internal"),
                cert("*.fleet.internal", FLEET, 1), cert("mine.example.com", UPLOADED, 1), cert("other.example.com", ACME, 1));
        assertThat(plan.issue()).extracting(Issue::hostname)
                .as("the suffix wildcard covers x.fleet.internal, not a.b.fleet.internal")
                .containsExactly("*.apps.example.com", "a.b.fleet.internal", "shop.example.com");
        assertThat(plan.delete()).isEmpty();
    }

    @Test
    void anUploadedWildcardCoversOneLabelBelowIt() {
        FleetCertificatePlan plan = plan(List.of("a.example.com", "example.com", "a.b.example.com"),
                cert("*.fleet.internal", FLEET, 1), cert("*.example.com", UPLOADED, 1));
        assertThat(plan.issue()).extracting(Issue::hostname).containsExactly("a.b.example.com", "example.com");
    }

    @Test
    void anUploadReplacesTheFleetCertificateAndItsDeleteBringsItBack() {
        CertificateInfo fleet = cert("shop.example.com", FLEET, 1);
        CertificateInfo wildcard = cert("*.fleet.internal", FLEET, 1);
        assertThat(plan(List.of("shop.example.com"), wildcard, fleet).isEmpty()).isTrue();
        FleetCertificatePlan uploaded = plan(List.of("shop.example.com"), wildcard, fleet, cert("shop.example.com", UPLOADED, 1));
        assertThat(uploaded.issue()).isEmpty();
        assertThat(uploaded.delete()).containsExactly("shop.example.com");
        assertThat(plan(List.of("shop.example.com"), wildcard).issue()).containsExactly(new Issue("shop.example.com", Reason.MISSING));
    }

    @Test
    void anExpiredUploadNoLongerCovers() {
        assertThat(plan(List.of("shop.example.com"), cert("*.fleet.internal", FLEET, 1), cert("shop.example.com", UPLOADED, 100)).issue())
                .containsExactly(new Issue("shop.example.com", Reason.MISSING));
    }

    @Test
    void hostnamesNoRouteHoldsAreDeletedButNeverTheSuffixWildcard() {
        FleetCertificatePlan plan = plan(List.of(), cert("*.fleet.internal", FLEET, 1), cert("gone.example.com", FLEET, 1),
                cert("*.old-suffix.test", FLEET, 1), cert("kept.example.com", UPLOADED, 1));
        assertThat(plan.delete()).containsExactly("*.old-suffix.test", "gone.example.com");
        assertThat(plan.issue()).isEmpty();
    }

    @Test
    void renewalWhenLessThanAThirdOfTheLifetimeRemains() {
        assertThat(plan(List.of("a.example.com"), cert("*.fleet.internal", FLEET, 59), cert("a.example.com", FLEET, 61)).issue())
                .containsExactly(new Issue("a.example.com", Reason.RENEWAL));
        assertThat(plan(List.of(), cert("*.fleet.internal", FLEET, 95)).issue())
                .containsExactly(new Issue("*.fleet.internal", Reason.RENEWAL));
    }

    @Test
    void certificatesOfAnotherCaAreReissued() {
        CertificateInfo foreign = cert("*.fleet.internal", FLEET, 1).toBuilder().setIssuer("CN=fleetnet fleet CA ffffffffffff").build();
        assertThat(plan(List.of(), foreign).issue()).containsExactly(new Issue("*.fleet.internal", Reason.OTHER_CA));
    }

    @Test
    void aPlanAppliedYieldsNoFurtherPlan() {
        List<String> routes = List.of("a.example.com", "b.example.com");
        FleetCertificatePlan first = plan(routes, cert("b.example.com", UPLOADED, 1), cert("c.example.com", FLEET, 1));
        assertThat(first.issue()).extracting(Issue::hostname).containsExactly("*.fleet.internal", "a.example.com");
        assertThat(first.delete()).containsExactly("c.example.com");
        assertThat(plan(routes, cert("b.example.com", UPLOADED, 1), cert("*.fleet.internal", FLEET, 0), cert("a.example.com", FLEET, 0))
                .isEmpty()).isTrue();
    }
}
