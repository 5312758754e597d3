package dev.fleetnet.agent;

import dev.fleetnet.ingress.observe.AccessLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reopens the access log file, as logrotate expects ({@code postrotate: kill -HUP}). The
 * JVM would otherwise treat SIGHUP as a request to exit; with an access log file it no longer does.
 */
final class AccessLogRotation {
    private static final Logger log = LoggerFactory.getLogger(AccessLogRotation.class);

    private AccessLogRotation() {}

    @SuppressWarnings("restriction")
    static void reopenOnHangup(AccessLog accessLog) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> accessLog.reopen());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // e.g. the JVM runs with -Xrs, or the signal is taken: rotation then needs copytruncate
            log.warn("access log: SIGHUP cannot be handled here ({}); rotate it with copytruncate", e.getMessage());
        }
    }
}
