package dev.fleetnet.lab;

import dev.fleetnet.core.DurableFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a running lab is made of (its controller's gRPC API address and REST address, etcd, the
 * processes by role), kept in {@code <lab dir>/lab.properties} so {@code lab down},
 * {@code lab status} and the CLI find it from another process.
 */
public record LabState(String prefix, int hosts, String apiAddress, String etcdEndpoint, Map<String, Long> pids, String restAddress) {
    static final String FILE = "lab.properties";

    public LabState {
        pids = Map.copyOf(pids);
    }

    /** The API CA certificate the lab's controller writes into the lab directory, for clients. */
    public static Path apiCaFile(Path dir) {
        return dir.resolve("api-ca.pem");
    }

    /** The admin API token the lab's controller writes (owner-only) into the lab directory at its first start. */
    public static Path adminTokenFile(Path dir) {
        return dir.resolve("admin-token");
    }

    public LabLayout layout() {
        return new LabLayout(prefix, hosts);
    }

    public LabState withPid(String role, long pid) {
        Map<String, Long> next = new TreeMap<>(pids);
        next.put(role, pid);
        return new LabState(prefix, hosts, apiAddress, etcdEndpoint, next, restAddress);
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("prefix", prefix);
        p.setProperty("hosts", Integer.toString(hosts));
        p.setProperty("api", apiAddress);
        p.setProperty("etcd", etcdEndpoint);
        if (restAddress != null) {
            p.setProperty("rest", restAddress);
        }
        pids.forEach((role, pid) -> p.setProperty("pid." + role, Long.toString(pid)));
        java.io.StringWriter text = new java.io.StringWriter();
        p.store(text, "fleetnet lab");
        DurableFiles.write(dir.resolve(FILE), text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                DurableFiles.WORLD_READABLE);
    }

    /** The lab recorded in {@code dir}, or {@code null} when there is none. */
    public static LabState load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        Map<String, Long> pids = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("pid.")) {
                pids.put(key.substring(4), Long.parseLong(p.getProperty(key)));
            }
        }
        return new LabState(p.getProperty("prefix"), Integer.parseInt(p.getProperty("hosts")),
                p.getProperty("api"), p.getProperty("etcd"), pids, p.getProperty("rest"));
    }
}
