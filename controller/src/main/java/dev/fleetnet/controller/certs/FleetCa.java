package dev.fleetnet.controller.certs;

import dev.fleetnet.controller.pki.CaLoader;
import dev.fleetnet.controller.pki.CertificateBuilder;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.Hostnames;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.slf4j.LoggerFactory;

/**
 * The fleet CA: an EC P-256 CA, stored in etcd with its key, that issues the default ingress
 * certificates (EC P-256, the hostname as the only DNS name, serverAuth, 90 days).
 */
public final class FleetCa {
    public static final String HOSTNAME = "fleet-ca";
    public static final Duration CA_LIFETIME = Duration.ofDays(3650);
    public static final Duration LEAF_LIFETIME = Duration.ofDays(90);
    /** Tolerates clocks of clients a little behind ours. */
    public static final Duration BACKDATE = Duration.ofHours(1);

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Certificate stored;

    private FleetCa(X509Certificate certificate, PrivateKey key, Certificate stored) {
        this.certificate = certificate;
        this.key = key;
        this.stored = stored;
    }

    /** A new CA named "fleetnet fleet CA {random id}", valid from an hour before {@code now} for ten years. */
    public static FleetCa generate(Instant now) {
        KeyPair pair = CertificateBuilder.p256();
        Instant notBefore = now.minus(BACKDATE);
        try {
            X509Certificate certificate = CertificateBuilder.selfSignedCa(new CertificateBuilder.CaSpec(
                    CertificateBuilder.uniqueName("fleetnet fleet CA"), pair, new BasicConstraints(true), notBefore,
                    notBefore.plus(CA_LIFETIME)));
            return new FleetCa(certificate, pair.getPrivate(), stored(HOSTNAME, certificate, List.of(certificate), pair.getPrivate()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate the fleet CA", e);
        }
    }

    /** The CA as stored at {@code keys.fleetCa()}. */
    public static FleetCa from(Certificate stored) {
        X509Certificate certificate = Pem.certificates(stored.getCertificateChainPem()).get(0);
        PrivateKey key = Pem.privateKey(stored.getPrivateKeyPem());
        UploadValidator.requireKeyMatches(certificate, key);
        return new FleetCa(certificate, key, stored);
    }

    /**
     * The fleet's CA: the one in etcd, or a new one stored there if none is (create-if-absent, so
     * controllers starting together agree on one).
     */
    public static FleetCa loadOrCreate(CertificateStore store, Clock clock) {
        CaLoader.Loaded<FleetCa> loaded = CaLoader.loadOrCreate(store.fleetCaSlot(), () -> generate(clock.instant()),
                FleetCa::stored, FleetCa::from);
        if (loaded.created()) {
            LoggerFactory.getLogger(FleetCa.class).info("fleet CA created: {}, sha256 {}",
                    loaded.ca().info().getIssuer(), loaded.ca().info().getSha256Fingerprint());
        }
        return loaded.ca();
    }

    /** What etcd holds: the CA certificate and its key. Never for the public API or logs. */
    public Certificate stored() {
        return stored;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return stored.getCertificateChainPem();
    }

    public CertificateInfo info() {
        return stored.getInfo();
    }

    /** A fresh key and leaf for {@code hostname} (exact or {@code *.x.y}), valid from an hour before {@code now} for 90 days. */
    public Certificate issue(String hostname, Instant now) {
        String host = Hostnames.normalize(hostname);
        KeyPair pair = CertificateBuilder.p256();
        try {
            X509Certificate leaf = CertificateBuilder.leaf(certificate, key, new CertificateBuilder.LeafSpec(
                    new X500Principal("CN=" + host), pair.getPublic(), List.of(new GeneralName(GeneralName.dNSName, host)),
                    KeyPurposeId.id_kp_serverAuth, now.minus(BACKDATE), now.plus(LEAF_LIFETIME)));
            return stored(host, leaf, List.of(leaf), pair.getPrivate()).toBuilder()
                    .setSource(CertificateSource.CERTIFICATE_SOURCE_FLEET).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a fleet certificate for " + host, e);
        }
    }

    private static Certificate stored(String hostname, X509Certificate leaf, List<X509Certificate> chain, PrivateKey key) {
        return Certificate.newBuilder().setHostname(hostname).setSource(CertificateSource.CERTIFICATE_SOURCE_FLEET)
                .setCertificateChainPem(Pem.chain(chain)).setPrivateKeyPem(Pem.privateKey(key))
                .setInfo(CertificateFacts.info(hostname, CertificateSource.CERTIFICATE_SOURCE_FLEET, leaf)).build();
    }
}
