package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.controller.certs.UploadValidator;
import dev.fleetnet.controller.pki.CaLoader;
import dev.fleetnet.controller.pki.CertificateBuilder;
import dev.fleetnet.core.Ipv6;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.proto.v1.Certificate;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.slf4j.LoggerFactory;

/**
 * The host CA: an EC P-256 CA kept in etcd with its key ({@code ca/hosts}), apart from the
 * ingress fleet CA, that issues host certificates ({@code CN=NAME}, SAN URI
 * {@code fleetnet://host/NAME}, clientAuth) for keys hosts generated themselves, and the
 * controllers' serving certificates for the agent channel (their addresses, serverAuth).
 */
public final class HostCa {
    public static final Duration CA_LIFETIME = Duration.ofDays(3650);
    public static final Duration HOST_LIFETIME = Duration.ofDays(365);
    public static final Duration CONTROLLER_LIFETIME = Duration.ofDays(30);
    /** Tolerates clocks a little behind ours. */
    public static final Duration BACKDATE = Duration.ofHours(1);
    private static final String STORED_NAME = "host-ca";
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Certificate stored;

    private HostCa(X509Certificate certificate, PrivateKey key, Certificate stored) {
        this.certificate = certificate;
        this.key = key;
        this.stored = stored;
    }

    /** A new CA named "fleetnet host CA {random id}", valid from an hour before {@code now} for ten years. */
    public static HostCa generate(Instant now) {
        KeyPair pair = HostCsr.generateKey();
        Instant notBefore = now.minus(BACKDATE);
        try {
            X509Certificate certificate = CertificateBuilder.selfSignedCa(new CertificateBuilder.CaSpec(
                    CertificateBuilder.uniqueName("fleetnet host CA"), pair, new BasicConstraints(0), notBefore,
                    notBefore.plus(CA_LIFETIME)));
            return new HostCa(certificate, pair.getPrivate(), Certificate.newBuilder().setHostname(STORED_NAME)
                    .setCertificateChainPem(Pem.certificate(certificate)).setPrivateKeyPem(Pem.privateKey(pair.getPrivate())).build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate the host CA", e);
        }
    }

    /** The CA as stored at {@code keys.hostCa()}. */
    public static HostCa from(Certificate stored) {
        X509Certificate certificate = Pem.certificates(stored.getCertificateChainPem()).get(0);
        PrivateKey key = Pem.privateKey(stored.getPrivateKeyPem());
        UploadValidator.requireKeyMatches(certificate, key);
        return new HostCa(certificate, key, stored);
    }

    /** The fleet's host CA: the one in etcd, or a new one stored there if none is (create-if-absent: one CA however many controllers race). */
    public static HostCa loadOrCreate(IdentityStore store, Clock clock) {
        CaLoader.Loaded<HostCa> loaded = CaLoader.loadOrCreate(store.hostCaSlot(), () -> generate(clock.instant()),
                HostCa::stored, HostCa::from);
        if (loaded.created()) {
            LoggerFactory.getLogger(HostCa.class).info("host CA created: {}, sha256 {}",
                    loaded.ca().certificate.getSubjectX500Principal().getName(), loaded.ca().sha256Fingerprint());
        }
        return loaded.ca();
    }

    /** What etcd holds, key included. Never for the API or logs. */
    Certificate stored() {
        return stored;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /** Hex SHA-256 of the CA certificate (as {@code openssl x509 -fingerprint -sha256} shows, without colons). */
    public String sha256Fingerprint() {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint the host CA", e);
        }
    }

    /** A certificate for host {@code host}'s own {@code key}: valid from an hour before {@code now} for a year, never past the CA. */
    public X509Certificate issueHost(String host, PublicKey hostKey, Instant now) {
        List<GeneralName> names = List.of(new GeneralName(GeneralName.uniformResourceIdentifier, HostNames.uri(host)));
        return issue(new X500Principal("CN=" + host), names, KeyPurposeId.id_kp_clientAuth, hostKey, now, HOST_LIFETIME);
    }

    /**
     * The serving certificate of a controller's agent listener: every address and DNS name agents
     * dial it by, and the URI {@code fleetnet://controller}; serverAuth only, so it never passes
     * for a host.
     */
    public X509Certificate issueController(List<String> names, PublicKey controllerKey, Instant now) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("controller certificate names: none (expected: the addresses agents dial)");
        }
        List<GeneralName> san = new ArrayList<>();
        for (String name : names) {
            boolean ip = Ipv6.isValid(name) || IPV4.matcher(name).matches();
            san.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        san.add(new GeneralName(GeneralName.uniformResourceIdentifier, HostNames.CONTROLLER_URI));
        return issue(new X500Principal("CN=fleetnet controller"), san, KeyPurposeId.id_kp_serverAuth, controllerKey, now,
                CONTROLLER_LIFETIME);
    }

    private X509Certificate issue(X500Principal subject, List<GeneralName> names, KeyPurposeId purpose, PublicKey subjectKey,
            Instant now, Duration lifetime) {
        try {
            return CertificateBuilder.leaf(certificate, key, new CertificateBuilder.LeafSpec(subject, subjectKey, names, purpose,
                    now.minus(BACKDATE), now.plus(lifetime)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject.getName(), e);
        }
    }
}
