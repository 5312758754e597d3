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
import java.util.stream.Stream;

/**
 * {@link LinuxNetworking} on iproute2: reads with {@code ip -j}, writes with {@code ip}.
 * Calls with a {@code null} namespace act on the home namespace, or on this process's own
 * when there is none. The only class that knows iproute2 is underneath.
 */
public final class IpRouteNetworking implements LinuxNetworking {
    static final Path NETNS_DIR = Path.of("/var/run/netns");
    private final String home;

    private IpRouteNetworking(String home) {
        this.home = home;
    }

    /** Acts on this process's own network namespace. */
    public static IpRouteNetworking inOwnNamespace() {
        return new IpRouteNetworking(null);
    }

    /** Acts on the named namespace whenever a call passes {@code null}. */
    public static IpRouteNetworking inNamespace(String home) {
        return new IpRouteNetworking(home);
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
        if (namespaces().contains(name)) {
            return;
        }
        Command.Result result = Command.run(List.of("ip", "netns", "add", name));
        if (result.exitCode() != 0 && !namespaces().contains(name)) {
            throw new NetworkingException("ip netns add " + name + ": exit " + result.exitCode() + ": " + result.stderr().strip());
        }
    }

    @Override
    public void deleteNamespace(String name) {
        if (!namespaces().contains(name)) {
            return;
        }
        killProcesses(name);
        Command.Result result = Command.run(List.of("ip", "netns", "delete", name));
        if (result.exitCode() != 0 && namespaces().contains(name)) {
            throw new NetworkingException("ip netns delete " + name + ": exit " + result.exitCode() + ": " + result.stderr().strip());
        }
    }

    @Override
    public List<Integer> processes(String namespace) {
        if (!namespaces().contains(namespace)) {
            return List.of();
        }
        Command.Result result = Command.run(List.of("ip", "netns", "pids", namespace));
        return result.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Integer::valueOf).toList();
    }

    @Override
    public void killProcesses(String namespace) {
        for (int pid : processes(namespace)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!processes(namespace).stream().allMatch(pid -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true))) {
            if (System.nanoTime() > deadline) {
                throw new NetworkingException("processes in namespace " + namespace + " still alive 10s after SIGKILL: "
                        + processes(namespace));
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public List<Link> links(String namespace) {
        JsonArray array = json(ip(namespace, "-d", "-j", "link", "show"));
        List<Link> links = new ArrayList<>();
        for (JsonElement e : array) {
            JsonObject o = e.getAsJsonObject();
            String kind = "";
            if (o.has("linkinfo") && o.getAsJsonObject("linkinfo").has("info_kind")) {
                kind = o.getAsJsonObject("linkinfo").get("info_kind").getAsString();
            }
            boolean up = false;
            for (JsonElement flag : o.getAsJsonArray("flags")) {
                up |= flag.getAsString().equals("UP");
            }
            links.add(new Link(o.get("ifname").getAsString(), kind, up));
        }
        return links;
    }

    @Override
    public void addVeth(String name, String peerName, String peerNamespace) {
        if (hasLink(null, name)) {
            return;
        }
        Command.check(ip(null, "link", "add", name, "type", "veth", "peer", "name", peerName, "netns", peerNamespace));
    }

    @Override
    public void addTap(String name) {
        if (hasLink(null, name)) {
            return;
        }
        Command.check(ip(null, "tuntap", "add", "dev", name, "mode", "tap"));
    }

    @Override
    public void addBridge(String namespace, String name) {
        if (!hasLink(namespace, name)) {
            Command.check(ip(namespace, "link", "add", name, "type", "bridge"));
        }
    }

    @Override
    public void setMaster(String namespace, String link, String bridge) {
        Command.check(ip(namespace, "link", "set", link, "master", bridge));
    }

    @Override
    public void moveLink(String name, String toNamespace) {
        if (!hasLink(null, name) && hasLink(toNamespace, name)) {
            return;
        }
        Command.check(ip(null, "link", "set", name, "netns", toNamespace));
    }

    @Override
    public void deleteLink(String namespace, String name) {
        if (hasLink(namespace, name)) {
            Command.Result result = Command.run(ip(namespace, "link", "delete", name));
            if (result.exitCode() != 0 && hasLink(namespace, name)) {
                throw new NetworkingException("ip link delete " + name + ": " + result.stderr().strip());
            }
        }
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
        JsonArray array = json(ip(namespace, "-j", "addr", "show", "dev", link));
        List<String> out = new ArrayList<>();
        for (JsonElement e : array) {
            for (JsonElement a : e.getAsJsonObject().getAsJsonArray("addr_info")) {
                JsonObject info = a.getAsJsonObject();
                out.add(info.get("local").getAsString() + "/" + info.get("prefixlen").getAsInt());
            }
        }
        return out;
    }

    @Override
    public void addAddress(String namespace, String link, String cidr) {
        if (addresses(namespace, link).contains(cidr)) {
            return;
        }
        List<String> argv = ip(namespace, "addr", "add", cidr, "dev", link);
        if (cidr.contains(":")) {
            argv.add("nodad");
        }
        Command.check(argv);
    }

    @Override
    public void removeAddress(String namespace, String link, String cidr) {
        if (addresses(namespace, link).contains(cidr)) {
            Command.check(ip(namespace, "addr", "del", cidr, "dev", link));
        }
    }

    @Override
    public List<Route> routes(String namespace) {
        JsonArray array = json(ip(namespace, "-6", "-j", "route", "show", "table", "main"));
        List<Route> routes = new ArrayList<>();
        for (JsonElement e : array) {
            JsonObject o = e.getAsJsonObject();
            String dst = o.get("dst").getAsString();
            if (!dst.equals("default") && !dst.contains("/")) {
                dst = dst + "/128";
            }
            String dev = o.has("dev") ? o.get("dev").getAsString() : null;
            String via = o.has("gateway") ? o.get("gateway").getAsString() : null;
            routes.add(new Route(dst, dev, via));
        }
        return routes;
    }

    @Override
    public void replaceRoute(String namespace, Route route) {
        List<String> argv = ip(namespace, "-6", "route", "replace", route.destination());
        if (route.via() != null) {
            argv.add("via");
            argv.add(route.via());
        }
        argv.add("dev");
        argv.add(route.device());
        Command.check(argv);
    }

    @Override
    public void deleteRoute(String namespace, Route route) {
        if (!routes(namespace).contains(route)) {
            return;
        }
        Command.check(ip(namespace, "-6", "route", "del", route.destination(), "dev", route.device()));
    }

    @Override
    public void setSysctl(String namespace, String key, String value) {
        String ns = namespace != null ? namespace : home;
        if (ns == null) {
            Path file = Path.of("/proc/sys", key.replace('.', '/'));
            try {
                Files.writeString(file, value);
            } catch (IOException e) {
                throw new NetworkingException("cannot write " + file + " = " + value + ": " + e.getMessage(), e);
            }
            return;
        }
        Command.check(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w", key + "=" + value));
    }

    private boolean hasLink(String namespace, String name) {
        return Command.run(ip(namespace, "link", "show", "dev", name)).exitCode() == 0;
    }

    private List<String> ip(String namespace, String... args) {
        String ns = namespace != null ? namespace : home;
        List<String> argv = new ArrayList<>();
        argv.add("ip");
        if (ns != null) {
            argv.add("-n");
            argv.add(ns);
        }
        argv.addAll(List.of(args));
        return argv;
    }

    private static JsonArray json(List<String> argv) {
        String out = Command.check(argv).strip();
        if (out.isEmpty()) {
            return new JsonArray();
        }
        JsonElement parsed = JsonParser.parseString(out);
        return parsed.isJsonArray() ? parsed.getAsJsonArray() : new JsonArray();
    }
}
