package org.fusd.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fusd.host.channel.loopback.LoopbackReply;
import org.junit.jupiter.api.Test;

/** The rules every channel shares, as the core applies them: tested once, here. */
class ReplyTest {

    /** Records what a channel would write. */
    private static final class Recorder implements ReplyEncoder {
        final List<String> sent = new ArrayList<>();
        final List<Object> givenBack = new ArrayList<>();
        int abandoned;

        @Override
        public void error(Reply r, Errno errno) {
            sent.add(errno.name());
        }

        @Override
        public void opened(OpenReply r) {
            sent.add("opened");
        }

        @Override
        public void openAbandoned(OpenReply r) {
            abandoned++;
        }

        @Override
        public void read(ReadReply r, ByteBuffer bytes, int n) {
            sent.add("read " + n);
        }

        @Override
        public void wrote(WriteReply r, int n) {
            sent.add("wrote " + n);
        }

        @Override
        public void ioctl(IoctlReply r, int result, ByteBuffer out, int n) {
            sent.add("ioctl " + result + " +" + n);
        }

        @Override
        public void polled(PollReply r, int mask) {
            sent.add("mask " + mask);
        }

        @Override
        public void done(DoneReply r) {
            sent.add("done");
        }

        @Override
        public void settled(Reply r, Object lentBuffer) {
            sent.add("settled");
            if (lentBuffer != null) {
                givenBack.add(lentBuffer);
            }
        }
    }

    @Test
    void theFirstCompletionWinsAndLaterOnesAreIgnored() {
        Recorder rec = new Recorder();
        ReadReply r = new ReadReply(rec, 1, 10);
        r.bytes(ByteBuffer.wrap(new byte[3]));
        r.error(Errno.EIO);
        r.endOfFile();
        assertEquals(List.of("read 3", "settled"), rec.sent);
        assertTrue(r.isDone());
    }

    @Test
    void answersAreKeptWithinWhatTheCallerTakes() {
        Recorder rec = new Recorder();
        new ReadReply(rec, 1, 4).bytes(ByteBuffer.wrap(new byte[100]));
        new WriteReply(rec, 2, 5).count(9);
        new WriteReply(rec, 3, 5).count(-1);
        new IoctlReply(rec, 4, 8).result(7, ByteBuffer.wrap(new byte[20]));
        new IoctlReply(rec, 5, 8).result(-Errno.EAGAIN.number());
        assertEquals(
                List.of(
                        "read 4",
                        "settled",
                        "wrote 5",
                        "settled",
                        "wrote 0",
                        "settled",
                        "ioctl 7 +8",
                        "settled",
                        "EAGAIN",
                        "settled"),
                rec.sent);
    }

    @Test
    void anInterruptWithAnActionAnswersEintrOnce() {
        Recorder rec = new Recorder();
        ReadReply r = new ReadReply(rec, 1, 10);
        AtomicInteger ran = new AtomicInteger();
        r.interrupt(); // before the device registered its action: remembered
        assertFalse(r.isDone());
        r.onInterrupt(ran::incrementAndGet);
        r.interrupt(); // the kernel sends INTERRUPT again
        r.bytes(ByteBuffer.wrap(new byte[1])); // too late
        assertEquals(1, ran.get());
        assertEquals(List.of("EINTR", "settled"), rec.sent);
    }

    @Test
    void anInterruptWithoutAnActionLeavesTheAnswerToTheDevice() {
        Recorder rec = new Recorder();
        WriteReply r = new WriteReply(rec, 1, 10);
        r.interrupt();
        r.count(3);
        assertEquals(List.of("wrote 3", "settled"), rec.sent);
    }

    @Test
    void aCallerAlreadyGoneEndsTheCallWithNothingSent() {
        Recorder rec = new Recorder();
        ReadReply r = new ReadReply(rec, 1, 10);
        Object buffer = new Object();
        assertTrue(r.lend(buffer));
        r.callerGone();
        AtomicInteger ran = new AtomicInteger();
        r.onInterrupt(ran::incrementAndGet); // registered later: still runs, once
        r.bytes(ByteBuffer.wrap(new byte[1]));
        assertEquals(1, ran.get());
        assertEquals(List.of("settled"), rec.sent);
        assertTrue(rec.givenBack.isEmpty(), "the device may still read the buffer: not reused");
    }

    @Test
    void anOpenAcceptedAfterItsCallerWasGoneIsHandedBack() {
        Recorder rec = new Recorder();
        OpenReply r = new OpenReply(rec, 1);
        r.callerGone();
        r.ok();
        assertEquals(1, rec.abandoned);
        OpenReply failed = new OpenReply(rec, 2);
        failed.error(Errno.EBUSY);
        failed.ok();
        assertEquals(1, rec.abandoned, "only an interrupted open is handed back");
    }

    @Test
    void aLentBufferComesBackOnceAfterTheAnswer() {
        Recorder rec = new Recorder();
        WriteReply r = new WriteReply(rec, 1, 10);
        Object buffer = new Object();
        assertTrue(r.lend(buffer), "pending: the channel must take another buffer");
        r.count(10);
        assertEquals(1, rec.givenBack.size());
        assertSame(buffer, rec.givenBack.get(0));

        WriteReply answered = new WriteReply(rec, 2, 10);
        answered.count(1);
        assertFalse(answered.lend(new Object()), "answered already: the channel keeps its buffer");
        assertEquals(1, rec.givenBack.size());
    }

    @Test
    void aListenerHearsHowTheCallEnded() {
        Recorder rec = new Recorder();
        PollReply r = new PollReply(rec, 1);
        List<String> heard = new ArrayList<>();
        r.listen((reply, errno, value) -> heard.add(errno + " " + value));
        r.mask(5);
        assertEquals(List.of("null 5"), heard);
    }

    @Test
    void loopbackAcceptsAnEmptyReadLikeTheRealChannels() throws Exception {
        LoopbackReply lr = new LoopbackReply();
        lr.forRead(10).bytes(null);
        LoopbackReply.Result res = lr.future().get();
        assertTrue(res.ok());
        assertEquals(0, res.data().length);
        LoopbackReply io = new LoopbackReply();
        io.forIoctl(0).result(3, null);
        assertNull(io.future().get().data());
    }
}
