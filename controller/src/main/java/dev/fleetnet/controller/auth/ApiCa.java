package dev.fleetnet.controller.auth;

import dev.fleetnet.controller.certs.Pem;
import dev.fleetnet.controller.pki.CaLoader;
import dev.fleetnet.controller.pki.CertificateBuilder;
import dev.fleetnet.controller.pki.EtcdCaSlot;
import dev.fleetnet.controller.store.Keys;
import dev.fleetnet.proto.v1.Certificate;
import io.etcd.jetcd.Client;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.slf4j.LoggerFactory;

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
        KeyPair pair = CertificateBuilder.p256();
        Instant notBefore = now.minus(BACKDATE);
        try {
            return new ApiCa(CertificateBuilder.selfSignedCa(new CertificateBuilder.CaSpec(CertificateBuilder.uniqueName("fleetnet API CA"),
                    pair, new BasicConstraints(0), notBefore, notBefore.plus(CA_LIFETIME))), pair.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate the API CA", e);
        }
    }

    /** The fleet's API CA: the one in etcd, or a new one stored there if there is none (one CA however many controllers race). */
    public static ApiCa loadOrCreate(Client client, Keys keys, Instant now) {
        CaLoader.Loaded<ApiCa> loaded = CaLoader.loadOrCreate(new EtcdCaSlot(client.getKVClient(), keys.apiCa(), "the API CA"),
                () -> generate(now), ApiCa::stored, ApiCa::from);
        if (loaded.created()) {
            LoggerFactory.getLogger(ApiCa.class).info("API CA created: {}", loaded.ca().certificate.getSubjectX500Principal());
        }
        return loaded.ca();
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
        KeyPair pair = CertificateBuilder.p256();
        X509Certificate leaf = issueServing(names, pair.getPublic(), now);
        return new Serving(Pem.certificate(leaf), Pem.privateKey(pair.getPrivate()), leaf);
    }

    /** A serving certificate as {@link #issueServing(List, Instant)} makes, for a key the caller keeps. */
    public X509Certificate issueServing(List<String> names, java.security.PublicKey key, Instant now) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("API certificate names: none (expected: at least one DNS name or address)");
        }
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
            alternatives.add(isAddress(name) ? new GeneralName(GeneralName.iPAddress, stripBrackets(name))
                    : new GeneralName(GeneralName.dNSName, name));
        }
        try {
            return CertificateBuilder.leaf(certificate, this.key, new CertificateBuilder.LeafSpec(
                    new X500Principal("CN=fleetnet controller API"), key, alternatives, KeyPurposeId.id_kp_serverAuth,
                    now.minus(BACKDATE), now.plus(SERVING_LIFETIME)));
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
}
