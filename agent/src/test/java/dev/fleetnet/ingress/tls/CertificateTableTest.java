package dev.fleetnet.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.CertificateKeys;
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
}
