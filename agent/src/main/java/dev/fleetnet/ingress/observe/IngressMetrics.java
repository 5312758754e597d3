package dev.fleetnet.ingress.observe;

import dev.fleetnet.ingress.core.IngressObserver;
import dev.fleetnet.proto.v1.RouteCounters;
import dev.fleetnet.proto.v1.RouteProtocol;
import dev.fleetnet.routing.IngressState;
import dev.fleetnet.routing.RouteSpec;
import dev.fleetnet.routing.StreamRoute;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The ingress's Prometheus metrics, per route and protocol, fed by every front-end through
 * {@link IngressObserver}, plus per-host figures of the route table. Label values come from the
 * route table only ({@link RouteLabel#NONE} for requests no route took), so series stay bounded.
 * Thread-safe; the per-route series are looked up once and cached, so an event costs a map
 * lookup and a few atomic adds.
 */
public final class IngressMetrics implements IngressObserver {
    /** Latency buckets in seconds, shared by the exposition and the reported quantiles. */
    static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final String[] LABELS = {"route", "protocol", "owner"};
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = counter("fleetnet_ingress_requests", "HTTP requests answered (final responses)");
    private final Counter connections = counter("fleetnet_ingress_connections", "TCP and TLS passthrough connections accepted");
    private final Counter responses = Counter.builder().name("fleetnet_ingress_responses")
            .help("HTTP final responses by status class").labelNames("route", "protocol", "owner", "status_class").register(registry);
    private final Histogram duration = Histogram.builder().name("fleetnet_ingress_duration_seconds")
            .help("HTTP request (head to end of response) or connection (accept to close) duration")
            .labelNames(LABELS).classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    private final Counter bytesIn = counter("fleetnet_ingress_received_bytes", "Bytes from clients (HTTP: request bodies)");
    private final Counter bytesOut = counter("fleetnet_ingress_sent_bytes", "Bytes to clients (HTTP: response bodies)");
    private final Gauge open = Gauge.builder().name("fleetnet_ingress_open_connections")
            .help("TCP and TLS passthrough connections open now").labelNames(LABELS).register(registry);
    private final Counter connectFailures = counter("fleetnet_ingress_upstream_connect_failures",
            "Connections to a route's machine that failed (refused, timed out)");
    private final Gauge routes = Gauge.builder().name("fleetnet_ingress_routes").help("Explicit routes in the route table")
            .register(registry);
    private final Gauge machines = Gauge.builder().name("fleetnet_ingress_machines").help("Machines in the route table")
            .register(registry);
    private final Gauge viewRevision = Gauge.builder().name("fleetnet_ingress_view_revision")
            .help("Revision of the last view the ingress applied").register(registry);
    private final ConcurrentHashMap<RouteLabel, Series> series = new ConcurrentHashMap<>();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).labelNames(LABELS).register(registry);
    }

    /** The data points of one route, resolved once. */
    private final class Series {
        final RouteLabel label;
        final CounterDataPoint requests;
        final CounterDataPoint connections;
        final CounterDataPoint[] statusClasses = new CounterDataPoint[STATUS_CLASSES.length];
        final DistributionDataPoint duration;
        final CounterDataPoint bytesIn;
        final CounterDataPoint bytesOut;
        final GaugeDataPoint open;
        final CounterDataPoint connectFailures;
        /** The same observations as {@link #duration}, for the reported quantiles (last slot: +Inf). */
        final AtomicLongArray buckets = new AtomicLongArray(LATENCY_BOUNDS.length + 1);

        Series(RouteLabel l) {
            label = l;
            requests = IngressMetrics.this.requests.labelValues(l.route(), l.protocol(), l.owner());
            connections = IngressMetrics.this.connections.labelValues(l.route(), l.protocol(), l.owner());
            for (int i = 0; i < STATUS_CLASSES.length; i++) {
                statusClasses[i] = responses.labelValues(l.route(), l.protocol(), l.owner(), STATUS_CLASSES[i]);
            }
            duration = IngressMetrics.this.duration.labelValues(l.route(), l.protocol(), l.owner());
            bytesIn = IngressMetrics.this.bytesIn.labelValues(l.route(), l.protocol(), l.owner());
            bytesOut = IngressMetrics.this.bytesOut.labelValues(l.route(), l.protocol(), l.owner());
            open = IngressMetrics.this.open.labelValues(l.route(), l.protocol(), l.owner());
            connectFailures = IngressMetrics.this.connectFailures.labelValues(l.route(), l.protocol(), l.owner());
        }

        void observe(long nanos) {
            double seconds = nanos / 1e9;
            duration.observe(seconds);
            int i = 0;
            while (i < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[i]) {
                i++;
            }
            buckets.incrementAndGet(i);
        }
    }

    private Series series(RouteLabel label) {
        Series s = series.get(label);
        return s != null ? s : series.computeIfAbsent(label, Series::new);
    }

    @Override
    public void request(RequestRecord record) {
        Series s = series(record.route());
        s.requests.inc();
        int statusClass = record.status() / 100;
        if (statusClass >= 1 && statusClass <= 5) {
            s.statusClasses[statusClass - 1].inc();
        }
        s.observe(record.durationNanos());
        if (record.bytesIn() > 0) {
            s.bytesIn.inc(record.bytesIn());
        }
        if (record.bytesOut() > 0) {
            s.bytesOut.inc(record.bytesOut());
        }
    }

    @Override
    public void connectionOpened(RouteLabel route) {
        Series s = series(route);
        s.connections.inc();
        s.open.inc();
    }

    @Override
    public void connectionClosed(ConnectionRecord record) {
        Series s = series.get(record.route());
        if (s == null) { // the route went with the view that closed this connection; its series went with it
            return;
        }
        s.open.dec();
        s.observe(record.durationNanos());
        if (record.bytesIn() > 0) {
            s.bytesIn.inc(record.bytesIn());
        }
        if (record.bytesOut() > 0) {
            s.bytesOut.inc(record.bytesOut());
        }
    }

    @Override
    public void upstreamConnectFailed(RouteLabel route) {
        series(route).connectFailures.inc();
    }

    /**
     * After the ingress applied a view: its revision and the size of the table it serves now; the
     * series of routes that are gone (or changed owner) and of machines that went are dropped, so
     * the exposition and the status report follow the table instead of growing with every route
     * that ever existed. What a dropped route still reports (its last relays closing) is not counted.
     */
    public void viewApplied(long revision, IngressState state) {
        viewRevision.set(revision);
        routes.set(state.routes().size());
        machines.set(state.machines().size());
        Set<RouteLabel> live = new HashSet<>();
        live.add(RouteLabel.NONE);
        for (RouteSpec r : state.routes().values()) {
            live.add(RouteLabel.of(r));
        }
        for (StreamRoute r : state.streams().values()) {
            live.add(RouteLabel.of(r));
        }
        for (String machine : state.machines().keySet()) {
            live.add(RouteLabel.machine(machine));
        }
        for (RouteLabel label : List.copyOf(series.keySet())) {
            if (!live.contains(label)) {
                forget(label);
            }
        }
    }

    private void forget(RouteLabel l) {
        if (series.remove(l) == null) {
            return;
        }
        String[] values = {l.route(), l.protocol(), l.owner()};
        for (Counter c : List.of(requests, connections, bytesIn, bytesOut, connectFailures)) {
            c.remove(values);
        }
        for (String statusClass : STATUS_CLASSES) {
            responses.remove(l.route(), l.protocol(), l.owner(), statusClass);
        }
        duration.remove(values);
        open.remove(values);
    }

    /** Exposes {@code dropped} (the access log's lines lost to a full queue) as {@code fleetnet_access_log_dropped_total}. */
    public void accessLogDrops(LongSupplier dropped) {
        CounterWithCallback.builder().name("fleetnet_access_log_dropped").help("Access log lines dropped because the queue was full")
                .callback(cb -> cb.call(dropped.getAsLong())).register(registry);
    }

    /** Writes every metric in the Prometheus text format (version 0.0.4). */
    public void writeText(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** The figures of every route that saw traffic (requests no route took excluded), for the status report. */
    public List<RouteCounters> routeCounters() {
        List<RouteCounters> all = new ArrayList<>();
        for (Series s : series.values()) {
            if (s.label.route().isEmpty()) {
                continue;
            }
            long[] counts = new long[s.buckets.length()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = s.buckets.get(i);
            }
            RouteCounters.Builder c = RouteCounters.newBuilder().setRoute(s.label.route()).setProtocol(protocol(s.label.protocol()))
                    .setRequests(s.requests.getLongValue() + s.connections.getLongValue())
                    .setBytesIn(s.bytesIn.getLongValue()).setBytesOut(s.bytesOut.getLongValue())
                    .setOpenConnections(Math.max(0, (long) s.open.get()))
                    .setUpstreamConnectFailures(s.connectFailures.getLongValue())
                    .setLatencyP50Ms(Quantiles.estimate(LATENCY_BOUNDS, counts, 0.5) * 1000)
                    .setLatencyP99Ms(Quantiles.estimate(LATENCY_BOUNDS, counts, 0.99) * 1000);
            for (int i = 0; i < STATUS_CLASSES.length; i++) {
                long n = s.statusClasses[i].getLongValue();
                if (n > 0) {
                    c.putStatusClasses(STATUS_CLASSES[i], n);
                }
            }
            all.add(c.build());
        }
        all.sort(java.util.Comparator.comparing(RouteCounters::getRoute).thenComparing(RouteCounters::getProtocolValue));
        return all;
    }

    static RouteProtocol protocol(String label) {
        return switch (label) {
            case "tcp" -> RouteProtocol.ROUTE_PROTOCOL_TCP;
            case "tls", "tls-passthrough", "tls_passthrough" -> RouteProtocol.ROUTE_PROTOCOL_TLS_PASSTHROUGH;
            default -> RouteProtocol.ROUTE_PROTOCOL_HTTP;
        };
    }
}
