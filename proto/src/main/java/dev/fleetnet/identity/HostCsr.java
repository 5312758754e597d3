package dev.fleetnet.identity;

import dev.fleetnet.core.Names;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The request a host joins with: a PKCS#10 certification request for its own EC P-256 key,
 * subject {@code CN=NAME}, signed with that key (which proves the host holds it). The agent
 * builds one; the controller reads it back and checks it.
 */
public final class HostCsr {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The curve of every host key. */
    public static final String CURVE = "secp256r1";

    private HostCsr() {}

    /** What a valid request asks for. */
    public record Request(String hostName, PublicKey publicKey) {}

    /** A new EC P-256 key pair, generated here: a host's private key never leaves it. */
    public static KeyPair generateKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator", e);
        }
    }

    /** The public half of an EC private key (the point d·G on its curve), so a key file need hold only the private key. */
    public static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof ECPrivateKey ec)) {
            throw new IllegalArgumentException("private key: " + key.getAlgorithm() + " (expected: EC P-256)");
        }
        ECNamedCurveParameterSpec curve = ECNamedCurveTable.getParameterSpec(CURVE);
        ECPoint q = curve.getG().multiply(ec.getS()).normalize();
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                    ec.getParams()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("private key: no public key for it (" + e.getMessage() + ") (expected: EC P-256)");
        }
    }

    /** The DER request for {@code hostName}, signed with {@code key}'s private half. */
    public static byte[] create(KeyPair key, String hostName) {
        Names.check("host name", hostName);
        try {
            return new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + hostName), key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot build a certification request for host " + hostName, e);
        }
    }

    /**
     * The host name and key {@code der} asks for, if it is a well-formed request for a valid host
     * name and an EC P-256 key, whose signature verifies with that key; else an
     * {@link IllegalArgumentException} saying which of these it is not.
     */
    public static Request parse(byte[] der) {
        if (der.length == 0) {
            throw new IllegalArgumentException("certification request: empty (expected: a PKCS#10 request in DER)");
        }
        PKCS10CertificationRequest request;
        try {
            request = new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("certification request: " + der.length
                    + " bytes that are not a PKCS#10 request (expected: a PKCS#10 request in DER)");
        }
        PublicKey key;
        try {
            key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(request.getSubjectPublicKeyInfo().getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("certification request: key algorithm "
                    + request.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId() + " (expected: EC P-256)");
        }
        if (!(key instanceof ECPublicKey ec) || !isP256(ec)) {
            throw new IllegalArgumentException("certification request: key " + key.getAlgorithm() + " (expected: EC P-256)");
        }
        try {
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(key);
            if (!request.isSignatureValid(verifier)) {
                throw new IllegalArgumentException("certification request: its signature does not verify with its own key"
                        + " (expected: a request signed by the key it asks a certificate for)");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("certification request: signature unreadable (" + e.getMessage()
                    + ") (expected: SHA256withECDSA by the key it carries)");
        }
        String subject;
        try {
            subject = new X500Principal(request.getSubject().getEncoded()).getName();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("certification request: unreadable subject (expected: CN=NAME)");
        }
        String cn = HostNames.commonName(subject);
        if (!Names.isValid(cn) || !subject.equals("CN=" + cn)) {
            throw new IllegalArgumentException("certification request: subject '" + subject
                    + "' (expected: CN=NAME only, NAME a host name of 1-63 lowercase letters, digits or '-')");
        }
        return new Request(cn, key);
    }

    /** P-256 by its generator's x coordinate (names of curve parameters differ between providers). */
    private static boolean isP256(ECPublicKey key) {
        return key.getParams().getGenerator().getAffineX().toString(16)
                .equals("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    }
}
