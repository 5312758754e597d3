package dev.fleetnet.e2e;

import dev.fleetnet.ssh.SshKeys;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;

/**
 * An SSH server that is not in the fleet: its host certificate comes from a CA of its own, for
 * the same address a fleet host has. Run in a namespace: {@code ForeignSshServer ADDRESS PORT};
 * prints "ready" once listening.
 */
public final class ForeignSshServer {
    private ForeignSshServer() {}

    public static void main(String[] args) throws Exception {
        KeyPair ca = SshKeys.generateEd25519();
        KeyPair host = SshKeys.generateEd25519();
        OpenSshCertificate certificate = OpenSshCertificateBuilder.hostCertificate().publicKey(host.getPublic()).id("impostor")
                .principals(List.of(args[0])).validAfter(Instant.now().minusSeconds(60)).validBefore(Instant.now().plusSeconds(3600))
                .sign(ca, "ssh-ed25519");
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost(args[0]);
        server.setPort(Integer.parseInt(args[1]));
        server.setKeyPairProvider(KeyPairProvider.wrap(host));
        server.setHostKeyCertificateProvider(session -> List.of(certificate));
        server.setPublickeyAuthenticator((user, key, session) -> true);
        server.start();
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }
}
