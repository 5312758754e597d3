package dev.fleetnet.controller.identity;

import io.grpc.Status;

/** A join or a control stream refused, with the reason for the agent's log and the operator's. */
public final class JoinRefused extends Exception {
    /** What the refusal is about: who the caller is (a token, a certificate), or what it asked for. */
    public enum Kind {
        /** The token or certificate does not prove who the caller is. */
        UNAUTHENTICATED,
        /** The caller is known but may not do this (a token for another host, a host name already taken). */
        PERMISSION_DENIED;

        Status status() {
            return this == UNAUTHENTICATED ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED;
        }
    }

    private final Kind kind;

    public JoinRefused(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public Status status() {
        return kind.status().withDescription(getMessage());
    }
}
