package dev.fleetnet.agent.policy;

import java.util.List;

/**
 * One rule: all {@code matches} hold, then {@code verdict} (null: a rule read back without one of
 * fleetnet's verdicts). The {@code comment} names the rule (and the mesh interface where it
 * matters), so reports say which rule was missing, unexpected or changed; "" for none.
 */
public record Rule(List<Match> matches, Verdict verdict, String comment) {
    /** nft keeps at most 128 bytes of a rule comment. */
    public static final int MAX_COMMENT = 128;

    public Rule {
        matches = List.copyOf(matches);
        if (comment == null || comment.length() > MAX_COMMENT || comment.contains("\"")) {
            throw new IllegalArgumentException("rule comment: '" + comment + "' (expected: 0.." + MAX_COMMENT + " characters, no '\"')");
        }
    }

    public static Rule of(String comment, Verdict verdict, Match... matches) {
        return new Rule(List.of(matches), verdict, comment);
    }

    /** What happens to a packet that matches. */
    public enum Verdict {
        ACCEPT, DROP
    }
}
