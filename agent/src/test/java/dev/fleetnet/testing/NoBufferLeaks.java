package dev.fleetnet.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test class of the agent (registered for all of them through the service loader):
 * fails it when netty reported a buffer that was garbage-collected without being released. A
 * leak is found when its buffer is collected, which can be after the class that made it: each
 * report says where its buffer was made and last used.
 */
public final class NoBufferLeaks implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = BufferLeaks.collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " netty buffer leak(s) found after " + context.getDisplayName()
                    + " (expected: every buffer released; a leak can come from an earlier class, see each record):\n"
                    + String.join("\n", leaks));
        }
    }
}
