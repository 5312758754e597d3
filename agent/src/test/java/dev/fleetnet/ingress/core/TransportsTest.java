package dev.fleetnet.ingress.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransportsTest {
    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    private final String property = System.getProperty(Transports.LEAK_DETECTION);

    @AfterEach
    void restore() { // process-wide: the tests after this one keep their level
        ResourceLeakDetector.setLevel(before);
        if (property == null) {
            System.clearProperty(Transports.LEAK_DETECTION);
        } else {
            System.setProperty(Transports.LEAK_DETECTION, property);
        }
    }

    @Test
    void leakDetectionIsOffForAServingProcessThatAskedForNothing() {
        System.clearProperty(Transports.LEAK_DETECTION);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        Transports.leakDetectionOffUnlessAsked();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    }

    @Test
    void aLevelAskedForWithNettysPropertyStays() {
        System.setProperty(Transports.LEAK_DETECTION, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        Transports.leakDetectionOffUnlessAsked();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }
}
