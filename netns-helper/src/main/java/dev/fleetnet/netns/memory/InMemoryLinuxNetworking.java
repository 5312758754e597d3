package dev.fleetnet.netns.memory;

import dev.fleetnet.netns.LinuxNetworking;
import dev.fleetnet.netns.NetworkingException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A faithful in-memory {@link LinuxNetworking} for unit tests: namespaces, links (veth peers
 * land in their namespace), addresses, routes, sysctls, and a transcript of every call that
 * changed something, so "no changes" is an empty transcript. Not thread-safe.
 */
public final class InMemoryLinuxNetworking implements LinuxNetworking {
    private static final String HOME = "";
    private final Map<String, Space> spaces = new TreeMap<>();
    private final List<String> transcript = new ArrayList<>();

    /** One namespace's state. */
    private static final class Space {
        final Map<String, Link> links = new LinkedHashMap<>();
        final Map<String, Set<String>> addresses = new HashMap<>();
        final Set<Route> routes = new LinkedHashSet<>();
        final Map<String, String> sysctls = new HashMap<>();
        final List<Integer> processes = new ArrayList<>();
        final Map<String, String> masters = new HashMap<>();
    }

    public InMemoryLinuxNetworking() {
        Space home = new Space();
        home.links.put("lo", new Link("lo", "", false));
        spaces.put(HOME, home);
    }

    /** Mutating calls since the last {@link #clearTranscript()}, e.g. {@code "addAddress h1 eth0 fdaa::1/128"}. */
    public List<String> transcript() {
        return List.copyOf(transcript);
    }

    public void clearTranscript() {
        transcript.clear();
    }

    /** Test hook: pretend a process runs inside a namespace. */
    public void startProcess(String namespace, int pid) {
        space(namespace).processes.add(pid);
    }

    public Map<String, String> sysctls(String namespace) {
        return Map.copyOf(space(namespace).sysctls);
    }

    @Override
    public List<String> namespaces() {
        return spaces.keySet().stream().filter(n -> !n.equals(HOME)).toList();
    }

    @Override
    public void createNamespace(String name) {
        if (!spaces.containsKey(name)) {
            Space s = new Space();
            s.links.put("lo", new Link("lo", "", false));
            spaces.put(name, s);
            record("createNamespace", name);
        }
    }

    @Override
    public void deleteNamespace(String name) {
        Space removed = spaces.remove(name);
        if (removed == null) {
            return;
        }
        // A veth whose peer lived there disappears with it.
        for (Space s : spaces.values()) {
            s.links.values().removeIf(l -> l.kind().equals("veth") && removed.links.containsKey(peerOf(s, l.name())));
        }
        record("deleteNamespace", name);
    }

    private final Map<String, String> vethPeers = new HashMap<>();

    private String peerOf(Space s, String link) {
        return vethPeers.getOrDefault(key(s, link), "");
    }

    private String key(Space s, String link) {
        for (Map.Entry<String, Space> e : spaces.entrySet()) {
            if (e.getValue() == s) {
                return e.getKey() + "/" + link;
            }
        }
        return "?/" + link;
    }

    @Override
    public List<Integer> processes(String namespace) {
        Space s = spaces.get(namespace);
        return s == null ? List.of() : List.copyOf(s.processes);
    }

    @Override
    public void killProcesses(String namespace) {
        Space s = spaces.get(namespace);
        if (s != null && !s.processes.isEmpty()) {
            s.processes.clear();
            record("killProcesses", namespace);
        }
    }

    @Override
    public List<Link> links(String namespace) {
        return List.copyOf(space(namespace).links.values());
    }

    @Override
    public void addVeth(String name, String peerName, String peerNamespace) {
        Space home = space(null);
        if (home.links.containsKey(name)) {
            return;
        }
        Space peer = space(peerNamespace);
        if (peer.links.containsKey(peerName)) {
            throw new NetworkingException("addVeth " + name + ": " + peerName + " already exists in " + peerNamespace);
        }
        home.links.put(name, new Link(name, "veth", false));
        peer.links.put(peerName, new Link(peerName, "veth", false));
        vethPeers.put(key(home, name), peerName);
        record("addVeth", name, peerName, peerNamespace);
    }

    @Override
    public void addTap(String name) {
        if (space(null).links.putIfAbsent(name, new Link(name, "tun", false)) == null) {
            record("addTap", name);
        }
    }

    @Override
    public void addBridge(String namespace, String name) {
        if (space(namespace).links.putIfAbsent(name, new Link(name, "bridge", false)) == null) {
            record("addBridge", ns(namespace), name);
        }
    }

    @Override
    public void setMaster(String namespace, String link, String bridge) {
        Space s = space(namespace);
        requireLink(s, namespace, link);
        if (!bridge.equals(s.masters.put(link, bridge))) {
            record("setMaster", ns(namespace), link, bridge);
        }
    }

    @Override
    public void moveLink(String name, String toNamespace) {
        Space home = space(null);
        Link link = home.links.remove(name);
        if (link == null) {
            return;
        }
        space(toNamespace).links.put(name, link);
        record("moveLink", name, toNamespace);
    }

    @Override
    public void deleteLink(String namespace, String name) {
        Space s = space(namespace);
        Link link = s.links.remove(name);
        if (link == null) {
            return;
        }
        s.addresses.remove(name);
        s.routes.removeIf(r -> name.equals(r.device()));
        String peer = vethPeers.remove(key(s, name));
        if (peer != null) {
            for (Space other : spaces.values()) {
                if (other.links.remove(peer) != null) {
                    other.routes.removeIf(r -> peer.equals(r.device()));
                    other.addresses.remove(peer);
                }
            }
        }
        record("deleteLink", ns(namespace), name);
    }

    @Override
    public void setUp(String namespace, String link) {
        setState(namespace, link, true);
    }

    @Override
    public void setDown(String namespace, String link) {
        setState(namespace, link, false);
    }

    private void setState(String namespace, String link, boolean up) {
        Space s = space(namespace);
        Link current = requireLink(s, namespace, link);
        if (current.up() != up) {
            s.links.put(link, new Link(link, current.kind(), up));
            record(up ? "setUp" : "setDown", ns(namespace), link);
        }
    }

    @Override
    public List<String> addresses(String namespace, String link) {
        Space s = space(namespace);
        requireLink(s, namespace, link);
        return List.copyOf(s.addresses.getOrDefault(link, Set.of()));
    }

    @Override
    public void addAddress(String namespace, String link, String cidr) {
        Space s = space(namespace);
        requireLink(s, namespace, link);
        if (s.addresses.computeIfAbsent(link, k -> new LinkedHashSet<>()).add(cidr)) {
            record("addAddress", ns(namespace), link, cidr);
        }
    }

    @Override
    public void removeAddress(String namespace, String link, String cidr) {
        Set<String> set = space(namespace).addresses.get(link);
        if (set != null && set.remove(cidr)) {
            record("removeAddress", ns(namespace), link, cidr);
        }
    }

    @Override
    public List<Route> routes(String namespace) {
        return List.copyOf(space(namespace).routes);
    }

    @Override
    public void replaceRoute(String namespace, Route route) {
        Space s = space(namespace);
        requireLink(s, namespace, route.device());
        boolean existed = s.routes.contains(route);
        s.routes.removeIf(r -> r.destination().equals(route.destination()));
        s.routes.add(route);
        if (!existed) {
            record("replaceRoute", ns(namespace), route.destination(), route.device(), String.valueOf(route.via()));
        }
    }

    @Override
    public void deleteRoute(String namespace, Route route) {
        if (space(namespace).routes.remove(route)) {
            record("deleteRoute", ns(namespace), route.destination(), route.device());
        }
    }

    @Override
    public void setSysctl(String namespace, String key, String value) {
        if (!value.equals(space(namespace).sysctls.put(key, value))) {
            record("setSysctl", ns(namespace), key, value);
        }
    }

    private Space space(String namespace) {
        Space s = spaces.get(namespace == null ? HOME : namespace);
        if (s == null) {
            throw new NetworkingException("namespace " + namespace + " does not exist");
        }
        return s;
    }

    private static Link requireLink(Space s, String namespace, String link) {
        Link l = s.links.get(link);
        if (l == null) {
            throw new NetworkingException("link " + link + " does not exist in " + ns(namespace));
        }
        return l;
    }

    private static String ns(String namespace) {
        return namespace == null ? "-" : namespace;
    }

    private void record(String op, String... args) {
        transcript.add(op + " " + String.join(" ", args));
    }
}
