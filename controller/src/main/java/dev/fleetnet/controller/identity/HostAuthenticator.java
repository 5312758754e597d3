package dev.fleetnet.controller.identity;

import dev.fleetnet.controller.identity.JoinRefused.Kind;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.RevokedCertificate;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Instant;

/**
 * Decides at each stream start whether a client certificate speaks for a host: it must pass
 * {@link HostCertificateCheck}, not be on the revocation list, and carry the key the host's
 * identity pins (a re-keyed host's old certificate is refused), for a host not revoked. Reads
 * etcd each time, so a revocation holds from the moment it is written.
 */
public final class HostAuthenticator {
    private final IdentityStore store;
    private final HostCa ca;
    private final Clock clock;

    public HostAuthenticator(IdentityStore store, HostCa ca, Clock clock) {
        this.store = store;
        this.ca = ca;
        this.clock = clock;
    }

    public AuthenticatedHost authenticate(Certificate[] chain) throws JoinRefused {
        Instant now = clock.instant();
        HostCertificateCheck.Presented presented = HostCertificateCheck.check(chain, ca.certificate(), now);
        String host = presented.host();
        RevokedCertificate revoked = store.revoked(presented.serial());
        if (revoked != null) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "host '" + host + "': certificate serial " + presented.serial()
                    + " was revoked at " + Instant.ofEpochSecond(revoked.getRevokedEpochSeconds())
                    + " (expected: a certificate not on the revocation list; the host joins again with a new key after"
                    + " `fleetnet host rekey " + host + "` or with a token created with --host " + host + ")");
        }
        HostIdentity identity = store.identity(host).value();
        if (identity == null) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "host '" + host + "': no identity in this fleet (expected: a host"
                    + " that joined this fleet with a join token)");
        }
        if (identity.getRevokedEpochSeconds() != 0) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "host '" + host + "': revoked at "
                    + Instant.ofEpochSecond(identity.getRevokedEpochSeconds()) + " (expected: a host not revoked; it joins"
                    + " again with a new key after `fleetnet host rekey " + host + "` or with a token created with --host "
                    + host + ")");
        }
        if (!identity.getKeySha256().equals(presented.keySha256())) {
            throw new JoinRefused(Kind.UNAUTHENTICATED, "host '" + host + "': certificate key "
                    + JoinPolicy.shortKey(presented.keySha256()) + " is not the host's key "
                    + JoinPolicy.shortKey(identity.getKeySha256()) + " (expected: the certificate of the host's latest join;"
                    + " another key joined under this name since)");
        }
        return new AuthenticatedHost(host, presented.keySha256(), presented.serial());
    }
}
