package dev.fleetnet.ingress.ssh;

import dev.fleetnet.core.DurableFiles;
import dev.fleetnet.proto.v1.HostView;
import dev.fleetnet.proto.v1.SshHostCertificate;
import dev.fleetnet.ssh.SshKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.server.forward.AgentForwardingFilter;
import org.apache.sshd.server.forward.X11ForwardingFilter;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's SSH server ({@code ssh MACHINE@HOST}): presents the host certificate the fleet SSH
 * CA signed for this host, admits users by the view's keys and certificates, runs shells and
 * commands inside the machine, serves SFTP (scp), forwards -L to the machine's own ports, and
 * closes a machine's sessions when it stops. Views arrive through {@link #update} from any thread;
 * the targets are swapped whole, and closing sessions happens on the "ssh-lifecycle" thread.
 */
public final class SshIngress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SshIngress.class);
    private final SshServer server;
    private final KeyPair hostKey;
    private final AtomicReference<SshTargets> targets = new AtomicReference<>(SshTargets.EMPTY);
    private final AtomicReference<OpenSshCertificate> certificate = new AtomicReference<>();
    /** The relay certificate with this host's private key: the identity of the second leg of relayed sessions. */
    private final AtomicReference<KeyPair> relayIdentity = new AtomicReference<>();
    private SessionRelay relay;
    /** The second leg to machines that run their own sshd. */
    private GuestRelay guestRelay;
    /** Where a machine that runs its own sshd listens for the relay, in the machine. */
    static final int GUEST_SSHD_PORT = 22;
    private final SshSessions sessions = new SshSessions();
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ssh-lifecycle");
        t.setDaemon(true);
        return t;
    });

    private final java.nio.file.Path certificateFile;

    private final SshIngressConfig config;

    private SshIngress(SshServer server, KeyPair hostKey, SshIngressConfig config) {
        this.server = server;
        this.hostKey = hostKey;
        this.config = config;
        this.certificateFile = config.hostKeyFile().resolveSibling(config.hostKeyFile().getFileName() + "-cert.pub");
    }

    public static SshIngress start(SshIngressConfig config) throws IOException {
        return start(config, GUEST_SSHD_PORT);
    }

    /** With the port machines' own sshd listens on ({@link #GUEST_SSHD_PORT} but in tests). */
    static SshIngress start(SshIngressConfig config, int guestSshdPort) throws IOException {
        KeyPair hostKey = loadOrCreateHostKey(config.hostKeyFile());
        SshServer server = SshServer.setUpDefaultServer();
        SshIngress ingress = new SshIngress(server, hostKey, config);
        ingress.restoreCertificate();
        server.setHost(config.listen().getHostString());
        server.setPort(config.listen().getPort());
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setHostKeyCertificateProvider(session -> {
            OpenSshCertificate c = ingress.certificate.get();
            return c == null ? List.of() : List.of(c);
        });
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        server.setUserAuthFactories(List.of(new CertificateAwarePublicKey.Factory())); // public keys and certificates only
        server.setPublickeyAuthenticator(new FleetAuthenticator(ingress.targets::get, ingress.sessions, Clock.systemUTC()));
        server.addSessionListener(ingress.sessions);
        ingress.relay = new SessionRelay(ingress.targets::get, ingress.relayIdentity::get, config.listen().getPort());
        ingress.guestRelay = new GuestRelay(ingress.relayIdentity::get, guestSshdPort);
        server.setShellFactory(channel -> RefusalNotes.around(channel, ingress.process(channel.getSession().getUsername(), null)));
        server.setCommandFactory((channel, command) -> RefusalNotes.around(channel,
                ingress.process(channel.getSession().getUsername(), command)));
        // A netns machine shares its host's filesystem: SFTP (what scp speaks) serves the host's files.
        SftpSubsystemFactory sftp = new SftpSubsystemFactory.Builder().build();
        server.setSubsystemFactories(List.of(new org.apache.sshd.server.subsystem.SubsystemFactory() {
            @Override
            public String getName() {
                return sftp.getName();
            }

            @Override
            public org.apache.sshd.server.command.Command createSubsystem(org.apache.sshd.server.channel.ChannelSession channel)
                    throws IOException {
                String machine = channel.getSession().getUsername();
                RelayedProcess.Leg leg = ingress.secondLeg(machine);
                // a netns machine's own files are its host's; any other is asked on its second leg
                return leg == null ? sftp.createSubsystem(channel) : RelayedProcess.subsystem(machine, sftp.getName(), leg);
            }
        }));
        MachineForwarding forwarding = new MachineForwarding(ingress.targets::get);
        server.setForwardingFilter(new org.apache.sshd.server.forward.ForwardingFilter() {
            @Override
            public boolean canForwardAgent(org.apache.sshd.common.session.Session session, String requestType) {
                return false; // not asked while the server has no agent factory: RefusalNotes tells the user
            }

            @Override
            public boolean canForwardX11(org.apache.sshd.common.session.Session session, String requestType) {
                return false;
            }

            @Override
            public boolean canListen(org.apache.sshd.common.util.net.SshdSocketAddress address, org.apache.sshd.common.session.Session session) {
                RefusalNotes.add(session, RefusalNotes.REMOTE);
                return forwarding.canListen(address, session);
            }

            @Override
            public boolean canConnect(Type type, org.apache.sshd.common.util.net.SshdSocketAddress address,
                    org.apache.sshd.common.session.Session session) {
                return forwarding.canConnect(type, address, session);
            }
        });
        List<ChannelFactory> channels = List.of(ChannelSessionFactory.INSTANCE, forwarding.new DirectChannels());
        server.setChannelFactories(channels);
        server.start();
        log.info("SSH ingress listening on {} (host key {})", ingress.address(), SshKeys.fingerprint(hostKey.getPublic()));
        return ingress;
    }

    /** A process in a netns machine of this host, or relayed to the machine's own sshd or to the host it runs on. */
    private org.apache.sshd.server.command.Command process(String machine, String command) {
        RelayedProcess.Leg leg = secondLeg(machine);
        return leg == null ? new MachineProcess(machine, command, config, sessions) : new RelayedProcess(machine, command, leg);
    }

    /** How to open {@code machine}'s sessions elsewhere: its own sshd, the host it runs on, or null to run them here. */
    private RelayedProcess.Leg secondLeg(String machine) {
        SshTargets now = targets.get();
        String guest = now.guestSshd(machine);
        if (guest != null) {
            return () -> guestRelay.open(machine, guest);
        }
        String host = now.relayAddress(machine);
        return host == null ? null : () -> relay.open(machine, host);
    }

    /**
     * A login shell with a PTY of {@code columns} x {@code rows} on {@code machine} for the web
     * console, on this host or relayed to the machine's: keystrokes from {@code input}, terminal
     * output (and a stopped machine's message) to {@code output}, the end to {@code exit}.
     *
     * @throws MachineTerminal.Refused when the machine cannot be opened from here (stopped, unknown, tap)
     */
    public MachineTerminal openTerminal(String machine, int columns, int rows, java.io.InputStream input, java.io.OutputStream output,
            org.apache.sshd.server.ExitCallback exit) throws IOException {
        String refusal = targets.get().refusal(machine, false);
        if (refusal != null) {
            throw new MachineTerminal.Refused(refusal);
        }
        org.apache.sshd.server.StandardEnvironment env = MachineTerminal.environment(machine, columns, rows);
        org.apache.sshd.server.command.Command process = process(machine, null);
        process.setInputStream(input);
        process.setOutputStream(output);
        process.setErrorStream(output); // a PTY has one stream; the stop message goes there too
        process.setExitCallback(exit);
        if (process instanceof MachineProcess local) {
            local.start(env, null);
        } else {
            process.start(null, env);
        }
        return new MachineTerminal(process, env);
    }

    private static KeyPair loadOrCreateHostKey(java.nio.file.Path file) throws IOException {
        if (Files.exists(file)) {
            return SshKeys.parsePrivateKey(Files.readString(file));
        }
        KeyPair pair = SshKeys.generateEd25519();
        DurableFiles.write(file, SshKeys.privateKeyText(pair, "fleetnet-host").getBytes(StandardCharsets.UTF_8),
                DurableFiles.OWNER_ONLY);
        return pair;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getBoundAddresses().iterator().next();
    }

    /** The host's public key line, for the controller to certify. */
    public String hostPublicKey() {
        return SshKeys.line(hostKey.getPublic());
    }

    /** The certificate the last controller signed, kept next to the key: a restarted agent presents it before it reconnects. */
    private void restoreCertificate() {
        try {
            if (Files.exists(certificateFile)) {
                OpenSshCertificate c = SshKeys.parseCertificate(Files.readString(certificateFile));
                if (org.apache.sshd.common.config.keys.KeyUtils.compareKeys(c.getCertPubKey(), hostKey.getPublic())) {
                    certificate.set(c);
                }
            }
            if (Files.exists(relayFile())) {
                relayIdentity.set(new KeyPair(SshKeys.parseCertificate(Files.readString(relayFile())), hostKey.getPrivate()));
            }
        } catch (IOException | IllegalArgumentException e) {
            log.warn("saved SSH host certificate {} not used: {}", certificateFile, e.getMessage());
        }
    }

    private java.nio.file.Path relayFile() {
        return certificateFile.resolveSibling(certificateFile.getFileName().toString().replace("-cert.pub", "-relay-cert.pub"));
    }

    /** True when there is no certificate or less than a third of its life is left: time to ask the controller for a new one. */
    public boolean certificateDue(java.time.Instant now) {
        OpenSshCertificate c = certificate.get();
        if (c == null) {
            return true;
        }
        long life = c.getValidBefore() - c.getValidAfter();
        return now.getEpochSecond() > c.getValidBefore() - life / 3;
    }

    /** Presents {@code signed} from now on, if it certifies this host's key. */
    public void hostCertificate(SshHostCertificate signed) {
        try {
            OpenSshCertificate c = SshKeys.parseCertificate(signed.getCertificate());
            if (!org.apache.sshd.common.config.keys.KeyUtils.compareKeys(c.getCertPubKey(), hostKey.getPublic())) {
                log.error("SSH host certificate ignored: it certifies another key ({})", SshKeys.fingerprint(c));
                return;
            }
            certificate.set(c);
            if (!signed.getRelayCertificate().isEmpty()) {
                relayIdentity.set(new KeyPair(SshKeys.parseCertificate(signed.getRelayCertificate()), hostKey.getPrivate()));
            }
            try {
                if (!signed.getRelayCertificate().isEmpty()) {
                    DurableFiles.write(relayFile(), (signed.getRelayCertificate() + "\n").getBytes(StandardCharsets.UTF_8),
                            DurableFiles.WORLD_READABLE);
                }
                DurableFiles.write(certificateFile, (signed.getCertificate() + "\n").getBytes(StandardCharsets.UTF_8),
                        DurableFiles.WORLD_READABLE);
            } catch (IOException e) {
                log.warn("cannot keep the SSH host certificate in {}: {}", certificateFile, e.toString());
            }
            log.info("SSH host certificate for {} valid until {}", signed.getPrincipalsList(),
                    java.time.Instant.ofEpochSecond(c.getValidBefore()));
        } catch (IllegalArgumentException e) {
            log.error("SSH host certificate ignored: {}", e.getMessage());
        }
    }

    /** Takes a new view: keys, certificates and machines; closes the sessions of machines that stopped. Any thread. */
    public void update(HostView view) {
        lifecycle.execute(() -> {
            SshTargets next = SshTargets.of(view).reuseAccess(targets.get());
            targets.set(next); // new sessions see the change at once (a deleted key is refused from here on)
            int closed = sessions.closeAllBut(next.openable());
            if (closed > 0) {
                log.info("ssh: closed {} sessions of stopped machines (view revision {})", closed, view.getRevision());
            }
        });
    }

    /** Takes {@code next} as they are (tests: relay addresses of their own). */
    void update(SshTargets next) {
        targets.set(next);
    }

    /** Open sessions (authenticated). */
    public int sessions() {
        return sessions.size();
    }

    @Override
    public void close() {
        lifecycle.shutdownNow();
        if (relay != null) {
            relay.close();
        }
        if (guestRelay != null) {
            guestRelay.close();
        }
        try {
            server.stop(true);
        } catch (IOException e) {
            log.warn("closing the SSH ingress: {}", e.toString());
        }
    }
}
