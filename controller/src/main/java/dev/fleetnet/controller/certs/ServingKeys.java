package dev.fleetnet.controller.certs;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key and chain a TLS listener serves, replaced whole by {@link #swap}: the key manager hands
 * every new handshake the current pair, so a listener never restarts for a new certificate, and
 * a handshake that chose its alias just before a swap still gets the matching key and chain.
 * One writer (whoever renews or reloads); read by the TLS stack's threads.
 */
final class ServingKeys {
    private record Material(String alias, PrivateKey key, X509Certificate[] chain) {}

    private final AtomicReference<Material> current = new AtomicReference<>();
    private final AtomicReference<Material> previous = new AtomicReference<>();
    private int generation; // guarded by this

    /** Serves {@code key} with {@code chain} (leaf first) from the next handshake on. */
    synchronized void swap(PrivateKey key, List<X509Certificate> chain) {
        Material next = new Material("fleetnet-" + ++generation, key, chain.toArray(X509Certificate[]::new));
        previous.set(current.getAndSet(next));
    }

    /** The leaf served now; null before the first {@link #swap}. */
    X509Certificate leaf() {
        Material m = current.get();
        return m == null ? null : m.chain()[0];
    }

    private Material material(String alias) {
        for (Material m : new Material[] {current.get(), previous.get()}) {
            if (m != null && m.alias().equals(alias)) {
                return m;
            }
        }
        return null;
    }

    /** The current alias when the TLS stack asks for the current key's type ({@code EC}, {@code RSA}), else none. */
    private String alias(String keyType) {
        Material m = current.get();
        if (m == null || keyType == null) {
            return null;
        }
        return keyType.equals(m.key().getAlgorithm()) ? m.alias() : null;
    }

    X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return alias(keyType);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return alias(keyType);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                String alias = alias(keyType);
                return alias == null ? null : new String[] {alias};
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                Material m = material(alias);
                return m == null ? null : m.chain().clone();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                Material m = material(alias);
                return m == null ? null : m.key();
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return null;
            }
        };
    }
}
