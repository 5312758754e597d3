package dev.fleetnet.agent.wireguard;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/** A WireGuard (Curve25519) key pair: raw 32 bytes, base64 for people and the API, hex for UAPI. */
public record WireGuardKey(byte[] privateKey, byte[] publicKey) {
    private static final BigInteger BASE_POINT = BigInteger.valueOf(9);

    public WireGuardKey {
        if (privateKey.length != 32 || publicKey.length != 32) {
            throw new IllegalArgumentException("key length: " + privateKey.length + "/" + publicKey.length + " (expected: 32 bytes)");
        }
        privateKey = privateKey.clone();
        publicKey = publicKey.clone();
    }

    /** A fresh key pair from the JDK's X25519 generator, clamped as WireGuard does. */
    public static WireGuardKey generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
            byte[] secret = ((XECPrivateKey) pair.getPrivate()).getScalar()
                    .orElseThrow(() -> new IllegalStateException("this JDK's X25519 keys do not expose their scalar"));
            // Clamp as WireGuard does, so the stored key is exactly what `wg` would show.
            secret[0] &= (byte) 248;
            secret[31] &= 127;
            secret[31] |= 64;
            return fromPrivate(secret);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot do X25519: " + e.getMessage(), e);
        }
    }

    /** Derives the public key: X25519(private, base point 9). */
    public static WireGuardKey fromPrivate(byte[] privateKey) {
        try {
            KeyFactory factory = KeyFactory.getInstance("XDH");
            PrivateKey priv = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey));
            PublicKey base = factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT));
            KeyAgreement agreement = KeyAgreement.getInstance("XDH");
            agreement.init(priv);
            agreement.doPhase(base, true);
            return new WireGuardKey(privateKey, agreement.generateSecret());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot do X25519: " + e.getMessage(), e);
        }
    }

    public static WireGuardKey fromBase64Private(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("private key: not 32 bytes of base64 (expected: what `wg genkey` prints)");
        }
        return fromPrivate(raw);
    }

    /** The raw private key (a copy). */
    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /** The raw public key (a copy). */
    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String privateBase64() {
        return Base64.getEncoder().encodeToString(privateKey);
    }

    public String publicBase64() {
        return Base64.getEncoder().encodeToString(publicKey);
    }

    public String privateHex() {
        return HexFormat.of().formatHex(privateKey);
    }

    /** base64 (API) to hex (UAPI); anything but 32 bytes of base64 is refused, naming the value. */
    public static String base64ToHex(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("public key: '" + base64 + "' (expected: 32 bytes in base64, as `wg pubkey` prints)");
        }
        return HexFormat.of().formatHex(raw);
    }

    /** hex (UAPI) to base64 (API). */
    public static String hexToBase64(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    @Override
    public String toString() {
        return "WireGuardKey[public=" + publicBase64() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireGuardKey k && java.util.Arrays.equals(privateKey, k.privateKey);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(publicKey);
    }
}
