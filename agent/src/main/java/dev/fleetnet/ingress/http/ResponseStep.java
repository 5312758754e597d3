package dev.fleetnet.ingress.http;

/** What one part of a machine's response did to its exchange, as a response relay tells the proxy. */
enum ResponseStep {
    /** Relayed (or an interim response dropped): more of the response is to come. */
    MORE,
    /** The response's last part went to the client (flushed): the exchange is done. */
    COMPLETE,
    /** The machine agreed to the client's WebSocket upgrade: the client's 101 head waits in the exchange's pending bytes. */
    SWITCHED,
    /** The machine switched protocols (101) without being asked to: nothing of it went to the client. */
    UNASKED_SWITCH,
    /** The machine's response could not be parsed: nothing of it went to the client. */
    INVALID
}
