package dev.fleetnet.controller.control;

import dev.fleetnet.proto.v1.HostRouteCounters;
import dev.fleetnet.proto.v1.RouteCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest route counters each connected host reported with its machine status. Memory only:
 * they are live figures, never written to etcd, and a host's go when its session ends.
 * Thread-safe: sessions write, the route API reads.
 */
public final class RouteCountersBoard {
    /** One host's last report; {@code session} tells a reconnected host's report from its old session's. */
    private record Reported(Object session, long atEpochMillis, Map<String, RouteCounters> routes) {}

    private final ConcurrentHashMap<String, Reported> byHost = new ConcurrentHashMap<>();

    /** Replaces what {@code host} reported before (its report is whole). */
    public void record(String host, Object session, List<RouteCounters> routes, long atEpochMillis) {
        Map<String, RouteCounters> byRoute = new HashMap<>();
        for (RouteCounters r : routes) {
            byRoute.merge(r.getRoute(), r, RouteCountersBoard::sum);
        }
        byHost.put(host, new Reported(session, atEpochMillis, Map.copyOf(byRoute)));
    }

    /** The session ended: its host's figures go, unless a newer session of the host reported since. */
    public void forget(String host, Object session) {
        byHost.computeIfPresent(host, (h, r) -> r.session() == session ? null : r);
    }

    /** One entry per host that reported {@code routeKey}, by host name. */
    public List<HostRouteCounters> forRoute(String routeKey) {
        List<HostRouteCounters> all = new ArrayList<>();
        byHost.forEach((host, reported) -> {
            RouteCounters counters = reported.routes().get(routeKey);
            if (counters != null) {
                all.add(HostRouteCounters.newBuilder().setHost(host).setCounters(counters)
                        .setReportedAtEpochMillis(reported.atEpochMillis()).build());
            }
        });
        all.sort(java.util.Comparator.comparing(HostRouteCounters::getHost));
        return all;
    }

    /** The same route key under two protocols (never expected): counts added, the larger latencies kept. */
    private static RouteCounters sum(RouteCounters a, RouteCounters b) {
        RouteCounters.Builder s = a.toBuilder().setRequests(a.getRequests() + b.getRequests())
                .setBytesIn(a.getBytesIn() + b.getBytesIn()).setBytesOut(a.getBytesOut() + b.getBytesOut())
                .setOpenConnections(a.getOpenConnections() + b.getOpenConnections())
                .setUpstreamConnectFailures(a.getUpstreamConnectFailures() + b.getUpstreamConnectFailures())
                .setLatencyP50Ms(Math.max(a.getLatencyP50Ms(), b.getLatencyP50Ms()))
                .setLatencyP99Ms(Math.max(a.getLatencyP99Ms(), b.getLatencyP99Ms()));
        b.getStatusClassesMap().forEach((k, v) -> s.putStatusClasses(k, a.getStatusClassesOrDefault(k, 0) + v));
        return s.build();
    }
}
