package dev.fleetnet.ingress.h2;

import dev.fleetnet.ingress.core.IngressObserver;

/**
 * The HTTP/2 front-end's limits beyond the ones it shares with HTTP/1.1 (header size, idle
 * timeout), and who hears about every stream. A client breaking a connection-level limit
 * gets GOAWAY and the close.
 */
public record H2Options(IngressObserver observer, int maxConcurrentStreams, int maxRstFramesPerWindow,
        int rstWindowSeconds, int maxSmallContinuationFrames, int maxConsecutiveEmptyDataFrames) {

    public H2Options {
        if (maxConcurrentStreams <= 0) {
            throw new IllegalArgumentException("max concurrent streams: " + maxConcurrentStreams + " (expected: > 0)");
        }
        if (maxRstFramesPerWindow <= 0 || rstWindowSeconds <= 0) {
            throw new IllegalArgumentException("RST_STREAM limit: " + maxRstFramesPerWindow + " per " + rstWindowSeconds
                    + " s (expected: both > 0)");
        }
    }

    /** 100 streams, 200 RST_STREAM per 30 s (rapid reset), 16 small CONTINUATION frames, 2 empty DATA frames in a row. */
    public static H2Options defaults() {
        return defaults(IngressObserver.NONE);
    }

    public static H2Options defaults(IngressObserver observer) {
        return new H2Options(observer, 100, 200, 30, 16, 2);
    }

    public H2Options withObserver(IngressObserver v) {
        return new H2Options(v, maxConcurrentStreams, maxRstFramesPerWindow, rstWindowSeconds, maxSmallContinuationFrames,
                maxConsecutiveEmptyDataFrames);
    }

    public H2Options withMaxConcurrentStreams(int v) {
        return new H2Options(observer, v, maxRstFramesPerWindow, rstWindowSeconds, maxSmallContinuationFrames,
                maxConsecutiveEmptyDataFrames);
    }

    public H2Options withMaxRstFramesPerWindow(int v, int seconds) {
        return new H2Options(observer, maxConcurrentStreams, v, seconds, maxSmallContinuationFrames,
                maxConsecutiveEmptyDataFrames);
    }
}
