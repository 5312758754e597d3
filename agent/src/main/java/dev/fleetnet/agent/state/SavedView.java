package dev.fleetnet.agent.state;

import dev.fleetnet.proto.v1.HostView;
import java.nio.file.Path;

/**
 * What a starting agent found of the view it saved: one it can build from, none, or one it must
 * not trust (already moved aside). Only {@link Trusted} may drive the data plane.
 */
public sealed interface SavedView {
    /** The file the view is saved in. */
    Path file();

    /** A whole, unchanged view this host saved: the agent restores forwarding from it at once. */
    record Trusted(Path file, HostView view) implements SavedView {}

    /** No view was saved (a first start, or one after a set-aside with no controller reached since). */
    record Absent(Path file) implements SavedView {}

    /** A file that could not be trusted, moved to {@code movedTo}; {@code problem} says what was wrong with it. */
    record SetAside(Path file, ViewEnvelope.Rejected problem, Path movedTo) implements SavedView {}
}
