package dev.fleetnet.agent.dns;

import dev.fleetnet.agent.Sandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the real {@code dig} inside a namespace and reads its output: status, flags and sections. */
record Dig(String status, List<String> flags, List<String> answers, List<String> authority, String output) {
    private static final Pattern STATUS = Pattern.compile("status: (\\w+)");
    private static final Pattern FLAGS = Pattern.compile(";; flags: ([a-z ]+);");

    /** {@code ip netns exec NS dig @server -p port -b source [+tcp] name type}, one try, 2 s timeout. */
    static Dig run(String namespace, String server, int port, String source, boolean tcp, String name, String type) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "dig", "@" + server, "-p", String.valueOf(port),
                "-b", source, "+time=2", "+tries=1", "+nocookie", name, type));
        if (tcp) {
            argv.add("+tcp");
        }
        Sandbox.Result result = Sandbox.exec(argv.toArray(String[]::new));
        return parse(result.output());
    }

    static Dig parse(String output) {
        Matcher status = STATUS.matcher(output);
        Matcher flags = FLAGS.matcher(output);
        return new Dig(status.find() ? status.group(1) : "NO ANSWER",
                flags.find() ? List.of(flags.group(1).trim().split(" ")) : List.of(),
                section(output, ";; ANSWER SECTION:"), section(output, ";; AUTHORITY SECTION:"), output);
    }

    /** The rdata of each record in a section ("fdaa:0:1:0:1:0:1:0", "\"api,db,web\""). */
    private static List<String> section(String output, String title) {
        List<String> rdata = new ArrayList<>();
        boolean in = false;
        for (String line : output.lines().toList()) {
            if (line.equals(title)) {
                in = true;
            } else if (in && line.isBlank()) {
                break;
            } else if (in) {
                String[] fields = line.split("\\s+", 5); // name ttl class type rdata
                rdata.add(fields[3] + " " + fields[1] + " " + fields[4]);
            }
        }
        return rdata;
    }
}
