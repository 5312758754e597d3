package dev.fleetnet.agent.dns;

import dev.fleetnet.core.Ipv6;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names of one network, indexed once per directory so that answering is a map lookup:
 * running machines only, keys in lower case.
 *
 * <p>Orders: an app's machines are "nearest first" — those on the local host, then the others by
 * host name, each group by machine name (then address) — for {@code {app}.internal} and
 * {@code topN.nearest.of.{app}.internal} alike, so every answer is deterministic.
 * A machine name wins over an app of the same name for {@code {name}.internal}.
 */
final class NetworkIndex {
    /** A network with no running machine: only the always-present names exist. */
    static final NetworkIndex EMPTY = new NetworkIndex(List.of(), "");

    private static final int MAX_TXT_STRING = 255;

    private final Map<String, Node> singleLabel = new HashMap<>();
    private final Map<String, List<InetAddress>> nearestByApp = new HashMap<>();
    private final Map<String, Node> vmsByApp = new HashMap<>();

    NetworkIndex(List<DnsMachine> machines, String localHost) {
        List<DnsMachine> running = machines.stream().filter(DnsMachine::running)
                .sorted(nearestFirst(localHost)).toList();
        Map<String, List<InetAddress>> byMachine = new HashMap<>();
        Map<String, List<DnsMachine>> byApp = new TreeMap<>();
        List<String> instances = new ArrayList<>();
        for (DnsMachine m : running) {
            byMachine.computeIfAbsent(key(m.name()), k -> new ArrayList<>()).add(inet(m.address()));
            if (!m.app().isEmpty()) {
                byApp.computeIfAbsent(key(m.app()), k -> new ArrayList<>()).add(m);
            }
            instances.add("instance=" + m.name() + ",app=" + m.app() + ",ip=" + m.address() + ",host=" + m.host());
        }
        byApp.forEach((app, members) -> {
            List<InetAddress> addresses = members.stream().map(m -> inet(m.address())).toList();
            nearestByApp.put(app, addresses);
            singleLabel.put(app, Node.addresses(addresses));
            List<String> names = members.stream().map(DnsMachine::name).sorted().toList();
            vmsByApp.put(app, Node.texts(List.of(commaList(names))));
        });
        // Machines after apps: a machine name wins over an app of the same name.
        byMachine.forEach((name, addresses) -> singleLabel.put(name, Node.addresses(List.copyOf(addresses))));
        singleLabel.put("_apps", Node.texts(byApp.isEmpty() ? List.of() : List.of(commaList(List.copyOf(byApp.keySet())))));
        singleLabel.put("_instances", Node.texts(instances.stream().map(NetworkIndex::strings).toList()));
        // vms.internal has children (vms.{app}.internal) whenever an app exists: an empty non-terminal.
        if (!byApp.isEmpty()) {
            singleLabel.putIfAbsent("vms", Node.EMPTY);
        }
    }

    /**
     * The node at {@code labels} (left to right, lower case, below {@code internal.}), or null if
     * no such name exists. Empty non-terminals ({@code of.{app}}, {@code nearest.of.{app}}) exist
     * with no data, so a resolver that caches NXDOMAIN for a whole subtree (RFC 8020) keeps working.
     */
    Node lookup(List<String> labels) {
        return switch (labels.size()) {
            case 1 -> singleLabel.get(labels.get(0));
            case 2 -> switch (labels.get(0)) {
                case "vms" -> vmsByApp.get(labels.get(1));
                case "of" -> nearestByApp.containsKey(labels.get(1)) ? Node.EMPTY : null;
                default -> null;
            };
            case 3 -> labels.get(0).equals("nearest") && labels.get(1).equals("of")
                    && nearestByApp.containsKey(labels.get(2)) ? Node.EMPTY : null;
            case 4 -> nearest(labels);
            default -> null;
        };
    }

    private Node nearest(List<String> labels) {
        if (!labels.get(1).equals("nearest") || !labels.get(2).equals("of")) {
            return null;
        }
        List<InetAddress> all = nearestByApp.get(labels.get(3));
        int n = topCount(labels.get(0));
        if (all == null || n <= 0) {
            return null;
        }
        return Node.addresses(all.subList(0, Math.min(n, all.size())));
    }

    /** N of {@code top{N}} (1..999999999), or 0 when the label is not of that form. */
    static int topCount(String label) {
        if (!label.startsWith("top") || label.length() < 4 || label.length() > 12 || label.charAt(3) == '0') {
            return 0;
        }
        int n = 0;
        for (int i = 3; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static Comparator<DnsMachine> nearestFirst(String localHost) {
        return Comparator.comparing((DnsMachine m) -> !m.host().equals(localHost))
                .thenComparing(DnsMachine::host)
                .thenComparing(DnsMachine::name)
                .thenComparing(DnsMachine::address);
    }

    /**
     * One TXT record's strings for a comma-separated list, the form Fly's {@code _apps.internal}
     * and {@code vms.{app}.internal} use. A list longer than one TXT string (255 bytes) continues in
     * the next string of the same record, split after a comma: joining the strings gives the list.
     */
    static List<String> commaList(List<String> items) {
        List<String> strings = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i) + (i + 1 < items.size() ? "," : "");
            if (current.length() + item.length() > MAX_TXT_STRING && current.length() > 0) {
                strings.add(current.toString());
                current.setLength(0);
            }
            current.append(item);
        }
        strings.add(current.toString());
        return strings.stream().flatMap(s -> strings(s).stream()).toList();
    }

    /** A text cut into TXT strings of at most 255 bytes (names are ASCII). */
    static List<String> strings(String text) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i += MAX_TXT_STRING) {
            out.add(text.substring(i, Math.min(text.length(), i + MAX_TXT_STRING)));
        }
        return out.isEmpty() ? List.of("") : out;
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    static InetAddress inet(String address) {
        try {
            return InetAddress.getByAddress(Ipv6.parse(address)); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address: " + address, e);
        }
    }

    /** What one name holds: AAAA addresses and TXT records (each a list of strings); empty = exists, no data. */
    record Node(List<InetAddress> addresses, List<List<String>> texts) {
        static final Node EMPTY = new Node(List.of(), List.of());

        static Node addresses(List<InetAddress> addresses) {
            return new Node(addresses, List.of());
        }

        static Node texts(List<List<String>> texts) {
            return new Node(List.of(), texts);
        }
    }
}
