package dev.fleetnet.agent;

/**
 * The newest view revision applied to one piece of state, so that a view older than it never
 * undoes it. A view at the same revision is applied (the restored view and a periodic resync
 * carry the revision they were received with); revision 0 means "no revision" and is applied
 * only while nothing newer has been. Pure value.
 */
public record ViewOrder(long newest) {
    /** Nothing applied yet: every view is admitted. */
    public static final ViewOrder NONE = new ViewOrder(0);

    public ViewOrder {
        if (newest < 0) {
            throw new IllegalArgumentException("newest: " + newest + " (expected: 0 or more)");
        }
    }

    /** Whether a view at {@code revision} may be applied: it is not older than the newest applied. */
    public boolean admits(long revision) {
        return revision >= newest;
    }

    /** The order once a view at {@code revision} is applied; unchanged if that view is not admitted. */
    public ViewOrder after(long revision) {
        return admits(revision) ? new ViewOrder(revision) : this;
    }
}
