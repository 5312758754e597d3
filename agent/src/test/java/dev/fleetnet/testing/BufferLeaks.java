package dev.fleetnet.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * netty buffer leaks fail the agent's tests. Before any test class loads netty, this session
 * listener sets netty's leak detection to {@code paranoid} (every buffer tracked, with where it
 * was made and last used) and installs detectors that keep each report, which
 * {@link NoBufferLeaks} turns into a failure after each test class. In the agent a leaked pooled
 * buffer is lost direct memory: a leak a client can trigger at will is a way to exhaust the host.
 */
public final class BufferLeaks implements LauncherSessionListener {
    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        // the property too: a process-wide default that AgentMain (run in-process by tests) must not turn off
        System.setProperty(dev.fleetnet.ingress.core.Transports.LEAK_DETECTION, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new Recording());
    }

    /**
     * The leaks reported since the last call: collects garbage, waits (bounded) until the
     * collection's references are queued, and allocates, which is when netty looks at its queue.
     */
    static List<String> collect() throws InterruptedException {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        PhantomReference<Object> sentinel = new PhantomReference<>(new Object(), queue);
        System.gc();
        queue.remove(2_000); // the collection's references are being queued once the sentinel is
        for (int i = 0; i < 16; i++) {
            ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            pooled.release();
            ByteBuf unpooled = Unpooled.buffer(8);
            unpooled.release();
        }
        sentinel.clear();
        List<String> found = new ArrayList<>();
        for (String report; (report = REPORTS.poll()) != null; ) {
            found.add(report);
        }
        return found;
    }

    private static final class Recording extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return new ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected boolean needReport() {
                    return true; // whatever the log level
                }

                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    REPORTS.add(resourceType + " leaked:" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    REPORTS.add(resourceType + " leaked (no record of its use)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
