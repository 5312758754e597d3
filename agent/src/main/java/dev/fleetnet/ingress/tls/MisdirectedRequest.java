package dev.fleetnet.ingress.tls;

/**
 * A request on a TLS connection for another hostname than the connection's server name (SNI):
 * answered 421 Misdirected Request and never forwarded (RFC 9110 15.5.20).
 */
public final class MisdirectedRequest extends RuntimeException {
    public MisdirectedRequest(String serverName, String host) {
        super("misdirected request: Host '" + host + "' on a TLS connection for '" + serverName
                + "' (expected: the same hostname as the TLS server name; open a new connection for another)", null, false, false);
    }
}
