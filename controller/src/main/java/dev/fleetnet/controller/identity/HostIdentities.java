package dev.fleetnet.controller.identity;

import com.google.protobuf.ByteString;
import dev.fleetnet.controller.identity.IdentityStore.Versioned;
import dev.fleetnet.controller.identity.JoinRefused.Kind;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.core.Names;
import dev.fleetnet.identity.HostCsr;
import dev.fleetnet.identity.HostNames;
import dev.fleetnet.identity.JoinTokens;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.JoinToken;
import dev.fleetnet.proto.v1.RevokedCertificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What can happen to host identities, each a read-decide-commit loop over {@link IdentityStore}:
 * tokens created, hosts joined, certificates renewed, hosts re-keyed and revoked. A refusal is
 * decided before anything is written, and writes nothing.
 */
public final class HostIdentities {
    private static final Logger log = LoggerFactory.getLogger(HostIdentities.class);
    private static final int MAX_ATTEMPTS = 50;
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(1);
    public static final Duration MAX_TOKEN_TTL = Duration.ofDays(365);
    public static final int MAX_TOKEN_USES = 1000;
    private final IdentityStore store;
    private final HostCa ca;
    private final Clock clock;

    public HostIdentities(IdentityStore store, HostCa ca, Clock clock) {
        this.store = store;
        this.ca = ca;
        this.clock = clock;
    }

    public IdentityStore store() {
        return store;
    }

    public HostCa ca() {
        return ca;
    }

    /** A token that was just created: its text (shown once) and what is stored of it. */
    public record CreatedToken(JoinTokens.Token token, JoinToken stored) {}

    /** A new token for {@code host} (empty: any), valid {@code ttl} (zero: an hour), for {@code uses} joins (zero: one). */
    public CreatedToken createToken(String host, Duration ttl, int uses) {
        if (!host.isEmpty()) {
            Names.check("host", host);
        }
        Duration lifetime = ttl.isZero() ? DEFAULT_TOKEN_TTL : ttl;
        if (lifetime.isNegative() || lifetime.compareTo(MAX_TOKEN_TTL) > 0) {
            throw new IllegalArgumentException("ttl: " + lifetime.toSeconds() + "s (expected: 1s..365d)");
        }
        int allowed = uses == 0 ? 1 : uses;
        if (allowed < 0 || allowed > MAX_TOKEN_USES) {
            throw new IllegalArgumentException("uses: " + uses + " (expected: 1.." + MAX_TOKEN_USES + ")");
        }
        Instant now = clock.instant();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            JoinTokens.Token token = JoinTokens.generate();
            JoinToken stored = JoinToken.newBuilder().setId(token.id()).setSecretSha256(ByteString.copyFrom(token.secretSha256()))
                    .setHost(host).setCreatedEpochSeconds(now.getEpochSecond())
                    .setExpiresEpochSeconds(now.plus(lifetime).getEpochSecond()).setUses(allowed).build();
            if (store.createToken(stored)) {
                log.info("join token {} created: host {}, {} use(s), expires {}", token.id(), host.isEmpty() ? "any" : host,
                        allowed, Instant.ofEpochSecond(stored.getExpiresEpochSeconds()));
                return new CreatedToken(token, stored);
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "could not find a free join token id; try again");
    }

    /**
     * Joins {@code request}'s host with its key, spending one use of {@code token}; returns the
     * host certificate. {@code from} is the caller, for the log.
     */
    public X509Certificate join(HostCsr.Request request, JoinTokens.Token token, String from) throws JoinRefused {
        String host = request.hostName();
        String key = HostNames.keySha256(request.publicKey());
        JoinPolicy.Attempt attempt = new JoinPolicy.Attempt(host, key, token.id(), token.secretSha256());
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Instant now = clock.instant();
            Versioned<JoinToken> stored = store.token(token.id());
            Versioned<HostIdentity> before = store.identity(host);
            try {
                JoinPolicy.check(attempt, stored.value(), before.value(), now);
            } catch (JoinRefused e) {
                log.warn("join refused for host '{}' from {}: {}", host, from, e.getMessage());
                throw e;
            }
            X509Certificate certificate = ca.issueHost(host, request.publicKey(), now);
            HostIdentity after = HostIdentity.newBuilder().setHost(host).setKeySha256(key)
                    .setCertificateSerial(HostNames.serial(certificate)).setIssuedEpochSeconds(now.getEpochSecond())
                    .setNotAfterEpochSeconds(certificate.getNotAfter().toInstant().getEpochSecond()).setTokenId(token.id()).build();
            if (store.commitJoin(stored, JoinPolicy.spend(stored.value()), before, after)) {
                boolean replaced = before.present() && !before.value().getKeySha256().equals(key);
                log.info("host {} joined from {} with join token {} ({}), key {}, certificate serial {} until {}", host, from,
                        token.id(), !before.present() ? "first join" : replaced ? "its key replaced "
                                + JoinPolicy.shortKey(before.value().getKeySha256()) : "same key", JoinPolicy.shortKey(key),
                        after.getCertificateSerial(), certificate.getNotAfter().toInstant());
                return certificate;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "host '" + host + "' or join token " + token.id()
                + " kept changing while joining; try again");
    }

    /** A fresh certificate for {@code host}'s own pinned key (its session asked, with a request for that key). */
    public X509Certificate renew(AuthenticatedHost host, HostCsr.Request request) throws JoinRefused {
        String key = HostNames.keySha256(request.publicKey());
        if (!request.hostName().equals(host.name()) || !key.equals(host.keySha256())) {
            throw new JoinRefused(Kind.PERMISSION_DENIED, "certificate renewal: request for host '" + request.hostName()
                    + "' and key " + JoinPolicy.shortKey(key) + " (expected: this host, '" + host.name() + "', and its key "
                    + JoinPolicy.shortKey(host.keySha256()) + ")");
        }
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Versioned<HostIdentity> before = store.identity(host.name());
            if (!before.present() || before.value().getRevokedEpochSeconds() != 0 || !before.value().getKeySha256().equals(key)) {
                throw new JoinRefused(Kind.PERMISSION_DENIED, "certificate renewal: host '" + host.name()
                        + "' was revoked or re-keyed (expected: a host whose identity still pins this key)");
            }
            Instant now = clock.instant();
            X509Certificate certificate = ca.issueHost(host.name(), request.publicKey(), now);
            HostIdentity after = before.value().toBuilder().setCertificateSerial(HostNames.serial(certificate))
                    .setIssuedEpochSeconds(now.getEpochSecond())
                    .setNotAfterEpochSeconds(certificate.getNotAfter().toInstant().getEpochSecond()).build();
            if (store.updateIdentity(before, after)) {
                log.info("host {}: certificate renewed, serial {} until {}", host.name(), after.getCertificateSerial(),
                        certificate.getNotAfter().toInstant());
                return certificate;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "host '" + host.name() + "' kept changing while renewing; try again");
    }

    /** Lets the next join under {@code host} bring another key. */
    public HostIdentity rekey(String host) {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Versioned<HostIdentity> before = requireIdentity(host);
            if (before.value().getRekeyAllowed()) {
                return before.value();
            }
            HostIdentity after = before.value().toBuilder().setRekeyAllowed(true).build();
            if (store.updateIdentity(before, after)) {
                log.info("host {}: re-keying allowed; the next join under this name may bring another key", host);
                return after;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "host '" + host + "' kept changing; try again");
    }

    /**
     * Revokes {@code host}: its identity marked revoked (re-keying no longer allowed), its
     * certificate on the revocation list, the unspent tokens bound to it deleted. Sessions and
     * views follow from the identity's change (see {@code AgentSession}, {@code HostViews}).
     */
    public HostIdentity revoke(String host) {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Versioned<HostIdentity> before = requireIdentity(host);
            if (before.value().getRevokedEpochSeconds() != 0) {
                return before.value();
            }
            Instant now = clock.instant();
            HostIdentity after = before.value().toBuilder().setRevokedEpochSeconds(now.getEpochSecond()).setRekeyAllowed(false).build();
            RevokedCertificate entry = RevokedCertificate.newBuilder().setSerial(after.getCertificateSerial()).setHost(host)
                    .setKeySha256(after.getKeySha256()).setRevokedEpochSeconds(now.getEpochSecond())
                    .setNotAfterEpochSeconds(after.getNotAfterEpochSeconds()).build();
            List<String> bound = store.tokens().stream().filter(t -> t.getHost().equals(host)).map(JoinToken::getId).toList();
            if (store.commitRevoke(before, after, entry, bound)) {
                log.warn("host {} revoked: certificate serial {} (key {}) refused from now on, {} token(s) bound to it deleted",
                        host, entry.getSerial(), JoinPolicy.shortKey(entry.getKeySha256()), bound.size());
                return after;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "host '" + host + "' kept changing; try again");
    }

    public HostIdentity identity(String host) {
        return requireIdentity(host).value();
    }

    private Versioned<HostIdentity> requireIdentity(String host) {
        Names.check("host name", host);
        Versioned<HostIdentity> identity = store.identity(host);
        if (!identity.present()) {
            throw new FleetException(FleetException.Kind.NOT_FOUND, "host identity: '" + host + "' not found (expected: one of "
                    + store.identities().stream().map(HostIdentity::getHost).toList() + ", the hosts that joined with a token)");
        }
        return identity;
    }

    /** What {@link #sweep} removed. */
    public record Swept(int tokens, int revocations) {}

    /**
     * Removes the join tokens and revocation list entries that have done their work ({@link
     * IdentityRetention}), so that etcd does not grow with every join and revocation. A token
     * that changed since it was read is left for the next sweep. Any controller may run it.
     */
    public Swept sweep() {
        Instant now = clock.instant();
        int tokens = 0;
        for (Versioned<JoinToken> token : store.versionedTokens()) {
            if (IdentityRetention.tokenDone(token.value(), now) && store.deleteTokenIfUnchanged(token.value().getId(), token.modRevision())) {
                tokens++;
            }
        }
        int revocations = 0;
        for (RevokedCertificate entry : store.revokedCertificates()) {
            if (IdentityRetention.revocationDone(entry, now) && store.deleteRevoked(entry.getSerial())) {
                revocations++;
            }
        }
        if (tokens + revocations > 0) {
            log.info("identity sweep: {} join token(s) expired more than {} ago and {} revocation(s) of certificates expired more "
                    + "than {} ago removed", tokens, IdentityRetention.TOKEN_AUDIT, revocations, IdentityRetention.REVOCATION_MARGIN);
        }
        return new Swept(tokens, revocations);
    }
}
