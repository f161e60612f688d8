package org.fusd.host.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The reader pool over a queue that stands in for the channel's fd: a slow
 * request does not hold up the next one, the pool shrinks back after the
 * stall, and onEnd runs once when the connection ends.
 */
class ReaderPoolTest {
    private static final String END = "end";

    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final CountDownLatch slowMayFinish = new CountDownLatch(1);
    private final AtomicInteger handled = new AtomicInteger();

    private final class QueueReader implements ReaderPool.Reader {
        private String request;

        @Override
        public boolean next() {
            try {
                request = requests.take();
            } catch (InterruptedException e) {
                return false;
            }
            if (request.equals(END)) {
                requests.add(END); // every reader sees the end
                return false;
            }
            return true;
        }

        @Override
        public void handle() {
            if (request.equals("slow")) {
                ReaderPool.mayRunLong(true); // as a device's code run inline says
                try {
                    slowMayFinish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    ReaderPool.mayRunLong(false);
                }
            }
            handled.incrementAndGet();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void aSlowRequestGetsAnotherReaderStartedAndThePoolShrinksBack() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        ReaderPool pool = new ReaderPool("test-reader", 1, 4, QueueReader::new, ended::incrementAndGet);
        pool.start();
        assertEquals(1, pool.threads());

        requests.add("slow");
        requests.add("quick");
        await("the quick request, behind the slow one", () -> handled.get() == 1);
        assertEquals(2, pool.threads(), "a second reader took the quick request");

        slowMayFinish.countDown();
        await("the slow request", () -> handled.get() == 2);
        // The extra reader leaves after a request it handles while another waits.
        for (int i = 0; i < 100 && pool.threads() > 1; i++) {
            requests.add("quick");
            Thread.sleep(5);
        }
        assertEquals(1, pool.threads(), "the pool shrank back to one reader");

        requests.add(END);
        assertTrue(pool.await(5000), "the readers left at the end");
        assertEquals(0, pool.threads());
        assertEquals(1, ended.get(), "onEnd ran once");
    }
}
