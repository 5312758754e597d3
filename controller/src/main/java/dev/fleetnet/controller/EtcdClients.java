package dev.fleetnet.controller;

import dev.fleetnet.controller.certs.Pem;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A jetcd client for the configured endpoints, with TLS and etcd's user and password when configured. */
final class EtcdClients {
    private EtcdClients() {}

    static Client build(List<String> endpoints, EtcdSecurity security) throws IOException {
        for (String endpoint : endpoints) {
            if (security.tls() != endpoint.startsWith("https://")) {
                throw new IllegalArgumentException("--etcd-endpoints: '" + endpoint + "' " + (security.tls()
                        ? "is not https:// but --etcd-ca/--etcd-cert are given (expected: https:// endpoints)"
                        : "is https:// (expected: --etcd-ca FILE, the CA that signed etcd's certificate)"));
            }
        }
        ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(String[]::new));
        if (security.tls()) {
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            if (security.caFile() != null) {
                ssl.trustManager(new ByteArrayInputStream(read("--etcd-ca", security.caFile()).getBytes(StandardCharsets.US_ASCII)));
            }
            if (security.certFile() != null) {
                String chain = read("--etcd-cert", security.certFile());
                String key;
                try {
                    Pem.certificates(chain);
                    key = Pem.privateKey(Pem.privateKey(read("--etcd-key", security.keyFile()))); // netty reads PKCS#8 only
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--etcd-cert/--etcd-key: " + e.getMessage(), e);
                }
                ssl.keyManager(new ByteArrayInputStream(chain.getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(key.getBytes(StandardCharsets.US_ASCII)));
            }
            builder.sslContext(ssl.build());
        }
        if (security.user() != null) {
            builder.user(ByteSequence.from(security.user(), StandardCharsets.UTF_8)).password(ByteSequence.from(security.password()));
        }
        return builder.build();
    }

    private static String read(String flag, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                    + ") (expected: a readable PEM file)");
        }
    }
}
