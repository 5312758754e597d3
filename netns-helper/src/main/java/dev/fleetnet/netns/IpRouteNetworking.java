package dev.fleetnet.netns;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@link LinuxNetworking} on iproute2: reads parse {@code ip -j}, writes run {@code ip}. The only
 * class that knows iproute2 is underneath. A write that fails is still a success when the state
 * it asked for holds afterwards (the link or address existed, the route was already gone).
 */
public final class IpRouteNetworking implements LinuxNetworking {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private final String home;

    /** Where calls with a {@code null} namespace act: a named namespace, or {@code null} for this process's own. */
    public record Config(String homeNamespace) {
        public Config {
            if (homeNamespace != null) {
                LinuxNames.requireNamespace(homeNamespace);
            }
        }
    }

    public IpRouteNetworking(Config config) {
        this.home = config.homeNamespace();
    }

    /** Acts on this process's own network namespace. */
    public static IpRouteNetworking inOwnNamespace() {
        return new IpRouteNetworking(new Config(null));
    }

    /** Acts on the named namespace whenever a call passes {@code null}. */
    public static IpRouteNetworking inNamespace(String home) {
        return new IpRouteNetworking(new Config(home));
    }

    @Override
    public List<String> namespaces() {
        if (!Files.isDirectory(NETNS_DIR)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(NETNS_DIR)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new NetworkingException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void createNamespace(String name) {
        change(List.of("ip", "netns", "add", LinuxNames.requireNamespace(name)), () -> exists(name));
    }

    @Override
    public void deleteNamespace(String name) {
        if (exists(LinuxNames.requireNamespace(name))) {
            killProcesses(name);
            // The kernel tears a namespace down later, in the background; deleting its veths now
            // makes their peers elsewhere vanish before this returns, so the next read is true.
            for (Link link : links(name)) {
                if (link.kind().equals("veth")) {
                    deleteLink(name, link.name());
                }
            }
            change(List.of("ip", "netns", "delete", name), () -> !exists(name));
        }
    }

    @Override
    public List<Integer> processes(String namespace) {
        if (!exists(LinuxNames.requireNamespace(namespace))) {
            return List.of();
        }
        long self = ProcessHandle.current().pid();
        return Command.check(List.of("ip", "netns", "pids", namespace)).lines().map(String::strip)
                .filter(l -> !l.isEmpty()).map(Integer::valueOf).filter(pid -> pid != self).toList();
    }

    @Override
    public void killProcesses(String namespace) {
        long deadline = System.nanoTime() + KILL_TIMEOUT.toNanos();
        for (List<Integer> pids = processes(namespace); !pids.isEmpty(); pids = processes(namespace)) {
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            if (System.nanoTime() > deadline) {
                throw new NetworkingException("namespace " + namespace + ": processes " + pids + " still alive "
                        + KILL_TIMEOUT.toSeconds() + "s after SIGKILL (expected: none left)");
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // polling for the kernel to reap them
        }
    }

    @Override
    public List<Link> links(String namespace) {
        return parseLinks(Command.check(ip(namespace, "-d", "-j", "link", "show")));
    }

    @Override
    public void addVeth(String name, String peerName, String peerNamespace) {
        List<String> argv = ip(null, "link", "add", name, "type", "veth", "peer", "name", peerName);
        if (peerNamespace != null) {
            argv.addAll(List.of("netns", peerNamespace));
        }
        change(argv, () -> isKind(null, name, "veth"));
    }

    @Override
    public void addTap(String name) {
        change(ip(null, "tuntap", "add", "dev", name, "mode", "tap"), () -> isKind(null, name, "tun"));
    }

    @Override
    public void addWireGuard(String name) {
        change(ip(null, "link", "add", name, "type", "wireguard"), () -> isKind(null, name, "wireguard"));
    }

    @Override
    public void addBridge(String namespace, String name) {
        change(ip(namespace, "link", "add", name, "type", "bridge"), () -> isKind(namespace, name, "bridge"));
    }

    @Override
    public void setMaster(String namespace, String link, String bridge) {
        Command.check(ip(namespace, "link", "set", link, "master", bridge));
    }

    @Override
    public void moveLink(String name, String toNamespace) {
        change(ip(null, "link", "set", name, "netns", toNamespace),
                () -> link(null, name).isEmpty() && link(toNamespace, name).isPresent());
    }

    @Override
    public void deleteLink(String namespace, String name) {
        change(ip(namespace, "link", "delete", name), () -> link(namespace, name).isEmpty());
    }

    @Override
    public void setUp(String namespace, String link) {
        Command.check(ip(namespace, "link", "set", link, "up"));
    }

    @Override
    public void setDown(String namespace, String link) {
        Command.check(ip(namespace, "link", "set", link, "down"));
    }

    @Override
    public List<String> addresses(String namespace, String link) {
        return parseAddresses(Command.check(ip(namespace, "-j", "addr", "show", "dev", link)));
    }

    @Override
    public void addAddress(String namespace, String link, String cidr) {
        Cidr address = Cidr.parse(cidr);
        List<String> argv = ip(namespace, "addr", "add", address.toString(), "dev", link);
        if (address.isIpv6()) {
            argv.add("nodad"); // usable at once: no duplicate address detection to wait for
        }
        change(argv, () -> addresses(namespace, link).contains(address.toString()));
    }

    @Override
    public void removeAddress(String namespace, String link, String cidr) {
        String address = Cidr.canonical(cidr);
        change(ip(namespace, "addr", "del", address, "dev", link),
                () -> link(namespace, link).isEmpty() || !addresses(namespace, link).contains(address));
    }

    @Override
    public List<Route> routes(String namespace) {
        return parseRoutes(Command.check(ip(namespace, "-6", "-j", "route", "show", "table", "main")));
    }

    @Override
    public void replaceRoute(String namespace, Route route) {
        Command.check(routeCommand(namespace, "replace", route.canonical()));
    }

    @Override
    public void deleteRoute(String namespace, Route route) {
        Route wanted = route.canonical();
        change(routeCommand(namespace, "del", wanted), () -> namespace != null && !exists(namespace)
                || routes(namespace).stream().noneMatch(r -> r.destination().equals(wanted.destination())
                        && (wanted.device() == null || wanted.device().equals(r.device()))
                        && (wanted.via() == null || wanted.via().equals(r.via()))));
    }

    @Override
    public void setSysctl(String namespace, String key, String value) {
        LinuxNames.requireSysctlKey(key);
        String ns = namespace != null ? namespace : home;
        if (ns != null) {
            Command.check(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w", key + "=" + value));
            return;
        }
        Path file = Path.of("/proc/sys", key.replace('.', '/'));
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new NetworkingException("sysctl " + key + "=" + value + ": cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code ip -d -j link show}. */
    static List<Link> parseLinks(String json) {
        List<Link> links = new ArrayList<>();
        for (JsonElement e : array(json)) {
            JsonObject o = e.getAsJsonObject();
            JsonObject info = o.has("linkinfo") ? o.getAsJsonObject("linkinfo") : new JsonObject();
            String kind = info.has("info_kind") ? info.get("info_kind").getAsString() : "";
            boolean up = false;
            for (JsonElement flag : o.getAsJsonArray("flags")) {
                up |= flag.getAsString().equals("UP");
            }
            String master = o.has("master") ? o.get("master").getAsString() : null;
            links.add(new Link(o.get("ifname").getAsString(), kind, up, master));
        }
        return links;
    }

    /** Parses {@code ip -j addr show dev X} into CIDR strings. */
    static List<String> parseAddresses(String json) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(json)) {
            JsonObject o = e.getAsJsonObject();
            for (JsonElement a : o.has("addr_info") ? o.getAsJsonArray("addr_info") : new JsonArray()) {
                JsonObject info = a.getAsJsonObject();
                if (info.has("local")) {
                    out.add(info.get("local").getAsString() + "/" + info.get("prefixlen").getAsInt());
                }
            }
        }
        return out;
    }

    /** Parses {@code ip -6 -j route show}; a multipath route has neither device nor gateway. */
    static List<Route> parseRoutes(String json) {
        List<Route> routes = new ArrayList<>();
        for (JsonElement e : array(json)) {
            JsonObject o = e.getAsJsonObject();
            String dst = o.get("dst").getAsString();
            if (!dst.equals("default") && !dst.contains("/")) {
                dst = dst + "/128"; // ip prints host routes without their prefix length
            }
            String dev = o.has("dev") ? o.get("dev").getAsString() : null;
            String via = o.has("gateway") ? o.get("gateway").getAsString() : null;
            routes.add(new Route(dst, dev, via));
        }
        return routes;
    }

    /** Runs a change; a failure counts only if the state it wanted does not hold afterwards. */
    private static void change(List<String> argv, BooleanSupplier wantedStateHolds) {
        Command.Result result = Command.run(argv);
        if (result.ok()) {
            return;
        }
        NetworkingException failure = Command.failure(argv, result);
        try {
            if (wantedStateHolds.getAsBoolean()) {
                return;
            }
        } catch (NetworkingException unreadable) {
            failure.addSuppressed(unreadable); // the change's own error says more than the read's
        }
        throw failure;
    }

    private List<String> routeCommand(String namespace, String verb, Route route) {
        List<String> argv = ip(namespace, "-6", "route", verb, route.destination());
        if (route.via() != null) {
            argv.addAll(List.of("via", route.via()));
        }
        if (route.device() != null) {
            argv.addAll(List.of("dev", route.device()));
        }
        return argv;
    }

    /** The link, or empty if it (or its namespace) does not exist. */
    private Optional<Link> link(String namespace, String name) {
        Command.Result result = Command.run(ip(namespace, "-d", "-j", "link", "show", "dev", name));
        return result.ok() ? parseLinks(result.stdout()).stream().findFirst() : Optional.empty();
    }

    private boolean isKind(String namespace, String name, String kind) {
        return link(namespace, name).map(l -> l.kind().equals(kind)).orElse(false);
    }

    private static boolean exists(String namespace) {
        return Files.exists(NETNS_DIR.resolve(namespace));
    }

    private List<String> ip(String namespace, String... args) {
        String ns = namespace != null ? namespace : home;
        List<String> argv = new ArrayList<>(List.of("ip"));
        if (ns != null) {
            argv.addAll(List.of("-n", ns));
        }
        argv.addAll(List.of(args));
        return argv;
    }

    private static JsonArray array(String json) {
        String text = json.strip();
        JsonElement parsed = text.isEmpty() ? new JsonArray() : JsonParser.parseString(text);
        return parsed.isJsonArray() ? parsed.getAsJsonArray() : new JsonArray();
    }
}
