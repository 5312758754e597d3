package dev.fleetnet.controller;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * How the public API is served. TLS always: with the operator's certificate and key when both are
 * given, else with a certificate the fleet's API CA (in etcd) signs at start for {@code certNames}
 * and the listen address, the CA's certificate written to {@code caFile} for clients. The first
 * controller of a fleet writes the first admin token to {@code adminTokenFile} (owner-only).
 * {@code restListen}: where REST/JSON is served (null: not served). Null paths default under the
 * controller's data directory ({@link #resolve}).
 */
public record ApiConfig(InetSocketAddress restListen, Path certFile, Path keyFile, List<String> certNames, Path caFile,
        Path adminTokenFile) {
    public ApiConfig {
        certNames = List.copyOf(certNames);
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--api-cert and --api-key: only " + (certFile == null ? "--api-key" : "--api-cert")
                    + " given (expected: both, or neither for a certificate from the fleet's API CA)");
        }
    }

    /** REST on an ephemeral loopback port, a certificate from the API CA, files in the data directory. */
    public static ApiConfig defaults() {
        return new ApiConfig(new InetSocketAddress("127.0.0.1", 0), null, null, List.of(), null, null);
    }

    public boolean operatorCertificate() {
        return certFile != null;
    }

    /** With the default files placed in {@code dataDir}: {@code api-ca.pem} and {@code admin-token}. */
    public ApiConfig resolve(Path dataDir) {
        return new ApiConfig(restListen, certFile, keyFile, certNames, caFile != null ? caFile : dataDir.resolve("api-ca.pem"),
                adminTokenFile != null ? adminTokenFile : dataDir.resolve("admin-token"));
    }

    public ApiConfig withRestListen(InetSocketAddress address) {
        return new ApiConfig(address, certFile, keyFile, certNames, caFile, adminTokenFile);
    }

    public ApiConfig withFiles(Path caFile, Path adminTokenFile) {
        return new ApiConfig(restListen, certFile, keyFile, certNames, caFile, adminTokenFile);
    }

    public ApiConfig withCertificate(Path certFile, Path keyFile) {
        return new ApiConfig(restListen, certFile, keyFile, certNames, caFile, adminTokenFile);
    }
}
