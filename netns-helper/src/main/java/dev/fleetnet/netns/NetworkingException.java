package dev.fleetnet.netns;

/** A Linux network operation failed; the message says which operation, on what, and why. */
public class NetworkingException extends RuntimeException {
    public NetworkingException(String message) {
        super(message);
    }

    public NetworkingException(String message, Throwable cause) {
        super(message, cause);
    }
}
