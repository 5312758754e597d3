package dev.fleetnet.controller.view;

import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Route;
import java.util.HashMap;
import java.util.Map;

/**
 * The desired state of the whole fleet at one etcd revision: hosts, networks and machines by
 * name (protobuf values, immutable). Changes make a new snapshot; nothing is mutated.
 */
public record Fleet(long revision, Map<String, Host> hosts, Map<String, Network> networks, Map<String, Machine> machines,
        Map<String, Route> routes) {
    public static final Fleet EMPTY = new Fleet(0, Map.of(), Map.of(), Map.of(), Map.of());

    public Fleet {
        hosts = Map.copyOf(hosts);
        networks = Map.copyOf(networks);
        machines = Map.copyOf(machines);
        routes = Map.copyOf(routes);
    }

    /** Routes by key (hostname + path prefix). */
    public Fleet withRoute(String key, Route route) {
        Map<String, Route> next = new HashMap<>(routes);
        next.put(key, route);
        return new Fleet(revision, hosts, networks, machines, next);
    }

    public Fleet withoutRoute(String key) {
        Map<String, Route> next = new HashMap<>(routes);
        next.remove(key);
        return new Fleet(revision, hosts, networks, machines, next);
    }

    public Fleet withHost(Host host) {
        Map<String, Host> next = new HashMap<>(hosts);
        next.put(host.getName(), host);
        return new Fleet(revision, next, networks, machines, routes);
    }

    public Fleet withoutHost(String name) {
        Map<String, Host> next = new HashMap<>(hosts);
        next.remove(name);
        return new Fleet(revision, next, networks, machines, routes);
    }

    public Fleet withNetwork(Network network) {
        Map<String, Network> next = new HashMap<>(networks);
        next.put(network.getName(), network);
        return new Fleet(revision, hosts, next, machines, routes);
    }

    public Fleet withoutNetwork(String name) {
        Map<String, Network> next = new HashMap<>(networks);
        next.remove(name);
        return new Fleet(revision, hosts, next, machines, routes);
    }

    public Fleet withMachine(Machine machine) {
        Map<String, Machine> next = new HashMap<>(machines);
        next.put(machine.getName(), machine);
        return new Fleet(revision, hosts, networks, next, routes);
    }

    public Fleet withoutMachine(String name) {
        Map<String, Machine> next = new HashMap<>(machines);
        next.remove(name);
        return new Fleet(revision, hosts, networks, next, routes);
    }

    public Fleet atRevision(long revision) {
        return new Fleet(revision, hosts, networks, machines, routes);
    }
}
