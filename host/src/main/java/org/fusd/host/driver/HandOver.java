package org.fusd.host.driver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What crosses a reload, in one value: the device's state, each open file's
 * state (by file id), the pending calls whose Deferred sits in that state
 * (the new code answers them there), and the pending calls to run again on
 * the new code (their Deferred was in an old global, or they wait on a JS
 * promise). State is host-owned data and each call is a {@link
 * org.fusd.host.device.Call} record with its reply's id, so this is also
 * what a successor host would be handed.
 */
record HandOver(
        StateObject deviceState, Map<Long, StateObject> fileStates, List<Invocation> kept, List<Invocation> rerun) {

    /**
     * Sorts the calls the old code left pending and takes the rerun ones out
     * of pending: their Deferreds and promises are dead from now on.
     */
    static HandOver take(StateObject deviceState, Collection<ScriptFile> files, Set<Invocation> pending) {
        pending.removeIf(c -> c.reply.isDone());
        Set<Object> inState = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Long, StateObject> fileStates = new LinkedHashMap<>();
        collectDeferreds(deviceState, inState, seen);
        for (ScriptFile f : files) {
            fileStates.put(f.file.id(), f.state);
            collectDeferreds(f.state, inState, seen);
        }
        List<Invocation> kept = new ArrayList<>();
        List<Invocation> rerun = new ArrayList<>();
        for (Iterator<Invocation> it = pending.iterator(); it.hasNext(); ) {
            Invocation c = it.next();
            if (c.deferredBy != null && inState.contains(c.deferredBy)) {
                c.deferredBy.oncancel = null; // a function of the closed context
                kept.add(c);
                continue;
            }
            if (c.deferredBy != null) {
                c.deferredBy.done = true; // superseded: nobody can reply to it any more
            }
            if (c.settled != null) {
                c.settled[0] = true;
            }
            c.deferredBy = null;
            c.settled = null;
            c.deferred = false;
            it.remove();
            rerun.add(c);
        }
        return new HandOver(deviceState, fileStates, List.copyOf(kept), List.copyOf(rerun));
    }

    /** The Deferreds reachable from device and file state: the ones a successor's code can answer. */
    static Set<Object> deferredsInState(StateObject deviceState, Collection<ScriptFile> files) {
        Set<Object> inState = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collectDeferreds(deviceState, inState, seen);
        for (ScriptFile f : files) {
            collectDeferreds(f.state, inState, seen);
        }
        return inState;
    }

    private static void collectDeferreds(Object v, Set<Object> out, Set<Object> seen) {
        if (v instanceof Deferred) {
            out.add(v);
        } else if ((v instanceof StateObject || v instanceof StateList) && seen.add(v)) {
            Iterable<?> children = v instanceof StateObject o ? o.snapshot().values() : ((StateList) v).snapshot();
            for (Object child : children) {
                collectDeferreds(child, out, seen);
            }
        }
    }
}
