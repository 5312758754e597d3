package dev.fleetnet.ingress.core;

import java.util.Arrays;
import java.util.List;

/** Composes observers: every event goes to each of them, in order. */
public final class Observers {
    private Observers() {}

    /** One observer reporting to all of {@code observers} ({@link IngressObserver#NONE} ones are left out). */
    public static IngressObserver of(IngressObserver... observers) {
        List<IngressObserver> all = Arrays.stream(observers).filter(o -> o != null && o != IngressObserver.NONE).toList();
        if (all.isEmpty()) {
            return IngressObserver.NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        IngressObserver[] each = all.toArray(IngressObserver[]::new);
        return new IngressObserver() {
            @Override
            public void request(RequestRecord record) {
                for (IngressObserver o : each) {
                    o.request(record);
                }
            }

            @Override
            public void connectionOpened(RouteLabel route) {
                for (IngressObserver o : each) {
                    o.connectionOpened(route);
                }
            }

            @Override
            public void connectionClosed(ConnectionRecord record) {
                for (IngressObserver o : each) {
                    o.connectionClosed(record);
                }
            }

            @Override
            public void upstreamConnectFailed(RouteLabel route) {
                for (IngressObserver o : each) {
                    o.upstreamConnectFailed(route);
                }
            }
        };
    }
}
