package dev.fleetnet.controller.acme;

import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** acme4j signs, reads keys and builds CSRs through the "BC" provider; it is added once, last in the list. */
final class BouncyCastle {
    private BouncyCastle() {}

    static synchronized void ensure() {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }
}
