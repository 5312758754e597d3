package dev.fleetnet.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetnet.identity.HostCsr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialFilesTest {
    private final TestIdentity ca = new TestIdentity();
    @TempDir
    Path dir;

    @Test
    void theKeyIsMadeOnceOwnerOnlyBeforeTheJoinAndTheCertificateSavedAfterIt() throws Exception {
        CredentialFiles files = new CredentialFiles(dir, "h1");
        assertThat(files.load()).as("before the first join").isEmpty();
        KeyPair key = files.keyForJoin();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.keyFile()))).isEqualTo("rw-------");
        assertThat(Files.readString(files.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(files.load()).as("a key alone is no identity yet").isEmpty();
        assertThat(files.keyForJoin().getPublic()).as("a join that failed half way retries with the same key").isEqualTo(key.getPublic());

        files.saveCertificate(ca.host("h1", key.getPublic()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.certificateFile()))).isEqualTo("rw-------");
        HostCredentials loaded = files.load().orElseThrow();
        assertThat(loaded.hostName()).isEqualTo("h1");
        assertThat(loaded.keyPair().getPublic()).isEqualTo(key.getPublic());
        assertThat(loaded.key()).isEqualTo(key.getPrivate());
    }

    @Test
    void anotherHostsCertificateOrOneForAnotherKeyIsAnErrorThatSaysHowToStartOver() throws Exception {
        CredentialFiles files = new CredentialFiles(dir, "h1");
        KeyPair key = files.keyForJoin();
        files.saveCertificate(ca.host("h2", key.getPublic()));
        assertThatThrownBy(files::load).hasMessage(files.certificateFile() + ": the certificate of host 'h2' (expected: host 'h1'"
                + " as --host-name says; another host's state directory? remove host.key and host.crt to join as 'h1' with a token)");
        files.saveCertificate(ca.host("h1", HostCsr.generateKey().getPublic()));
        assertThatThrownBy(files::load).hasMessage(files.certificateFile() + ": certifies another key than " + files.keyFile()
                + " (expected: the certificate of this key; remove host.crt to join again with a token)");
        Files.delete(files.keyFile());
        assertThatThrownBy(files::load).hasMessage(files.certificateFile() + ": present without host.key (expected: both, or"
                + " neither before the first join; remove host.crt to join again with a token)");
    }

    @Test
    void renewalIsDueWithAThirdOfTheLifeLeft() throws Exception {
        KeyPair key = HostCsr.generateKey();
        HostCredentials credentials = new HostCredentials(key.getPrivate(), ca.host("h1", key.getPublic()));
        java.time.Instant from = credentials.certificate().getNotBefore().toInstant();
        java.time.Duration life = java.time.Duration.between(from, credentials.notAfter());
        assertThat(credentials.renewalDue(from.plus(life.dividedBy(2)))).isFalse();
        assertThat(credentials.renewalDue(from.plus(life.multipliedBy(2).dividedBy(3)))).isTrue();
    }
}
