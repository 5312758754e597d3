package dev.fleetnet.agent;

import dev.fleetnet.agent.state.SavedView;
import dev.fleetnet.agent.state.StateStore;
import dev.fleetnet.proto.v1.HostView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a starting agent does with the view it saved: a trusted one is applied at once, so
 * forwarding works with no controller; with none, or an untrusted one (moved aside), no pass
 * runs at all — no machine, link, namespace, route, peer or filter element is touched — and the
 * data plane waits, exactly as it is, for the controller's first view.
 */
final class ViewRestore {
    private static final Logger log = LoggerFactory.getLogger(ViewRestore.class);

    /** Applies a restored view (on the reconcile thread, waiting for it). */
    interface Restorer {
        void apply(HostView view, String why) throws Exception;
    }

    private ViewRestore() {}

    /** Reads the saved view, applies it through {@code restorer} only if it is trusted, and says what was found. */
    static SavedView restore(StateStore state, Restorer restorer) throws Exception {
        SavedView saved = state.lastView();
        switch (saved) {
            case SavedView.Trusted trusted -> restorer.apply(trusted.view(), "restored from " + state.dir());
            case SavedView.Absent absent -> log.info("no saved view at {}: the data plane is left as it is until the"
                    + " controller sends this host's view", absent.file());
            case SavedView.SetAside aside -> log.warn("saved view {} not used: {}; moved to {}; starting without a view:"
                    + " the data plane is left exactly as it is (nothing deleted) until the controller sends this host's view",
                    aside.file(), aside.problem(), aside.movedTo());
        }
        return saved;
    }
}
