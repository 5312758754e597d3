package dev.fleetnet.controller.console;

import dev.fleetnet.console.ConsoleTokens;
import dev.fleetnet.controller.api.Calls;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.Backend;
import dev.fleetnet.proto.v1.ConsoleGrant;
import dev.fleetnet.proto.v1.ConsoleServiceGrpc;
import dev.fleetnet.proto.v1.Machine;
import dev.fleetnet.proto.v1.MachineState;
import dev.fleetnet.proto.v1.OpenConsoleRequest;
import dev.fleetnet.proto.v1.OpenConsoleResponse;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ConsoleService}: a single-use, short-lived link to one machine's terminal in the browser,
 * {@code https://console.{suffix}/#TOKEN}. The token travels in the fragment, which browsers never
 * send in the page request; the page sends it once, in its WebSocket upgrade.
 */
public final class ConsoleApi extends ConsoleServiceGrpc.ConsoleServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ConsoleApi.class);
    private final ConsoleStore store;
    private final FleetStore fleet;
    /** {@code https://console.{suffix}/}: where every agent's HTTPS ingress serves the console page. */
    private final String pageUrl;
    private final Clock clock;

    public ConsoleApi(ConsoleStore store, FleetStore fleet, String consoleHostname, Clock clock) {
        this.store = store;
        this.fleet = fleet;
        this.pageUrl = "https://" + consoleHostname + "/";
        this.clock = clock;
    }

    @Override
    public void openConsole(OpenConsoleRequest request, StreamObserver<OpenConsoleResponse> out) {
        Calls.unary(out, () -> {
            Names.check("machine", request.getMachine());
            Duration ttl = ConsoleGrants.ttl(request.getTtlSeconds());
            Machine machine = fleet.machine(request.getMachine()); // NOT_FOUND for an unknown machine
            if (machine.getDesiredState() != MachineState.MACHINE_STATE_RUNNING) {
                throw new FleetException(FleetException.Kind.FAILED_PRECONDITION, "machine '" + machine.getName()
                        + "' is stopped (expected: a running machine; `fleetnet machine start " + machine.getName() + "`)");
            }
            if (machine.getBackend() == Backend.BACKEND_TAP) {
                throw new FleetException(FleetException.Kind.FAILED_PRECONDITION, "machine '" + machine.getName()
                        + "' is a tap machine; a console would reach its own sshd, which is not relayed yet (expected: a netns machine)");
            }
            Instant now = clock.instant();
            String token = ConsoleTokens.generate();
            String id = ConsoleTokens.id(token);
            ConsoleGrant grant = ConsoleGrants.issue(machine.getName(), now, ttl);
            store.create(id, grant, ttl.plus(ConsoleGrants.KEPT_AFTER_EXPIRY));
            log.info("console link {} issued for machine {} until {}", ConsoleStore.shortId(id), machine.getName(),
                    Instant.ofEpochMilli(grant.getExpiresEpochMillis()));
            return OpenConsoleResponse.newBuilder().setUrl(pageUrl + "#" + token).setMachine(machine.getName())
                    .setExpiresEpochSeconds(now.plus(ttl).getEpochSecond()).build();
        });
    }
}
