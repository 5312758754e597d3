package dev.fleetnet.netns.memory;

import dev.fleetnet.netns.Cidr;
import dev.fleetnet.netns.LinuxNames;
import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.netns.NetworkingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A faithful in-memory {@link LinuxNetworking} for unit tests, with a transcript of every call
 * that changed something ({@code "addAddress m eth0 fdaa::1/128"}, {@code -} for the home
 * namespace), so "no changes" is an empty transcript.
 *
 * <p>Modelled as the kernel does it: veth peers live in their own namespace and die with
 * either end or with a namespace; a moved link arrives down and bare; setting a link down drops
 * its IPv6 addresses and its routes; a route needs an up device; bridges cannot move. Not
 * modelled: what the kernel adds by itself (link-local addresses, prefix routes of addresses).
 * Thread-safe (every call holds this object's lock).
 */
public final class InMemoryLinuxNetworking implements LinuxNetworking {
    private static final String HOME = "";
    private final Map<String, MemoryNamespace> spaces = new TreeMap<>();
    private final List<String> transcript = new ArrayList<>();

    public InMemoryLinuxNetworking() {
        spaces.put(HOME, new MemoryNamespace("-"));
    }

    /** Mutating calls that changed something since the last {@link #clearTranscript()}. */
    public synchronized List<String> transcript() {
        return List.copyOf(transcript);
    }

    public synchronized void clearTranscript() {
        transcript.clear();
    }

    /** Test hook: pretends process {@code pid} runs inside a named namespace. */
    public synchronized void startProcess(String namespace, int pid) {
        space(LinuxNames.requireNamespace(namespace)).processes.add(pid);
    }

    /** The sysctls written in a namespace ({@code null}: home), by key. */
    public synchronized Map<String, String> sysctls(String namespace) {
        return Map.copyOf(space(namespace).sysctls);
    }

    @Override
    public synchronized List<String> namespaces() {
        return spaces.keySet().stream().filter(n -> !n.equals(HOME)).toList();
    }

    @Override
    public synchronized void createNamespace(String name) {
        if (spaces.putIfAbsent(LinuxNames.requireNamespace(name), new MemoryNamespace(name)) == null) {
            record("createNamespace", name);
        }
    }

    @Override
    public synchronized void deleteNamespace(String name) {
        MemoryNamespace removed = spaces.remove(LinuxNames.requireNamespace(name));
        if (removed == null) {
            return;
        }
        for (MemoryLink link : removed.links.values()) {
            if (link.peer != null && !removed.links.containsValue(link.peer)) {
                holder(link.peer).detach(link.peer);
            }
        }
        record("deleteNamespace", name);
    }

    @Override
    public synchronized List<Integer> processes(String namespace) {
        MemoryNamespace s = spaces.get(LinuxNames.requireNamespace(namespace));
        return s == null ? List.of() : List.copyOf(s.processes);
    }

    @Override
    public synchronized void killProcesses(String namespace) {
        MemoryNamespace s = spaces.get(LinuxNames.requireNamespace(namespace));
        if (s != null && !s.processes.isEmpty()) {
            s.processes.clear();
            record("killProcesses", namespace);
        }
    }

    @Override
    public synchronized List<Link> links(String namespace) {
        return space(namespace).links.values().stream().map(MemoryLink::snapshot).toList();
    }

    @Override
    public synchronized void addVeth(String name, String peerName, String peerNamespace) {
        MemoryNamespace home = space(null);
        MemoryNamespace there = space(peerNamespace);
        if (home.has(name, "veth")) {
            return;
        }
        if (there.links.containsKey(peerName) || (home == there && name.equals(peerName))) {
            throw new NetworkingException("addVeth " + name + ": peer " + peerName + " already exists in namespace "
                    + ns(peerNamespace) + " (expected: a free name)");
        }
        MemoryLink link = new MemoryLink(name, "veth");
        MemoryLink peer = new MemoryLink(peerName, "veth");
        link.peer = peer;
        peer.peer = link;
        home.links.put(name, link);
        there.links.put(peerName, peer);
        record("addVeth", name, peerName, ns(peerNamespace));
    }

    @Override
    public synchronized void addTap(String name) {
        if (!space(null).has(name, "tun")) {
            space(null).links.put(name, new MemoryLink(name, "tun"));
            record("addTap", name);
        }
    }

    @Override
    public synchronized void addWireGuard(String name) {
        if (!space(null).has(name, "wireguard")) {
            space(null).links.put(name, new MemoryLink(name, "wireguard"));
            record("addWireGuard", name);
        }
    }

    @Override
    public synchronized void addBridge(String namespace, String name) {
        MemoryNamespace s = space(namespace);
        if (!s.has(name, "bridge")) {
            s.links.put(name, new MemoryLink(name, "bridge"));
            record("addBridge", ns(namespace), name);
        }
    }

    @Override
    public synchronized void setMaster(String namespace, String link, String bridge) {
        MemoryNamespace s = space(namespace);
        MemoryLink port = s.require(link);
        MemoryLink master = s.require(bridge);
        if (!master.kind.equals("bridge")) {
            throw new NetworkingException("setMaster " + link + ": " + bridge + " in namespace " + ns(namespace)
                    + " is a " + master.kindName() + " (expected: a bridge)");
        }
        if (!bridge.equals(port.master)) {
            port.master = bridge;
            record("setMaster", ns(namespace), link, bridge);
        }
    }

    @Override
    public synchronized void moveLink(String name, String toNamespace) {
        MemoryNamespace home = space(null);
        MemoryNamespace target = space(toNamespace);
        MemoryLink link = home.links.get(name);
        if (link == null && target.links.containsKey(name)) {
            return;
        }
        link = home.require(name);
        if (link.kind.equals("bridge") || link.name.equals("lo")) {
            throw new NetworkingException("moveLink " + name + ": a " + link.kindName()
                    + " cannot change namespace (expected: veth or tun)");
        }
        if (target.links.containsKey(name)) {
            throw new NetworkingException("moveLink " + name + ": namespace " + ns(toNamespace)
                    + " already has a link of that name (expected: a free name)");
        }
        home.detach(link);
        link.up = false;
        link.master = null;
        link.addresses.clear();
        target.links.put(name, link);
        record("moveLink", name, ns(toNamespace));
    }

    @Override
    public synchronized void deleteLink(String namespace, String name) {
        MemoryNamespace s = find(namespace);
        MemoryLink link = s == null ? null : s.links.get(name);
        if (link == null) {
            return;
        }
        if (name.equals("lo")) {
            throw new NetworkingException("deleteLink lo in namespace " + ns(namespace)
                    + ": loopback cannot be deleted (expected: delete the namespace)");
        }
        s.detach(link);
        if (link.peer != null) {
            holder(link.peer).detach(link.peer);
        }
        record("deleteLink", ns(namespace), name);
    }

    @Override
    public synchronized void setUp(String namespace, String link) {
        MemoryLink l = space(namespace).require(link);
        if (!l.up) {
            l.up = true;
            record("setUp", ns(namespace), link);
        }
    }

    @Override
    public synchronized void setDown(String namespace, String link) {
        MemoryNamespace s = space(namespace);
        MemoryLink l = s.require(link);
        if (l.up) {
            l.up = false;
            l.addresses.removeIf(a -> a.contains(":"));
            s.routes.removeIf(r -> link.equals(r.device()));
            record("setDown", ns(namespace), link);
        }
    }

    @Override
    public synchronized List<String> addresses(String namespace, String link) {
        return List.copyOf(space(namespace).require(link).addresses);
    }

    @Override
    public synchronized void addAddress(String namespace, String link, String cidr) {
        String address = Cidr.canonical(cidr);
        if (space(namespace).require(link).addresses.add(address)) {
            record("addAddress", ns(namespace), link, address);
        }
    }

    @Override
    public synchronized void removeAddress(String namespace, String link, String cidr) {
        String address = Cidr.canonical(cidr);
        MemoryNamespace s = find(namespace);
        MemoryLink l = s == null ? null : s.links.get(link);
        if (l != null && l.addresses.remove(address)) {
            record("removeAddress", ns(namespace), link, address);
        }
    }

    @Override
    public synchronized List<Route> routes(String namespace) {
        return List.copyOf(space(namespace).routes);
    }

    @Override
    public synchronized void replaceRoute(String namespace, Route route) {
        MemoryNamespace s = space(namespace);
        Route stored = route.canonical();
        if (!s.require(route.device()).up) {
            throw new NetworkingException("replaceRoute " + stored.destination() + " dev " + route.device() + " in namespace "
                    + ns(namespace) + ": the device is down (expected: up; the kernel refuses routes through a down device)");
        }
        if (!s.routes.contains(stored)) {
            s.routes.removeIf(r -> r.destination().equals(stored.destination()));
            s.routes.add(stored);
            record("replaceRoute", ns(namespace), stored.destination(), stored.device(), String.valueOf(stored.via()));
        }
    }

    @Override
    public synchronized void deleteRoute(String namespace, Route route) {
        MemoryNamespace s = find(namespace);
        Route wanted = route.canonical();
        // Like `ip route del DST dev DEV`: a route without a gateway matches any gateway.
        if (s != null && s.routes.removeIf(r -> r.destination().equals(wanted.destination())
                && r.device().equals(wanted.device()) && (wanted.via() == null || wanted.via().equals(r.via())))) {
            record("deleteRoute", ns(namespace), wanted.destination(), wanted.device());
        }
    }

    @Override
    public synchronized void setSysctl(String namespace, String key, String value) {
        if (!value.equals(space(namespace).sysctls.put(LinuxNames.requireSysctlKey(key), value))) {
            record("setSysctl", ns(namespace), key, value);
        }
    }

    /** The namespace, or {@code null} if it does not exist. */
    private MemoryNamespace find(String namespace) {
        return spaces.get(namespace == null ? HOME : namespace);
    }

    private MemoryNamespace space(String namespace) {
        MemoryNamespace s = find(namespace);
        if (s == null) {
            throw new NetworkingException("namespace '" + namespace + "' does not exist (expected: one of " + namespaces() + ")");
        }
        return s;
    }

    private MemoryNamespace holder(MemoryLink link) {
        return spaces.values().stream().filter(s -> s.links.get(link.name) == link).findFirst()
                .orElseThrow(() -> new IllegalStateException("link " + link.name + " is in no namespace"));
    }

    private static String ns(String namespace) {
        return namespace == null ? "-" : namespace;
    }

    private void record(String op, String... args) {
        transcript.add(op + " " + String.join(" ", args));
    }
}
