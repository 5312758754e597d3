package dev.fleetnet.controller.store;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * The etcd key layout under one prefix. Desired state ({@code hosts/}, {@code networks/},
 * {@code machines/}) is what views are computed from; {@code index/} and {@code alloc/} keep
 * uniqueness and counters; {@code status/} is what agents report and is never part of a view;
 * {@code listening/} is the reported listening ports, which views carry for readiness.
 */
public record Keys(String prefix) {
    public Keys {
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("key prefix: '" + prefix + "' (expected: starting and ending with '/')");
        }
    }

    public String hosts() { return prefix + "hosts/"; }
    public String networks() { return prefix + "networks/"; }
    public String machines() { return prefix + "machines/"; }
    public String routes() { return prefix + "routes/"; }
    public String machineStatuses() { return prefix + "status/machines/"; }
    /** The one reported fact views carry: which TCP ports each machine listens on (readiness). */
    public String listening() { return prefix + "listening/"; }
    public String sessions() { return prefix + "status/sessions/"; }
    public String applied() { return prefix + "status/applied/"; }

    public String host(String name) { return hosts() + name; }
    public String network(String name) { return networks() + name; }
    public String machine(String name) { return machines() + name; }
    public String machineStatus(String name) { return machineStatuses() + name; }
    public String listening(String machine) { return listening() + machine; }
    /** {@code routeKey} is hostname + path prefix, e.g. {@code shop.example.com/api}. */
    public String route(String routeKey) { return routes() + routeKey; }
    public String session(String host) { return sessions() + host; }
    public String appliedRevision(String host) { return applied() + host; }
    public String addressIndex(String address) { return prefix + "index/address/" + address; }
    public String hostNumberIndex(long number) { return prefix + "index/host-number/" + number; }
    public String networkNumberIndex(long number) { return prefix + "index/network-number/" + number; }
    /**
     * Rewritten by every route write that relies on {@code machine} exposing the route's port, so a
     * ports change that read the routes before that write fails its transaction and reads them again.
     */
    public String routesToIndex(String machine) { return prefix + "index/routes-to/" + machine; }
    /** Certificates, one key per source and hostname: {@code certs/{fleet|uploaded|acme}/{hostname}}. */
    public String certificates() { return prefix + "certs/"; }
    public String certificate(dev.fleetnet.proto.v1.CertificateSource source, String hostname) {
        return certificates() + dev.fleetnet.routing.CertificateKeys.key(source, hostname);
    }
    /** The fleet CA that issues default ingress certificates (a {@code Certificate} with its key). */
    public String fleetCa() { return prefix + "ca/ingress"; }
    /** The fleet SSH CA that signs host and user certificates (an {@code SshCa} with its key). */
    public String sshCa() { return prefix + "ca/ssh"; }
    /** The host CA that issues host certificates and the controllers' agent-channel certificates (a {@code Certificate} with its key). */
    public String hostCa() { return prefix + "ca/hosts"; }
    /** Join tokens by id, their secrets only as SHA-256: {@code identity/tokens/{id}}. */
    public String joinTokens() { return prefix + "identity/tokens/"; }
    public String joinToken(String id) { return joinTokens() + id; }
    /** Each joined host's pinned key and revocation state: {@code identity/hosts/{name}}; views follow it (a revoked host is no peer). */
    public String hostIdentities() { return prefix + "identity/hosts/"; }
    public String hostIdentity(String host) { return hostIdentities() + host; }
    /** The revocation list, by certificate serial (hex): {@code identity/revoked/{serial}}. */
    public String revokedCertificates() { return prefix + "identity/revoked/"; }
    public String revokedCertificate(String serial) { return revokedCertificates() + serial; }
    /** SSH user keys, pushed to every agent: {@code ssh/keys/{name}}. */
    public String sshKeys() { return prefix + "ssh/keys/"; }
    public String sshKey(String name) { return sshKeys() + name; }
    /** Web console tokens by the SHA-256 of the token: {@code console/tokens/{id}} (a {@code ConsoleGrant}, under a lease). */
    public String consoleTokens() { return prefix + "console/tokens/"; }
    public String consoleToken(String id) { return consoleTokens() + id; }
    /** Pending ACME HTTP-01 challenges the ingress answers: {@code acme/challenges/{token}}. */
    public String acmeChallenges() { return prefix + "acme/challenges/"; }
    public String acmeChallenge(String token) { return acmeChallenges() + token; }
    /** Failed ACME orders per hostname ({@code AcmeFailures}): the backoff every controller honours, across restarts. */
    public String acmeFailures() { return prefix + "acme/failures/"; }
    public String acmeFailure(String hostname) { return acmeFailures() + hostname; }
    /** The ACME account key (PEM), so a controller restart reuses its account. */
    public String acmeAccount() { return prefix + "acme/account"; }
    public String hostCounter() { return prefix + "alloc/host"; }
    public String networkCounter() { return prefix + "alloc/network"; }
    public String machineCounter(long network, long host) { return prefix + "alloc/machine/" + network + "/" + host; }

    /** Public API tokens by the SHA-256 (hex) of their text: what a call's bearer token is looked up by. */
    public String apiTokens() { return prefix + "auth/api-tokens/"; }
    public String apiToken(String sha256Hex) { return apiTokens() + sha256Hex; }
    /** A token's name, holding its hash: names are unique. */
    public String apiTokenName(String name) { return prefix + "auth/api-token-names/" + name; }
    /** Written once, with the first admin token, by the first controller that started on this etcd. */
    public String apiTokensBootstrapped() { return prefix + "auth/api-tokens-bootstrapped"; }
    /** The CA (certificate and key) that signs every controller's serving certificate for the public API. */
    public String apiCa() { return prefix + "auth/api-ca"; }

    public static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
