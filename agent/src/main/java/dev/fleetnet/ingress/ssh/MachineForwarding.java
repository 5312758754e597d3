package dev.fleetnet.ingress.ssh;

import java.io.IOException;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.TcpipServerChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port forwarding, {@code ssh -L LOCAL:localhost:PORT MACHINE@HOST} only: "localhost" (or the
 * machine's name or address) means the machine, reached at its fdaa:: address — directly when it
 * runs here, over the mesh (its exposed ports only) when it runs on another host; any other
 * target and every remote forward are refused.
 */
final class MachineForwarding implements TcpForwardingFilter {
    private static final Logger log = LoggerFactory.getLogger(MachineForwarding.class);
    private static final Set<String> LOCAL_NAMES = Set.of("localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "ip6-localhost");
    private final Supplier<SshTargets> targets;

    MachineForwarding(Supplier<SshTargets> targets) {
        this.targets = targets;
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        log.info("ssh: remote forwarding of {} refused for machine {} (only -L to the machine's own ports is allowed)", address,
                SshSessions.machine(session));
        return false;
    }

    @Override
    public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
        String machine = SshSessions.machine(session);
        String own = machine == null ? null : targets.get().address(machine);
        boolean ok = type == Type.Direct && own != null && sameAddress(own, address.getHostName());
        if (!ok) {
            log.info("ssh: forwarding to {} refused for machine {} (expected: localhost:PORT, the machine's own ports)", address, machine);
            return false;
        }
        String refusal = targets.get().forwardRefusal(machine, address.getPort());
        if (refusal != null) {
            log.info("ssh: forwarding to {} refused: {}", address, refusal);
            return false;
        }
        return true;
    }

    /** The target as the machine's address when it names the machine, else unchanged (and refused by {@link #canConnect}). */
    String resolve(String machine, String host) {
        String own = machine == null ? null : targets.get().address(machine);
        if (own != null && (LOCAL_NAMES.contains(host) || host.equals(machine) || sameAddress(own, host))) {
            return own;
        }
        return host;
    }

    private static boolean sameAddress(String a, String b) {
        return dev.fleetnet.core.Ipv6.isValid(a) && dev.fleetnet.core.Ipv6.isValid(b)
                && dev.fleetnet.core.Ipv6.canonical(a).equals(dev.fleetnet.core.Ipv6.canonical(b));
    }

    /** {@code direct-tcpip} channels whose target is rewritten from "localhost" to the machine before MINA connects. */
    final class DirectChannels extends TcpipServerChannel.TcpipFactory {
        DirectChannels() {
            super(Type.Direct);
        }

        @Override
        public Channel createChannel(Session session) throws IOException {
            return new TcpipServerChannel(getType(), getExecutorService()) {
                @Override
                protected OpenFuture doInit(Buffer buffer) {
                    String host = buffer.getString();
                    int port = buffer.getInt();
                    String originatorHost = buffer.getString();
                    int originatorPort = buffer.getInt();
                    Buffer rewritten = new ByteArrayBuffer();
                    rewritten.putString(resolve(SshSessions.machine(getSession()), host));
                    rewritten.putInt(port);
                    rewritten.putString(originatorHost);
                    rewritten.putInt(originatorPort);
                    return super.doInit(rewritten);
                }
            };
        }
    }
}
