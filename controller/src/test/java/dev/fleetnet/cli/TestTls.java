package dev.fleetnet.cli;

import dev.fleetnet.controller.auth.ApiCa;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * TLS for the CLI tests' fake controllers: one API CA for the test run, a serving certificate for
 * 127.0.0.1, and the environment a CLI needs to call them (its CA, a token, a config file that does not exist).
 */
final class TestTls {
    static final String TOKEN = "fnt_cli-test-token";
    private static final ApiCa CA = ApiCa.generate(Instant.now());
    private static final ApiCa.Serving SERVING = CA.issueServing(List.of("127.0.0.1", "localhost"), Instant.now());
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("fleetnet-cli-test-");
            Files.writeString(DIR.resolve("ca.pem"), CA.certificatePem());
            DIR.toFile().deleteOnExit();
            DIR.resolve("ca.pem").toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestTls() {}

    /** A server builder on an ephemeral loopback port, serving TLS with a certificate of the test CA. */
    static NettyServerBuilder serverBuilder() {
        try {
            SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forServer(
                    new ByteArrayInputStream(SERVING.certificateChainPem().getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(SERVING.privateKeyPem().getBytes(StandardCharsets.US_ASCII)))).build();
            return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sslContext(tls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path caFile() {
        return DIR.resolve("ca.pem");
    }

    /** FLEETNET_CA (the test CA), FLEETNET_TOKEN and FLEETNET_CONFIG (a file that does not exist). */
    static Map<String, String> env() {
        return Map.of("FLEETNET_CA", caFile().toString(), "FLEETNET_TOKEN", TOKEN,
                "FLEETNET_CONFIG", DIR.resolve("no-config.yaml").toString());
    }
}
