package dev.fleetnet.controller.auth;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.controller.store.Etcd;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.Certificate;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The public API's own CA (EC P-256, in etcd with its key at {@code auth/api-ca}): created once by
 * whichever controller starts first, even when several race; each controller signs its own serving
 * certificate with it at start, for the names and addresses clients reach it by. Clients trust this
 * CA's certificate. Apart from the ingress fleet CA, whose certificates anyone allowed to add a
 * route can have issued.
 */
public final class ApiCa {
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    static final Duration SERVING_LIFETIME = Duration.ofDays(365);
    /** Tolerates clients whose clocks are a little behind. */
    static final Duration BACKDATE = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private ApiCa(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** A serving certificate and its key, PEM (the chain is the leaf alone: clients hold the CA). */
    public record Serving(String certificateChainPem, String privateKeyPem, X509Certificate leaf) {}

    /** A new CA named "fleetnet API CA {random id}", valid from an hour before {@code now} for ten years. */
    public static ApiCa generate(Instant now) {
        KeyPair pair = p256();
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        X500Principal subject = new X500Principal("CN=fleetnet API CA " + HexFormat.of().formatHex(id));
        Instant notBefore = now.minus(BACKDATE);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore),
                    Date.from(notBefore.plus(CA_LIFETIME)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            return new ApiCa(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate the API CA", e);
        }
    }

    /** The fleet's API CA: the one in etcd, or a new one stored there if there is none (one CA however many controllers race). */
    public static ApiCa loadOrCreate(Client client, Keys keys, Instant now) {
        KV kv = client.getKVClient();
        KeyValue existing = Etcd.get(kv, keys.apiCa());
        if (existing != null) {
            return from(Etcd.parse(Certificate.parser(), existing));
        }
        ApiCa candidate = generate(now);
        Certificate stored = candidate.stored();
        TxnResponse r = Etcd.await("create the API CA", kv.txn()
                .If(new Cmp(bytes(keys.apiCa()), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(keys.apiCa()), Etcd.value(stored), PutOption.DEFAULT))
                .Else(Op.get(bytes(keys.apiCa()), GetOption.DEFAULT)).commit());
        if (r.isSucceeded()) {
            org.slf4j.LoggerFactory.getLogger(ApiCa.class).info("API CA created: {}", candidate.certificate.getSubjectX500Principal());
            return candidate;
        }
        return from(Etcd.parse(Certificate.parser(), r.getGetResponses().get(0).getKvs().get(0)));
    }

    static ApiCa from(Certificate stored) {
        X509Certificate certificate = Pem.certificates(stored.getCertificateChainPem()).get(0);
        return new ApiCa(certificate, Pem.privateKey(stored.getPrivateKeyPem()));
    }

    /** What etcd holds: the CA certificate and its key. */
    Certificate stored() {
        return Certificate.newBuilder().setHostname("api-ca").setCertificateChainPem(Pem.certificate(certificate))
                .setPrivateKeyPem(Pem.privateKey(key)).build();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate, PEM: what clients trust. */
    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /**
     * A fresh key and a serving certificate (serverAuth) for {@code names}: each a DNS name or an IP
     * address literal, put in the certificate as what it is. Valid a year, never past the CA.
     */
    public Serving issueServing(List<String> names, Instant now) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("API certificate names: none (expected: at least one DNS name or address)");
        }
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
            alternatives.add(isAddress(name) ? new GeneralName(GeneralName.iPAddress, stripBrackets(name))
                    : new GeneralName(GeneralName.dNSName, name));
        }
        KeyPair pair = p256();
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = now.plus(SERVING_LIFETIME);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant();
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Principal("CN=fleetnet controller API"), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            X509Certificate leaf = sign(builder, key);
            return new Serving(Pem.certificate(leaf), Pem.privateKey(pair.getPrivate()), leaf);
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue the API serving certificate for " + names, e);
        }
    }

    static boolean isAddress(String name) {
        String literal = stripBrackets(name);
        if (literal.contains(":")) {
            return true;
        }
        return literal.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static String stripBrackets(String name) {
        return name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
    }

    /** The names a controller listening on {@code listen} is reached by, plus the operator's {@code extra}. */
    public static List<String> servingNames(InetAddress listen, List<String> extra) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (!listen.isAnyLocalAddress()) {
            names.add(listen.getHostAddress());
        }
        names.addAll(extra);
        return List.copyOf(names);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
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
