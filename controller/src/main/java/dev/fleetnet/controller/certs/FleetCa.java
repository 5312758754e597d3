package dev.fleetnet.controller.certs;

import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.routing.Hostnames;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

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
    private static final SecureRandom RANDOM = new SecureRandom();

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
        KeyPair pair = p256();
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        X500Principal subject = new X500Principal("CN=fleetnet fleet CA " + HexFormat.of().formatHex(id));
        Instant notBefore = now.minus(BACKDATE);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore),
                    Date.from(notBefore.plus(CA_LIFETIME)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = sign(builder, pair.getPrivate());
            return new FleetCa(certificate, pair.getPrivate(), stored(HOSTNAME, certificate, List.of(certificate), pair.getPrivate()));
        } catch (CertIOException | GeneralSecurityException e) {
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
    public static FleetCa loadOrCreate(CertificateStore store, java.time.Clock clock) {
        Certificate stored = store.fleetCa();
        if (stored == null) {
            FleetCa candidate = generate(clock.instant());
            stored = store.createFleetCaIfAbsent(candidate.stored());
            if (stored == candidate.stored()) {
                org.slf4j.LoggerFactory.getLogger(FleetCa.class).info("fleet CA created: {}, sha256 {}",
                        candidate.info().getIssuer(), candidate.info().getSha256Fingerprint());
                return candidate;
            }
        }
        return from(stored);
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
        KeyPair pair = p256();
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = now.plus(LEAF_LIFETIME);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant(); // a leaf never outlives its CA
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Principal("CN=" + host), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, host)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            X509Certificate leaf = sign(builder, key);
            return stored(host, leaf, List.of(leaf), pair.getPrivate()).toBuilder()
                    .setSource(CertificateSource.CERTIFICATE_SOURCE_FLEET).build();
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a fleet certificate for " + host, e);
        }
    }

    private static Certificate stored(String hostname, X509Certificate leaf, List<X509Certificate> chain, PrivateKey key) {
        return Certificate.newBuilder().setHostname(hostname).setSource(CertificateSource.CERTIFICATE_SOURCE_FLEET)
                .setCertificateChainPem(Pem.chain(chain)).setPrivateKeyPem(Pem.privateKey(key))
                .setInfo(CertificateFacts.info(hostname, CertificateSource.CERTIFICATE_SOURCE_FLEET, leaf)).build();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
