package dev.fleetnet.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcNetTcpTest {
    private static final String TCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
               1: 0000000000000000FFFF00000100007F:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0
               2: AAFD0000010000000000000001000000:1F90 AAFD0000000000000100000001000000:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 4 30 10 -1
               3: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5004 1 0000000000000000 100 0 0 10 0
               4: 00000000000000000000000000000000:C350 000000000000000000000""";

    @Test
    void listeningSocketsOnlySortedAndDeduplicated() {
        // 0x1F90 = 8080 (twice: SO_REUSEPORT), 0x0016 = 22; the ESTABLISHED (01) line and the truncated last line are skipped
        assertThat(ProcNetTcp.listeningPorts(TCP6)).containsExactly(22, 8080);
    }

    @Test
    void ipv4TableAndEmptyInput() {
        String tcp = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0
                   1: 0100007F:0050 0100007F:9C40 06 00000000:00000000 03:00000DA4 00000000     0        0 0 3 0
                """;
        assertThat(ProcNetTcp.listeningPorts(tcp)).containsExactly(53);
        assertThat(ProcNetTcp.listeningPorts("")).isEmpty();
        assertThat(ProcNetTcp.listeningPorts("garbage\n 0: zz:zz 00:00 0A")).isEmpty();
    }
}
