package dev.fleetnet.controller.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.proto.v1.ApiProto;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every method of every public service is classified as read or write; unclassified ones cannot be bound. */
class ApiMethodsTest {
    /** Every generated {@code *Grpc} class of the proto package: a new service anywhere is found without being listed here. */
    static List<ServiceDescriptor> allServices() throws IOException, URISyntaxException, ReflectiveOperationException {
        Path root = Path.of(ApiProto.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<ServiceDescriptor> services = new ArrayList<>();
        List<String> classes;
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.list(root.resolve("dev/fleetnet/proto/v1"))) {
                classes = files.map(p -> p.getFileName().toString()).toList();
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                classes = jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.startsWith("dev/fleetnet/proto/v1/"))
                        .map(n -> n.substring(n.lastIndexOf('/') + 1)).toList();
            }
        }
        for (String file : classes) {
            if (file.endsWith("Grpc.class")) {
                Class<?> grpc = Class.forName("dev.fleetnet.proto.v1." + file.substring(0, file.length() - ".class".length()));
                services.add((ServiceDescriptor) grpc.getMethod("getServiceDescriptor").invoke(null));
            }
        }
        return services;
    }

    @Test
    void everyMethodOfEveryPublicServiceIsClassifiedAndTheTableHasNoOtherMethod() throws Exception {
        TreeSet<String> unclassified = new TreeSet<>();
        TreeSet<String> publicMethods = new TreeSet<>();
        List<ServiceDescriptor> services = allServices();
        assertThat(services).extracting(ServiceDescriptor::getName).contains("fleetnet.v1.MachineService", "fleetnet.v1.ApiTokenService");
        for (ServiceDescriptor service : services) {
            if (ApiMethods.NOT_PUBLIC.contains(service.getName())) {
                continue;
            }
            for (var method : service.getMethods()) {
                publicMethods.add(method.getFullMethodName());
                if (ApiMethods.access(method.getFullMethodName()).isEmpty()) {
                    unclassified.add(method.getFullMethodName());
                }
            }
        }
        assertThat(unclassified).as("methods missing from ApiMethods' table").isEmpty();
        assertThat(new TreeSet<>(ApiMethods.table().keySet())).isEqualTo(publicMethods);
    }

    @Test
    void aServiceWithAnUnclassifiedMethodCannotBeBound() {
        BindableService unknown = () -> ServerServiceDefinition.builder("fleetnet.v1.Extra")
                .addMethod(io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder().setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName("fleetnet.v1.Extra/DoThings").setRequestMarshaller(bytes()).setResponseMarshaller(bytes()).build(),
                        (call, headers) -> new io.grpc.ServerCall.Listener<>() {})
                .build();
        ServerInterceptor none = new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                    io.grpc.ServerCallHandler<Q, R> next) {
                return next.startCall(call, headers);
            }
        };
        assertThatThrownBy(() -> ApiMethods.bind(List.of(unknown), none)).hasMessage("public API methods not classified as read or"
                + " write: fleetnet.v1.Extra/DoThings (expected: each in ApiMethods' table)");
    }

    @Test
    void readsAndWritesAreWhatTheyDo() {
        assertThat(ApiMethods.access("fleetnet.v1.MachineService/ListMachines")).hasValue(ApiMethods.Access.READ);
        assertThat(ApiMethods.access("fleetnet.v1.MachineService/StopMachine")).hasValue(ApiMethods.Access.WRITE);
        assertThat(ApiMethods.access("fleetnet.v1.SshService/IssueUserCertificate")).hasValue(ApiMethods.Access.WRITE);
        assertThat(ApiMethods.access("fleetnet.v1.AgentControl/Connect")).isEmpty();
    }

    private static io.grpc.MethodDescriptor.Marshaller<byte[]> bytes() {
        return new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new java.io.ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }
}
