package dev.fleetnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.routing.IngressNaming;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ControllerConfigTest {

    private static ControllerConfig config(String endpoint, String tlsName, String prefix) {
        return new ControllerConfig(new InetSocketAddress("127.0.0.1", 7400), new InetSocketAddress("::", 7401), null,
                tlsName.isEmpty() ? List.of() : List.of(tlsName), endpoint.isEmpty() ? List.of() : List.of(endpoint),
                Path.of("/tmp/x"), prefix, new IngressNaming("fleet.internal", 8080));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "foo                   | ''  | /fleetnet/v1/ | --etcd-endpoints: 'foo' (expected: http://host:port, e.g. http://127.0.0.1:2379)",
        "tcp://127.0.0.1:2379  | ''  | /fleetnet/v1/ | --etcd-endpoints: 'tcp://127.0.0.1:2379' (expected:",
        "http://127.0.0.1      | ''  | /fleetnet/v1/ | --etcd-endpoints: 'http://127.0.0.1' (expected:",
        "http://127.0.0.1:2379 | 'a b' | /fleetnet/v1/ | --agent-tls-name: 'a b' (expected: an IP address or DNS name",
        "http://127.0.0.1:2379 | ''  | fleetnet      | key prefix: 'fleetnet' (expected: starting and ending with '/')",
    })
    void badSettingsAreNamed(String endpoint, String token, String prefix, String message) {
        assertThatThrownBy(() -> config(endpoint, token, prefix)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void goodSettingsPass() {
        ControllerConfig config = config("https://etcd.internal:2379", "fd01::1", "/x/");
        assertThat(config.agentTlsNames()).containsExactly("fd01::1");
        assertThat(config("", "controller.example.com", "/fleetnet/v1/").etcdEndpoints()).as("embedded").isEmpty();
    }

    @Test
    void startupErrorsAreOneLineWithTheRootCause() {
        IOException bind = new IOException("Failed to bind to address /127.0.0.1:7400", new BindException("Address already in use"));
        assertThat(ControllerMain.describe(bind)).isEqualTo("Failed to bind to address /127.0.0.1:7400: Address already in use");
        assertThat(ControllerMain.describe(new IllegalArgumentException("port: 0 (expected: 1..65535)")))
                .isEqualTo("port: 0 (expected: 1..65535)");
    }
}
