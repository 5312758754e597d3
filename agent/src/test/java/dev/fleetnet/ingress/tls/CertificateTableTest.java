package dev.fleetnet.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.CertificateKeys;
import dev.fleetnet.proto.v1.CertificateInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateTableTest {
    private static Certificate cert(String hostname, CertificateSource source) {
        return Certificate.newBuilder().setHostname(hostname).setSource(source).build();
    }

    private static final CertificateTable TABLE = CertificateTable.of(List.of(
            cert("shop.example.com", CertificateSource.CERTIFICATE_SOURCE_FLEET),
            cert("shop.example.com", CertificateSource.CERTIFICATE_SOURCE_UPLOADED),
            cert("shop.example.com", CertificateSource.CERTIFICATE_SOURCE_ACME),
            cert("api.example.com", CertificateSource.CERTIFICATE_SOURCE_FLEET),
            cert("api.example.com", CertificateSource.CERTIFICATE_SOURCE_ACME),
            cert("*.example.com", CertificateSource.CERTIFICATE_SOURCE_FLEET),
            cert("*.apps.example.com", CertificateSource.CERTIFICATE_SOURCE_UPLOADED),
            cert("exact.apps.example.com", CertificateSource.CERTIFICATE_SOURCE_FLEET),
            cert("Mixed.Example.ORG", CertificateSource.CERTIFICATE_SOURCE_FLEET)));

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # server name              | certificate key served (- = none)
            shop.example.com           | uploaded/shop.example.com
            SHOP.Example.COM           | uploaded/shop.example.com
            shop.example.com.          | uploaded/shop.example.com
            api.example.com            | acme/api.example.com
            blog.example.com           | fleet/*.example.com
            example.com                | -
            a.b.example.com            | -
            x.apps.example.com         | uploaded/*.apps.example.com
            exact.apps.example.com     | fleet/exact.apps.example.com
            y.x.apps.example.com       | -
            mixed.example.org          | fleet/Mixed.Example.ORG
            other.test                 | -
            *.example.com              | -
            localhost                  | -
            ''                         | -
            """)
    void selectsExactThenOneLabelWildcardThenBestSource(String serverName, String expectedKey) {
        assertThat(TABLE.select(serverName).map(CertificateKeys::key).orElse(null)).isEqualTo(expectedKey);
    }

    @Test
    void noNameNoCertificate() {
        assertThat(TABLE.select(null)).isEmpty();
        assertThat(CertificateTable.EMPTY.select("shop.example.com")).isEmpty();
    }

    @Test
    void precedenceDoesNotDependOnOrder() {
        List<Certificate> certs = List.of(cert("a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED),
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET), cert("a.test", CertificateSource.CERTIFICATE_SOURCE_ACME));
        for (List<Certificate> order : List.of(certs, certs.reversed())) {
            assertThat(CertificateTable.of(order).select("a.test").orElseThrow().getSource())
                    .isEqualTo(CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
        }
        assertThat(CertificateTable.of(certs).size()).isEqualTo(1);
    }

    private static Certificate cert(String hostname, CertificateSource source, Instant notBefore, Instant notAfter) {
        return cert(hostname, source).toBuilder().setInfo(CertificateInfo.newBuilder()
                .setNotBeforeEpochSeconds(notBefore.getEpochSecond()).setNotAfterEpochSeconds(notAfter.getEpochSecond())).build();
    }

    @Test
    void anExpiredCertificateGivesWayToAValidOneOfALowerSource() {
        Instant now = Instant.parse("2030-06-01T00:00:00Z");
        Instant past = now.minus(Duration.ofDays(1));
        Instant soon = now.plus(Duration.ofDays(30));
        CertificateTable table = CertificateTable.of(List.of(
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, now.minus(Duration.ofDays(90)), past),
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_ACME, now.minus(Duration.ofDays(100)), past.minusSeconds(60)),
                cert("a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, past, soon),
                cert("b.w.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, now.minus(Duration.ofDays(90)), past),
                cert("*.w.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, past, soon),
                cert("c.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, now.plus(Duration.ofDays(1)), soon),
                cert("c.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, past, soon),
                cert("d.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED, now.minus(Duration.ofDays(90)), past),
                cert("d.test", CertificateSource.CERTIFICATE_SOURCE_FLEET, now.minus(Duration.ofDays(90)), past.minusSeconds(1))));
        assertThat(table.select("a.test", now).map(CertificateKeys::key)).as("an expired upload, an expired ACME: the fleet's")
                .contains("fleet/a.test");
        assertThat(table.select("a.test", past.minusSeconds(120)).map(CertificateKeys::key)).as("while the upload was valid")
                .contains("uploaded/a.test");
        assertThat(table.select("b.w.test", now).map(CertificateKeys::key)).as("an expired exact one: a valid wildcard")
                .contains("fleet/*.w.test");
        assertThat(table.select("c.test", now).map(CertificateKeys::key)).as("not yet valid").contains("fleet/c.test");
        assertThat(table.select("d.test", now).map(CertificateKeys::key)).as("none valid: the best source, as before")
                .contains("uploaded/d.test");
    }
}
