package dev.fleetnet.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHeadTest {
    @ParameterizedTest
    @ValueSource(longs = {0, 7, 9, 10, 11, 99, 100, 101, 1000, 65535, 1234567890123L, 100000000000000000L, 999999999999999999L})
    void aLengthIsWrittenAsItsDecimalDigits(long value) {
        ByteBuf out = Unpooled.buffer();
        try {
            ClientHead.decimal(value, out);
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(Long.toString(value));
        } finally {
            out.release();
        }
    }
}
