package dev.fleetnet.ingress.tls;

import dev.fleetnet.proto.v1.AcmeChallenge;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The pending ACME HTTP-01 challenges of a view, by token: what the cleartext listener answers
 * at {@code /.well-known/acme-challenge/{token}}. Immutable; pure.
 */
public final class AcmeChallenges {
    public static final String PATH_PREFIX = "/.well-known/acme-challenge/";
    public static final AcmeChallenges NONE = new AcmeChallenges(Map.of());

    private final Map<String, AcmeChallenge> byToken;

    private AcmeChallenges(Map<String, AcmeChallenge> byToken) {
        this.byToken = Map.copyOf(byToken);
    }

    public static AcmeChallenges of(Collection<AcmeChallenge> challenges) {
        Map<String, AcmeChallenge> byToken = new HashMap<>();
        for (AcmeChallenge c : challenges) {
            if (!c.getToken().isEmpty()) {
                byToken.put(c.getToken(), c);
            }
        }
        return new AcmeChallenges(byToken);
    }

    /**
     * The key authorization to answer for {@code token} asked on {@code host} (no port, any case),
     * or empty when the token is unknown or was issued for another hostname.
     */
    public Optional<String> keyAuthorization(String token, String host) {
        AcmeChallenge c = byToken.get(token);
        if (c == null || host == null || !c.getHostname().toLowerCase(Locale.ROOT).equals(stripDot(host.toLowerCase(Locale.ROOT)))) {
            return Optional.empty();
        }
        return Optional.of(c.getKeyAuthorization());
    }

    public int size() {
        return byToken.size();
    }

    private static String stripDot(String h) {
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
