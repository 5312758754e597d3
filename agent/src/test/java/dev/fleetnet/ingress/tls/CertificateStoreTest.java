package dev.fleetnet.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateSource;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
    @TempDir
    static Path dir;
    private static Certificate fleetA;
    private static Certificate uploadedA;
    private static Certificate fleetB;

    @BeforeAll
    static void certificates() throws Exception {
        fleetA = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
        uploadedA = TestCertificates.make(dir, "a.test", CertificateSource.CERTIFICATE_SOURCE_UPLOADED);
        fleetB = TestCertificates.make(dir, "b.test", CertificateSource.CERTIFICATE_SOURCE_FLEET);
    }

    @Test
    void boringSslIsTheProviderHere() {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative BoringSSL loads: %s", OpenSsl.unavailabilityCause()).isTrue();
        assertThat(ServerSslContexts.preferred().provider()).isEqualTo(io.netty.handler.ssl.SslProvider.OPENSSL);
        assertThat(ServerSslContexts.preferred().describe()).contains("OpenSSL");
    }

    @Test
    void unchangedCertificatesKeepTheirContextAcrossSwaps() {
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        assertThat(store.apply(List.of(fleetA, fleetB), List.of())).isEqualTo(new CertificateStore.Changes(2, 0, 0, 0));
        SslContext a = store.current().sslContext("a.test");
        SslContext b = store.current().sslContext("b.test");
        assertThat(a).isNotNull().isNotSameAs(b);

        assertThat(store.apply(List.of(fleetA, fleetB), List.of())).as("the same view again").isEqualTo(CertificateStore.Changes.NONE);

        // an upload for a.test takes over; b.test's context is reused, not rebuilt
        assertThat(store.apply(List.of(fleetA, fleetB, uploadedA), List.of())).isEqualTo(new CertificateStore.Changes(1, 2, 0, 0));
        assertThat(store.current().sslContext("b.test")).isSameAs(b);
        assertThat(store.current().sslContext("a.test")).isNotSameAs(a).isNotNull();

        // the upload deleted: the fleet certificate serves again with the context built first
        assertThat(store.apply(List.of(fleetA, fleetB), List.of())).isEqualTo(new CertificateStore.Changes(0, 2, 1, 0));
        assertThat(store.current().sslContext("a.test")).isSameAs(a);

        // a renewed certificate (new fingerprint under the same key) is built anew
        Certificate renewed = fleetB.toBuilder().setInfo(fleetB.getInfo().toBuilder().setSha256Fingerprint("renewed")).build();
        store.apply(List.of(fleetA, renewed), List.of());
        assertThat(store.current().sslContext("b.test")).isNotSameAs(b);
    }

    @Test
    void anUnusableCertificateLeavesTheNextSourceServing() {
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        Certificate broken = uploadedA.toBuilder().setPrivateKeyPem(fleetB.getPrivateKeyPem()).build(); // key of another certificate
        Certificate garbage = uploadedA.toBuilder().setHostname("c.test").setCertificateChainPem("not PEM").build();
        CertificateStore.Changes changes = store.apply(List.of(fleetA, broken, garbage), List.of());
        assertThat(changes.failed()).isEqualTo(2);
        assertThat(store.current().table().select("a.test").orElseThrow().getSource()).isEqualTo(CertificateSource.CERTIFICATE_SOURCE_FLEET);
        assertThat(store.current().sslContext("c.test")).isNull();
    }

    @Test
    void challengesAreAnsweredOnlyForTheirHostname() {
        CertificateStore store = new CertificateStore(ServerSslContexts.preferred());
        store.apply(List.of(), List.of(AcmeChallenge.newBuilder().setToken("tok").setKeyAuthorization("tok.thumb")
                .setHostname("shop.example.com").build()));
        AcmeChallenges challenges = store.current().challenges();
        assertThat(challenges.keyAuthorization("tok", "SHOP.example.com")).contains("tok.thumb");
        assertThat(challenges.keyAuthorization("tok", "other.example.com")).isEmpty();
        assertThat(challenges.keyAuthorization("nope", "shop.example.com")).isEmpty();
        assertThat(challenges.keyAuthorization("tok", null)).isEmpty();
    }
}
