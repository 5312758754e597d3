package dev.fleetnet.agent.wireguard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The smallest UAPI {@code set} that turns the actual device config into the desired one.
 * An unchanged peer is never mentioned (re-setting a peer disturbs its traffic); an endpoint
 * change sends only the endpoint; an allowed-IPs change replaces only that list.
 */
public final class MeshPlan {
    /** The plan for two equal configs: send nothing. */
    public static final List<String> NO_CHANGES = List.of();

    private MeshPlan() {}

    /** UAPI lines after {@code set=1} (no trailing blank line); empty when nothing differs. */
    public static List<String> between(MeshConfig actual, MeshConfig desired) {
        List<String> lines = new ArrayList<>();
        if (!desired.privateKeyHex().equals(actual.privateKeyHex())) {
            lines.add("private_key=" + desired.privateKeyHex());
        }
        if (desired.listenPort() != actual.listenPort()) {
            lines.add("listen_port=" + desired.listenPort());
        }
        for (String key : actual.peers().keySet()) {
            if (!desired.peers().containsKey(key)) {
                lines.add("public_key=" + key);
                lines.add("remove=true");
            }
        }
        for (Map.Entry<String, MeshConfig.Peer> e : desired.peers().entrySet()) {
            MeshConfig.Peer want = e.getValue();
            MeshConfig.Peer have = actual.peers().get(e.getKey());
            if (have == null) {
                lines.add("public_key=" + e.getKey());
                if (!want.endpoint().isEmpty()) {
                    lines.add("endpoint=" + want.endpoint());
                }
                lines.add("replace_allowed_ips=true");
                want.allowedIps().forEach(ip -> lines.add("allowed_ip=" + ip));
                continue;
            }
            boolean endpointChanged = !want.endpoint().isEmpty() && !want.endpoint().equals(have.endpoint());
            boolean allowedChanged = !want.allowedIps().equals(have.allowedIps());
            if (!endpointChanged && !allowedChanged) {
                continue;
            }
            lines.add("public_key=" + e.getKey());
            lines.add("update_only=true");
            if (endpointChanged) {
                lines.add("endpoint=" + want.endpoint());
            }
            if (allowedChanged) {
                lines.add("replace_allowed_ips=true");
                want.allowedIps().forEach(ip -> lines.add("allowed_ip=" + ip));
            }
        }
        return lines.isEmpty() ? NO_CHANGES : List.copyOf(lines);
    }
}
