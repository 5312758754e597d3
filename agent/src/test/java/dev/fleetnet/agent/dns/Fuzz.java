package dev.fleetnet.agent.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Hostile input for the server: random bytes, and valid queries with bytes flipped, cut short
 * or extended — the latter get past the header checks and reach the parser and the zone.
 */
final class Fuzz {
    private static final List<byte[]> SEEDS = List.of(
            DnsFixtures.query("web-1.internal.", "AAAA").toWire(),
            DnsFixtures.query("top2.nearest.of.web.internal.", "AAAA").toWire(),
            DnsFixtures.query("_instances.internal.", "TXT").toWire(),
            DnsFixtures.queryWithEdns("vms.web.internal.", "TXT", 1232).toWire(),
            DnsFixtures.queryWithEdns("www.example.test.", "AAAA", 4096).toWire(),
            DnsFixtures.query("internal.", "SOA").toWire());

    private Fuzz() {}

    static List<byte[]> packets(Random random, int count) {
        List<byte[]> packets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            packets.add(switch (i % 4) {
                case 0 -> randomBytes(random, random.nextInt(600));
                case 1 -> flipped(random, SEEDS.get(random.nextInt(SEEDS.size())));
                case 2 -> cut(random, SEEDS.get(random.nextInt(SEEDS.size())));
                default -> extended(random, SEEDS.get(random.nextInt(SEEDS.size())));
            });
        }
        return packets;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] flipped(Random random, byte[] seed) {
        byte[] bytes = seed.clone();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            // Mostly past the id, so the header checks do not stop every mutation.
            bytes[2 + random.nextInt(bytes.length - 2)] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static byte[] cut(Random random, byte[] seed) {
        return java.util.Arrays.copyOf(seed, random.nextInt(seed.length));
    }

    private static byte[] extended(Random random, byte[] seed) {
        byte[] tail = randomBytes(random, 1 + random.nextInt(300));
        byte[] bytes = java.util.Arrays.copyOf(seed, seed.length + tail.length);
        System.arraycopy(tail, 0, bytes, seed.length, tail.length);
        return bytes;
    }
}
