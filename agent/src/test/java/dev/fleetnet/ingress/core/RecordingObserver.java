package dev.fleetnet.ingress.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Keeps every report of the stream front-ends, for tests. */
public final class RecordingObserver implements IngressObserver {
    public final List<RouteLabel> opened = new CopyOnWriteArrayList<>();
    public final List<ConnectionRecord> closed = new CopyOnWriteArrayList<>();
    public final List<RouteLabel> connectFailed = new CopyOnWriteArrayList<>();
    /** Runs on the reporting thread (the event loop) after each closed connection is recorded. */
    public volatile Consumer<ConnectionRecord> afterClosed = record -> {};

    @Override
    public void connectionOpened(RouteLabel route) {
        opened.add(route);
    }

    @Override
    public void connectionClosed(ConnectionRecord record) {
        closed.add(record);
        afterClosed.accept(record);
    }

    @Override
    public void upstreamConnectFailed(RouteLabel route) {
        connectFailed.add(route);
    }
}
