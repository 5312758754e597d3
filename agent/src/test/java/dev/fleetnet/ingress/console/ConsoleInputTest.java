package dev.fleetnet.ingress.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConsoleInputTest {
    @Test
    void keystrokesComeOutInOrderAndTheEndIsMinusOne() {
        ConsoleInput input = new ConsoleInput(() -> {});
        input.offer("ab".getBytes(StandardCharsets.UTF_8));
        input.offer("\u00e9\r".getBytes(StandardCharsets.UTF_8));
        byte[] buffer = new byte[3];
        assertThat(input.read(buffer, 0, 3)).isEqualTo(2);
        assertThat(new String(buffer, 0, 2, StandardCharsets.UTF_8)).isEqualTo("ab");
        assertThat(input.read(buffer, 0, 3)).isEqualTo(3);
        assertThat(new String(buffer, 0, 3, StandardCharsets.UTF_8)).isEqualTo("\u00e9\r");
        input.offer("z".getBytes(StandardCharsets.UTF_8));
        input.close();
        assertThat(input.read()).as("what was queued before the close").isEqualTo('z');
        assertThat(input.read()).isEqualTo(-1);
        assertThat(input.offer("late".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void pastTheHighMarkTheSocketPausesUntilReadsBringItUnderTheLowMark() {
        AtomicInteger resumed = new AtomicInteger();
        ConsoleInput input = new ConsoleInput(resumed::incrementAndGet);
        byte[] chunk = new byte[64 * 1024];
        int pauses = 0;
        for (int i = 0; i < 5; i++) {
            pauses += input.offer(chunk) ? 1 : 0;
        }
        assertThat(input.queued()).isEqualTo(5 * 64 * 1024);
        assertThat(pauses).as("only the offer past 256 KiB pauses").isEqualTo(1);
        byte[] sink = new byte[64 * 1024];
        for (int i = 0; i < 3; i++) {
            input.read(sink, 0, sink.length);
        }
        assertThat(resumed).as("at 128 KiB still above the low mark").hasValue(0);
        input.read(sink, 0, sink.length);
        assertThat(resumed).as("under 64 KiB... not yet: exactly 64 KiB left").hasValue(0);
        input.read(sink, 0, 1);
        assertThat(resumed).hasValue(1);
        input.read(sink, 0, 1);
        assertThat(resumed).as("once per pause").hasValue(1);
    }
}
