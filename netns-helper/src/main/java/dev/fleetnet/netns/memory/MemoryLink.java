package dev.fleetnet.netns.memory;

import dev.fleetnet.netns.LinuxNetworking.Link;
import java.util.LinkedHashSet;
import java.util.Set;

/** One modelled interface; the same object travels when the link moves to another namespace. */
final class MemoryLink {
    final String name;
    final String kind;
    boolean up;
    String master;
    /** The other end of a veth pair, wherever it lives; {@code null} for other kinds. */
    MemoryLink peer;
    final Set<String> addresses = new LinkedHashSet<>();

    MemoryLink(String name, String kind) {
        this.name = name;
        this.kind = kind;
    }

    String kindName() {
        return kind.isEmpty() ? "loopback" : kind;
    }

    Link snapshot() {
        return new Link(name, kind, up, master);
    }
}
