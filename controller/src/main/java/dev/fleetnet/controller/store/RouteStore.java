package dev.fleetnet.controller.store;

import static dev.fleetnet.controller.store.Keys.bytes;

import dev.fleetnet.core.Names;
import dev.fleetnet.core.Ports;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.routing.Hostnames;
import dev.fleetnet.routing.IngressViews;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.util.Comparator;
import java.util.List;

/**
 * Explicit ingress routes in etcd, keyed by hostname + path prefix. Every route names its
 * owner machine; another machine's hostname+path is refused, and a route is only written
 * while its owner exists (checked in the same transaction).
 */
public final class RouteStore {
    private static final int MAX_ATTEMPTS = 50;
    private final KV kv;
    private final Keys keys;

    public RouteStore(Client client, Keys keys) {
        this.kv = client.getKVClient();
        this.keys = keys;
    }

    /** Adds a route, or replaces one its owner already has; returns the route as stored. */
    public Route add(Route request) {
        Route route = validate(request);
        String key = IngressViews.key(route);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue owner = Etcd.get(kv, keys.machine(route.getOwner()));
            if (owner == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "owner: machine '" + route.getOwner() + "' not found");
            }
            if (route.getTargetCase() == Route.TargetCase.MACHINE && Etcd.get(kv, keys.machine(route.getMachine())) == null) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "machine: '" + route.getMachine() + "' not found");
            }
            KeyValue existing = Etcd.get(kv, keys.route(key));
            if (existing != null) {
                Route current = Etcd.parse(Route.parser(), existing);
                if (!current.getOwner().equals(route.getOwner())) {
                    throw new FleetException(FleetException.Kind.ALREADY_EXISTS, "route " + key + " is owned by machine '"
                            + current.getOwner() + "' (expected: delete it first, or change it as its owner)");
                }
            }
            Cmp routeCmp = existing == null
                    ? new Cmp(bytes(keys.route(key)), Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(bytes(keys.route(key)), Cmp.Op.EQUAL, CmpTarget.modRevision(existing.getModRevision()));
            TxnResponse r = Etcd.await("put route " + key, kv.txn()
                    .If(routeCmp, new Cmp(bytes(keys.machine(route.getOwner())), Cmp.Op.EQUAL, CmpTarget.modRevision(owner.getModRevision())))
                    .Then(Op.put(bytes(keys.route(key)), Etcd.value(route), PutOption.DEFAULT)).commit());
            if (r.isSucceeded()) {
                return route;
            }
        }
        throw new FleetException(FleetException.Kind.CONFLICT, "route " + key + " kept changing; try again");
    }

    public Route get(String hostname, String pathPrefix) {
        String key = Hostnames.normalize(hostname) + (pathPrefix.isEmpty() ? "/" : pathPrefix);
        KeyValue kv = Etcd.get(this.kv, keys.route(key));
        if (kv == null) {
            throw new FleetException(FleetException.Kind.NOT_FOUND, "route " + key + " not found");
        }
        return Etcd.parse(Route.parser(), kv);
    }

    public List<Route> list(String owner) {
        return Etcd.parseAll(Route.parser(), Etcd.getPrefix(kv, keys.routes())).stream()
                .filter(r -> owner.isEmpty() || r.getOwner().equals(owner))
                .sorted(Comparator.comparing(IngressViews::key)).toList();
    }

    public void delete(String hostname, String pathPrefix) {
        Route route = get(hostname, pathPrefix);
        Etcd.await("delete route", kv.delete(bytes(keys.route(IngressViews.key(route)))));
    }

    /** Deletes of every route {@code machine} owns, for the machine's own delete transaction. */
    List<Op> deletesOwnedBy(String machine) {
        return list(machine).stream()
                .map(r -> (Op) Op.delete(bytes(keys.route(IngressViews.key(r))), DeleteOption.DEFAULT)).toList();
    }

    static Route validate(Route request) {
        Route.Builder route = request.toBuilder().setHostname(Hostnames.normalize(request.getHostname()))
                .setPathPrefix(IngressViews.pathPrefix(request));
        if (!route.getPathPrefix().startsWith("/")) {
            throw new IllegalArgumentException("path prefix: '" + route.getPathPrefix() + "' (expected: starting with '/')");
        }
        switch (request.getTargetCase()) {
            case MACHINE -> Names.check("machine", request.getMachine());
            case APP -> Names.check("app", request.getApp());
            default -> throw new IllegalArgumentException("target: none (expected: a machine or an app)");
        }
        Ports.check("port", Integer.toUnsignedLong(request.getPort()));
        if (request.getOwner().isEmpty()) {
            if (request.getTargetCase() != Route.TargetCase.MACHINE) {
                throw new IllegalArgumentException("owner: empty (expected: the machine that owns a route to an app)");
            }
            route.setOwner(request.getMachine());
        }
        Names.check("owner", route.getOwner());
        return route.build();
    }

    /** For the who-owns answer: every machine, read once. */
    List<Machine> machines() {
        return Etcd.parseAll(Machine.parser(), Etcd.getPrefix(kv, keys.machines()));
    }
}
