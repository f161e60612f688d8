package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.fusd.host.device.Errno;
import org.fusd.host.device.ErrnoException;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.device.PollEvents;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.Test;

/** examples/pipe.js over loopback: blocking reads, O_NONBLOCK, poll wake-ups, interrupted readers. */
class PipeTest {

    @Test
    void fifo() throws Exception {
        try (Harness h = new Harness()) {
            h.serve(Harness.example("pipe.js"));
            try (LoopbackFile reader = h.open("pipe", OpenFlags.O_RDONLY);
                    LoopbackFile writer = h.open("pipe", OpenFlags.O_WRONLY)) {
                // empty: poll says writable only; a non-blocking read fails with EAGAIN
                assertEquals(PollEvents.POLLOUT | PollEvents.POLLWRNORM, reader.poll());
                reader.setFlags(OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
                assertEquals(
                        Errno.EAGAIN,
                        assertThrows(ErrnoException.class, () -> reader.read(10))
                                .errno());
                reader.setFlags(OpenFlags.O_RDONLY);

                // a blocking read waits until another open writes
                LoopbackReply blocked = reader.startRead(100);
                reader.poll(); // calls run in order: once this is answered, the read is deferred
                assertFalse(blocked.isDone());
                long before = h.channel.notifications("pipe");
                assertEquals(6, writer.write("hello\n"));
                assertEquals("hello\n", new String(LoopbackFile.await(blocked).data(), StandardCharsets.UTF_8));
                assertTrue(h.channel.notifications("pipe") > before, "write must wake pollers");

                // data buffered: poll reports POLLIN; reads take it in order, at most size bytes
                writer.write("abcdef");
                assertTrue(LoopbackFile.readable(reader.pollFor(PollEvents.POLLIN, 1000)));
                assertEquals("abc", reader.readString(3));
                assertEquals("def", reader.readString(100));

                // an interrupted reader gets EINTR and does not swallow the next write
                LoopbackReply interrupted = reader.startRead(100);
                reader.poll(); // the read is deferred: the interrupt reaches the script
                interrupted.interrupt();
                assertEquals(
                        Errno.EINTR,
                        interrupted.future().get(5, TimeUnit.SECONDS).errno());
                writer.write("x");
                assertEquals("x", reader.readString(100));
            }
        }
    }
}
