package dev.fleetnet.e2e;

import dev.fleetnet.proto.v1.Machine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A ping between two machines, stopped with SIGINT so it prints what it sent and got back. */
final class PingRun {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
    private final Machine from;
    private final Machine to;
    private final Process process;
    private String output = "";
    private int transmitted = -1;
    private int received = -1;

    private PingRun(Machine from, Machine to, Process process) {
        this.from = from;
        this.to = to;
        this.process = process;
    }

    static PingRun start(Machine from, Machine to) {
        try {
            // `ip netns exec` becomes ping itself (no fork), so the pid is ping's
            return new PingRun(from, to, new ProcessBuilder("ip", "netns", "exec", from.getNetns(), "ping", "-6", "-n", "-q",
                    "-i", "0.2", "-W", "2", to.getAddress()).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    void stop() throws Exception {
        Shell.run(List.of("kill", "-INT", Long.toString(process.pid())));
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = SUMMARY.matcher(output);
        if (m.find()) {
            transmitted = Integer.parseInt(m.group(1));
            received = Integer.parseInt(m.group(2));
        }
    }

    int transmitted() {
        return transmitted;
    }

    int lost() {
        return transmitted < 0 ? Integer.MAX_VALUE : transmitted - received;
    }

    String describe() {
        return from.getName() + "(" + from.getHost() + ") -> " + to.getName() + "(" + to.getHost() + "): "
                + output.lines().filter(l -> l.contains("packets transmitted")).findFirst().orElse(output);
    }
}
