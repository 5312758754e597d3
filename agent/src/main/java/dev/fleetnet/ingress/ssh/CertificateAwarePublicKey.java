package dev.fleetnet.ingress.ssh;

import java.time.Instant;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * Public key authentication that tells the holder of an expired (or not yet valid) user
 * certificate why it is refused: MINA refuses such a certificate before any authenticator sees
 * it, so this looks at the offered key first and sends the reason as a banner, which OpenSSH
 * prints; the decision itself stays MINA's and {@link FleetAuthenticator}'s.
 */
final class CertificateAwarePublicKey extends UserAuthPublicKey {

    static final class Factory extends UserAuthPublicKeyFactory {
        @Override
        public UserAuthPublicKey createUserAuth(ServerSession session) {
            return new CertificateAwarePublicKey(getSignatureFactories());
        }
    }

    CertificateAwarePublicKey(java.util.List<org.apache.sshd.common.NamedFactory<org.apache.sshd.common.signature.Signature>> factories) {
        super(factories);
    }

    @Override
    public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
        OpenSshCertificate offered = peekCertificate(buffer);
        if (offered != null && !OpenSshCertificate.isValidNow(offered)) {
            Instant now = Instant.now();
            boolean early = now.isBefore(Instant.ofEpochSecond(offered.getValidAfter()));
            FleetAuthenticator.banner(getServerSession(), "fleetnet: certificate '" + offered.getId() + "' "
                    + (early ? "is not valid before " + Instant.ofEpochSecond(offered.getValidAfter())
                            : "expired at " + Instant.ofEpochSecond(offered.getValidBefore()))
                    + " (now " + now + "); run `fleetnet ssh issue` again");
        }
        return super.doAuth(buffer, init);
    }

    /** The user certificate the request offers, or null; the buffer is left as it was. */
    private static OpenSshCertificate peekCertificate(Buffer buffer) {
        int rpos = buffer.rpos();
        int wpos = buffer.wpos();
        try {
            buffer.getBoolean(); // has a signature
            buffer.getString(); // algorithm
            int length = buffer.getInt();
            buffer.wpos(buffer.rpos() + length);
            return buffer.getRawPublicKey() instanceof OpenSshCertificate c && c.getType() == OpenSshCertificate.Type.USER ? c : null;
        } catch (RuntimeException | java.io.IOException e) {
            return null; // not ours to judge: MINA refuses what it cannot read
        } finally {
            buffer.wpos(wpos);
            buffer.rpos(rpos);
        }
    }
}
