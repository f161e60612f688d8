package org.fusd.host.driver;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.graalvm.polyglot.Context;

/**
 * One initialized, unused context per language, made in the background so a
 * hot reload does not wait for a language to start (GraalPy takes hundreds of
 * milliseconds; JS tens). Off until {@link #keep} asks for a language; each
 * {@link #take} starts making the next one. Guarded by {@code this}.
 */
final class SpareContexts implements AutoCloseable {
    private final Function<DriverRuntime.Language, Context> build;
    private final Map<DriverRuntime.Language, Context> ready = new EnumMap<>(DriverRuntime.Language.class);
    private final Map<DriverRuntime.Language, Boolean> wanted = new EnumMap<>(DriverRuntime.Language.class);
    private final ExecutorService maker = Executors.newSingleThreadExecutor(SpareContexts::makerThread);
    private boolean closed;

    /**
     * The background thread that makes spare contexts. Its priority is lowered on purpose: a
     * spare is only a head start for a later reload, and starting a language (GraalPy: hundreds
     * of milliseconds of CPU) must not compete with the device loops answering calls now.
     * Correctness never depends on it; it is a hint to the scheduler, nothing waits on it.
     */
    @SuppressWarnings("ThreadPriorityCheck") // intended: background work yields to serving threads, see above
    private static Thread makerThread(Runnable r) {
        Thread t = new Thread(r, "fusd-spare-context");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    }

    SpareContexts(Function<DriverRuntime.Language, Context> build) {
        this.build = build;
    }

    /** From now on keep a spare context for lang. */
    synchronized void keep(DriverRuntime.Language lang) {
        if (closed || wanted.put(lang, true) != null) {
            return;
        }
        refill(lang);
    }

    synchronized boolean ready(DriverRuntime.Language lang) {
        return ready.containsKey(lang);
    }

    /** A ready context for lang, or null (then the caller builds one). */
    synchronized Context take(DriverRuntime.Language lang) {
        Context c = ready.remove(lang);
        if (c != null) {
            refill(lang);
        }
        return c;
    }

    private void refill(DriverRuntime.Language lang) {
        maker.execute(() -> {
            Context c;
            try {
                c = build.apply(lang);
                c.initialize(lang.id);
            } catch (RuntimeException e) {
                return; // the next reload builds its own and reports what is wrong
            }
            synchronized (this) {
                if (closed || ready.containsKey(lang)) {
                    c.close(true);
                } else {
                    ready.put(lang, c);
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        maker.shutdownNow();
        for (Context c : ready.values()) {
            try {
                c.close(true);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        ready.clear();
    }
}
