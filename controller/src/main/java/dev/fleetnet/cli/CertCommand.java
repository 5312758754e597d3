package dev.fleetnet.cli;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.DeleteCertificateRequest;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.ListCertificatesRequest;
import dev.fleetnet.proto.v1.ListCertificatesResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code fleetnet cert ca|add|list|delete}: ingress TLS certificates (fleet CA, uploaded, ACME). */
@Command(name = "cert", description = "Ingress TLS certificates: the fleet CA, uploads, and what each hostname is served with.",
        subcommands = {CertCommand.Ca.class, CertCommand.Add.class, CertCommand.List.class, CertCommand.Delete.class})
final class CertCommand {
    @ParentCommand
    FleetnetCli root;

    /** Shared plumbing of the subcommands. */
    abstract static class Sub {
        @ParentCommand
        CertCommand parent;
        @Spec
        CommandSpec spec;

        void print(CertificateInfo info) {
            spec.commandLine().getOut().print(parent.root.json ? Views.json(info) + "\n" : Views.certificates(java.util.List.of(info)));
        }
    }

    @Command(name = "ca", description = "Print the fleet CA certificate (PEM): `fleetnet cert ca > ca.pem`.")
    static final class Ca extends Sub implements Runnable {
        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                var response = client.certificates().getFleetCa(GetFleetCaRequest.getDefaultInstance());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n" : response.getCertificatePem());
            }
        }
    }

    @Command(name = "add", description = "Upload a certificate: cert add HOSTNAME --cert CHAIN.pem --key KEY.pem.")
    static final class Add extends Sub implements Runnable {
        @Parameters(paramLabel = "HOSTNAME", description = "Exact (shop.example.com) or one-level wildcard (*.example.com).")
        String hostname;
        @Option(names = "--cert", required = true, paramLabel = "FILE", description = "PEM chain: the leaf first, then intermediates.")
        Path cert;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "PEM private key (PKCS#8, EC or RSA).")
        Path key;

        @Override
        public void run() {
            AddCertificateRequest request = AddCertificateRequest.newBuilder().setHostname(hostname)
                    .setCertificateChainPem(read("--cert", cert)).setPrivateKeyPem(read("--key", key)).build();
            try (FleetClient client = parent.root.connect()) {
                print(client.certificates().addCertificate(request));
            }
        }

        private static String read(String option, Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException(option + ": '" + file + "' cannot be read (" + e.getClass().getSimpleName()
                        + ") (expected: a readable PEM file)");
            }
        }
    }

    @Command(name = "list", description = "List certificates of every source (never their keys).")
    static final class List extends Sub implements Runnable {
        @Option(names = "--hostname", description = "Only certificates for this exact hostname.")
        String hostname = "";

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                ListCertificatesResponse response = client.certificates().listCertificates(
                        ListCertificatesRequest.newBuilder().setHostname(hostname).build());
                spec.commandLine().getOut().print(parent.root.json ? Views.json(response) + "\n"
                        : Views.certificates(response.getCertificatesList()) + Views.acmeFailures(response.getAcmeFailuresList()));
            }
        }
    }

    @Command(name = "delete", description = "Delete an uploaded certificate (the fleet CA's or ACME's take over).")
    static final class Delete extends Sub implements Runnable {
        @Parameters(paramLabel = "HOSTNAME")
        String hostname;

        @Override
        public void run() {
            try (FleetClient client = parent.root.connect()) {
                client.certificates().deleteCertificate(DeleteCertificateRequest.newBuilder().setHostname(hostname).build());
                spec.commandLine().getOut().println(parent.root.json ? "{\"deleted\": \"" + hostname + "\"}" : "deleted " + hostname);
            }
        }
    }
}
