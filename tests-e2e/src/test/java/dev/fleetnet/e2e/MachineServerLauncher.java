package dev.fleetnet.e2e;

import dev.fleetnet.client.FleetClient;
import dev.fleetnet.proto.v1.GetMachineRequest;
import dev.fleetnet.proto.v1.Machine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Starts a {@link MachineServer} inside a netns machine and waits until it is ready. */
public final class MachineServerLauncher {
    private MachineServerLauncher() {}

    public static Process start(FleetClient client, String machine, Path log) throws Exception {
        Machine m = client.machines().getMachine(GetMachineRequest.newBuilder().setName(machine).build());
        Process server = new ProcessBuilder("ip", "netns", "exec", m.getNetns(),
                ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                MachineServer.class.getName(), machine, "8080", "8081", log.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
        String ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null && !line.equals("ready")) {
                    // skip until ready
                }
                return line;
            } catch (IOException e) {
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        if (!"ready".equals(ready)) {
            server.destroyForcibly();
            throw new IllegalStateException("server in machine " + machine + " did not start");
        }
        return server;
    }
}
