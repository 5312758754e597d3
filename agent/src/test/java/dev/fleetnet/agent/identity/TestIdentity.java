package dev.fleetnet.agent.identity;

import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.IdentityPem;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA and host certificates for agent tests, made in memory (the controller's HostCa is not on the agent's classpath). */
public final class TestIdentity {
    private static final AtomicLong SERIAL = new AtomicLong(1);
    public final KeyPair caKey = HostCsr.generateKey();
    public final X509Certificate ca;

    public TestIdentity() {
        ca = sign(new X500Principal("CN=test host CA"), new X500Principal("CN=test host CA"), caKey.getPublic(), null, true);
    }

    /** A host certificate for {@code host} and {@code key}, from this CA. */
    public X509Certificate host(String host, PublicKey key) {
        return sign(ca.getSubjectX500Principal(), new X500Principal("CN=" + host), key, host, false);
    }

    /** A serving certificate for {@code ip} (what a controller presents agents), from this CA. */
    public X509Certificate server(PublicKey key, String ip) {
        try {
            Instant now = Instant.now();
            return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(ca.getSubjectX500Principal(),
                    BigInteger.valueOf(SERIAL.getAndIncrement()), Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))),
                    new X500Principal("CN=test controller"), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, ip)))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as a PEM file in {@code dir}. */
    public Path caFile(Path dir) throws Exception {
        return Files.writeString(dir.resolve("host-ca.pem"), IdentityPem.certificate(ca), StandardCharsets.US_ASCII);
    }

    private X509Certificate sign(X500Principal issuer, X500Principal subject, PublicKey key, String host, boolean authority) {
        try {
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.getAndIncrement()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
            if (host != null) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, HostNames.uri(host))));
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
