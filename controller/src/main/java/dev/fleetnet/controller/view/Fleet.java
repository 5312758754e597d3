package dev.fleetnet.controller.view;

import dev.fleetnet.proto.v1.AcmeChallenge;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.Host;
import dev.fleetnet.proto.v1.HostIdentity;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.Network;
import dev.fleetnet.proto.v1.Route;
import dev.fleetnet.proto.v1.SshTrust;
import dev.fleetnet.proto.v1.SshUserKey;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state of the whole fleet at one etcd revision: hosts, networks, machines and
 * routes by name (protobuf values, immutable), plus the TCP ports each machine was last seen
 * listening on (the one reported fact views carry: app balancing waits for readiness), the
 * certificates of every source by their {@code CertificateKeys} key, and the pending ACME
 * challenges by token, and the SSH trust every agent gets (the fleet SSH CA's public key, user keys
 * sorted by name), and each joined host's identity (pinned key, revocation).
 * Changes make a new snapshot; nothing is mutated.
 */
public record Fleet(long revision, Map<String, Host> hosts, Map<String, Network> networks, Map<String, Machine> machines,
        Map<String, Route> routes, Map<String, List<Integer>> listening,
        Map<String, Certificate> certificates, Map<String, AcmeChallenge> acmeChallenges, SshTrust ssh,
        Map<String, HostIdentity> identities) {
    public static final Fleet EMPTY = new Fleet(0, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
            SshTrust.getDefaultInstance(), Map.of());

    public Fleet {
        hosts = Map.copyOf(hosts);
        networks = Map.copyOf(networks);
        machines = Map.copyOf(machines);
        routes = Map.copyOf(routes);
        listening = Map.copyOf(listening);
        certificates = Map.copyOf(certificates);
        acmeChallenges = Map.copyOf(acmeChallenges);
        identities = Map.copyOf(identities);
    }

    /** Routes by key (hostname + path prefix). */
    public Fleet withRoute(String key, Route route) {
        return new Fleet(revision, hosts, networks, machines, put(routes, key, route), listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withoutRoute(String key) {
        return new Fleet(revision, hosts, networks, machines, remove(routes, key), listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withHost(Host host) {
        return new Fleet(revision, put(hosts, host.getName(), host), networks, machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withoutHost(String name) {
        return new Fleet(revision, remove(hosts, name), networks, machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withNetwork(Network network) {
        return new Fleet(revision, hosts, put(networks, network.getName(), network), machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withoutNetwork(String name) {
        return new Fleet(revision, hosts, remove(networks, name), machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withMachine(Machine machine) {
        return new Fleet(revision, hosts, networks, put(machines, machine.getName(), machine), routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    public Fleet withoutMachine(String name) {
        return new Fleet(revision, hosts, networks, remove(machines, name), routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    /** The sorted TCP ports {@code machine} listens on, as its host last reported them. */
    public Fleet withListening(String machine, List<Integer> ports) {
        return new Fleet(revision, hosts, networks, machines, routes,
                ports.isEmpty() ? remove(listening, machine) : put(listening, machine, List.copyOf(ports)), certificates, acmeChallenges, ssh, identities);
    }

    /** Certificates by {@code CertificateKeys.key}: {@code {fleet|uploaded|acme}/{hostname}}. */
    public Fleet withCertificate(String key, Certificate certificate) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, put(certificates, key, certificate), acmeChallenges, ssh, identities);
    }

    public Fleet withoutCertificate(String key) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, remove(certificates, key), acmeChallenges, ssh, identities);
    }

    /** Pending ACME HTTP-01 challenges by token. */
    public Fleet withAcmeChallenge(AcmeChallenge challenge) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates,
                put(acmeChallenges, challenge.getToken(), challenge), ssh, identities);
    }

    public Fleet withoutAcmeChallenge(String token) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates, remove(acmeChallenges, token), ssh, identities);
    }

    /** The fleet SSH CA's public key line. */
    public Fleet withSshCa(String publicKey) {
        return withSsh(ssh.toBuilder().setCaPublicKey(publicKey).build());
    }

    public Fleet withSshKey(SshUserKey key) {
        Map<String, SshUserKey> keys = new HashMap<>();
        ssh.getKeysList().forEach(k -> keys.put(k.getName(), k));
        keys.put(key.getName(), key);
        return withSshKeys(keys);
    }

    public Fleet withoutSshKey(String name) {
        Map<String, SshUserKey> keys = new HashMap<>();
        ssh.getKeysList().forEach(k -> keys.put(k.getName(), k));
        keys.remove(name);
        return withSshKeys(keys);
    }

    private Fleet withSshKeys(Map<String, SshUserKey> keys) {
        return withSsh(ssh.toBuilder().clearKeys()
                .addAllKeys(keys.values().stream().sorted(Comparator.comparing(SshUserKey::getName)).toList()).build());
    }

    private Fleet withSsh(SshTrust ssh) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    /** A host's identity by host name: the key it is pinned to, and whether it is revoked. */
    public Fleet withIdentity(HostIdentity identity) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates, acmeChallenges, ssh,
                put(identities, identity.getHost(), identity));
    }

    public Fleet withoutIdentity(String host) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates, acmeChallenges, ssh,
                remove(identities, host));
    }

    /** True if {@code host} was revoked: its stream is closed and no other host has it as a peer. */
    public boolean revoked(String host) {
        HostIdentity identity = identities.get(host);
        return identity != null && identity.getRevokedEpochSeconds() != 0;
    }

    public Fleet atRevision(long revision) {
        return new Fleet(revision, hosts, networks, machines, routes, listening, certificates, acmeChallenges, ssh, identities);
    }

    private static <V> Map<String, V> put(Map<String, V> map, String key, V value) {
        Map<String, V> next = new HashMap<>(map);
        next.put(key, value);
        return next;
    }

    private static <V> Map<String, V> remove(Map<String, V> map, String key) {
        Map<String, V> next = new HashMap<>(map);
        next.remove(key);
        return next;
    }
}
