package dev.fleetnet.agent.identity;

import dev.fleetnet.identity.HostNames;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** This host's key (generated here, never sent anywhere) and the certificate the host CA issued for it. */
public record HostCredentials(PrivateKey key, X509Certificate certificate) {
    public KeyPair keyPair() {
        return new KeyPair(certificate.getPublicKey(), key);
    }

    public String hostName() {
        return HostNames.hostOf(certificate);
    }

    public String serial() {
        return HostNames.serial(certificate);
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** True once less than a third of the certificate's life is left: time to ask for a new one. */
    public boolean renewalDue(Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Duration life = Duration.between(notBefore, notAfter());
        return !now.isBefore(notBefore.plus(life.multipliedBy(2).dividedBy(3)));
    }
}
