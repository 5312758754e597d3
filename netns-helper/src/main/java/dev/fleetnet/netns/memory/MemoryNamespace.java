package dev.fleetnet.netns.memory;

import dev.fleetnet.netns.LinuxNetworking.Route;
import dev.fleetnet.netns.NetworkingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** One modelled network namespace: its links, main-table IPv6 routes, sysctls and processes. */
final class MemoryNamespace {
    /** The namespace's name in messages and the transcript; {@code -} for the home namespace. */
    final String label;
    final Map<String, MemoryLink> links = new LinkedHashMap<>();
    final Set<Route> routes = new LinkedHashSet<>();
    final Map<String, String> sysctls = new TreeMap<>();
    final List<Integer> processes = new ArrayList<>();

    MemoryNamespace(String label) {
        this.label = label;
        links.put("lo", new MemoryLink("lo", ""));
    }

    MemoryLink require(String name) {
        MemoryLink link = links.get(name);
        if (link == null) {
            throw new NetworkingException("link '" + name + "' does not exist in namespace " + label
                    + " (links: " + String.join(", ", links.keySet()) + ")");
        }
        return link;
    }

    /** True if {@code name} exists as {@code kind}; throws if it exists as another kind. */
    boolean has(String name, String kind) {
        MemoryLink link = links.get(name);
        if (link != null && !link.kind.equals(kind)) {
            throw new NetworkingException("link " + name + " exists in namespace " + label + " as a "
                    + link.kindName() + " (expected: a " + kind + ")");
        }
        return link != null;
    }

    /** Takes a link out with what the kernel drops with it: routes through it, its bridge ports' master. */
    void detach(MemoryLink link) {
        links.remove(link.name);
        routes.removeIf(r -> link.name.equals(r.device()));
        for (MemoryLink port : links.values()) {
            if (link.name.equals(port.master)) {
                port.master = null;
            }
        }
    }
}
