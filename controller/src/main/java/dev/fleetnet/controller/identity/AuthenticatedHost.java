package dev.fleetnet.controller.identity;

import io.grpc.Context;

/**
 * The host a call on the agent channel speaks for, from its client certificate: its name, its
 * key's SHA-256 and the certificate's serial. A session reads it from the call's context and
 * never from anything the agent sends.
 */
public record AuthenticatedHost(String name, String keySha256, String serial) {
    /** Set by {@link HostAuthInterceptor} on every authenticated call. */
    public static final Context.Key<AuthenticatedHost> KEY = Context.key("fleetnet-authenticated-host");
}
