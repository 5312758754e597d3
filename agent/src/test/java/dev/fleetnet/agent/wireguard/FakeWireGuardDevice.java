package dev.fleetnet.agent.wireguard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A WireGuard device in memory: interprets UAPI set lines and records every batch applied. */
public final class FakeWireGuardDevice implements WireGuardDevice {
    private final String name;
    private final Runnable onCreate;
    private MeshConfig config;
    public final List<List<String>> applied = new ArrayList<>();

    /** {@code onCreate} runs when the device is first made (e.g. to add its link to a fake kernel). */
    public FakeWireGuardDevice(String name, Runnable onCreate) {
        this.name = name;
        this.onCreate = onCreate;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean ensure() {
        if (config != null) {
            return false;
        }
        config = MeshConfig.EMPTY;
        onCreate.run();
        return true;
    }

    @Override
    public MeshConfig read() {
        return config;
    }

    @Override
    public void apply(List<String> lines) {
        applied.add(List.copyOf(lines));
        String key = config.privateKeyHex();
        int port = config.listenPort();
        Map<String, MeshConfig.Peer> peers = new HashMap<>(config.peers());
        String peer = null;
        for (String line : lines) {
            String k = line.substring(0, line.indexOf('='));
            String v = line.substring(line.indexOf('=') + 1);
            switch (k) {
                case "private_key" -> key = v;
                case "listen_port" -> port = Integer.parseInt(v);
                case "public_key" -> {
                    peer = v;
                    peers.putIfAbsent(v, new MeshConfig.Peer("", new TreeSet<>()));
                }
                case "remove" -> peers.remove(peer);
                case "endpoint" -> peers.put(peer, new MeshConfig.Peer(v, peers.get(peer).allowedIps()));
                case "replace_allowed_ips" -> peers.put(peer, new MeshConfig.Peer(peers.get(peer).endpoint(), new TreeSet<>()));
                case "allowed_ip" -> {
                    TreeSet<String> ips = new TreeSet<>(peers.get(peer).allowedIps());
                    ips.add(v);
                    peers.put(peer, new MeshConfig.Peer(peers.get(peer).endpoint(), ips));
                }
                default -> { }
            }
        }
        config = new MeshConfig(key, port, peers);
    }
}
