package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fusd.host.device.Call;
import org.fusd.host.device.ReadReply;
import org.fusd.host.sys.Libc;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HostImage;
import org.fusd.host.takeover.ResumedCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A takeover of the fusd channel against a fake kernel (a SEQPACKET
 * socketpair, as in FusdChannelTest): the old channel stops reading, its
 * image names the dev_id, the open file's fh_id and the pending read, and a
 * channel adopted on the same connection answers that read under its
 * request id and serves the open file's next requests.
 */
class FusdTakeoverTest {
    private final FakeFusdKernel kernel = new FakeFusdKernel();
    private FusdChannel old;
    private FusdChannel successor;
    private final FusdChannelTest.TestDevice dev = new FusdChannelTest.TestDevice();

    @BeforeEach
    void start() throws Exception {
        old = FusdChannel.overFd(kernel.channelFd());
        old.add(dev);
        assertEquals(FusdAbi.FUSD_REGISTER, next(5000).getShort(FusdAbi.MSG_OPCODE));
    }

    @AfterEach
    void stop() {
        if (successor != null) {
            successor.close();
        }
        old.close();
        kernel.close();
    }

    @Test
    void successorAnswersThePendingReadAndServesTheOpenFile() throws Exception {
        request(FusdAbi.FUSD_OPEN, 10, 5, 0);
        assertEquals(0L, reply(10).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_READ, 11, 5, 100); // the device parks it
        waitFor(() -> dev.parked.get() != null);

        assertTrue(old.pauseReading(2000), "readers stopped");
        request(FusdAbi.FUSD_READ, 12, 5, 3); // queued while nobody reads
        long fileId = dev.lastFile.get().id();
        HostImage.DeviceImage described = new HostImage.DeviceImage(
                "test.js",
                "test",
                0,
                1,
                null,
                0,
                List.of(new HostImage.FileImage(0, 0, fileId, 4242, 0, 0, 02, null)),
                List.of(new HostImage.CallImage(11, "READ", fileId, 100, 0, null, 0, 0, false)),
                null,
                -1);
        HostImage.DeviceImage completed = old.complete(described, dev);
        assertEquals(1, completed.nodeid(), "the dev_id");
        assertEquals(5, completed.files().get(0).fh(), "the fh_id");
        assertEquals(-1, completed.memoryFd(), "no shared memory");
        int[] fds = old.fds();
        assertEquals(1, fds.length);
        assertNull(next(200), "the old channel read nothing after the pause");

        HostImage image =
                HostImage.decode(new HostImage(1, 0, "fusd", null, old.nextNodeid(), List.of(completed)).encode());
        FusdChannelTest.TestDevice dev2 = new FusdChannelTest.TestDevice();
        Map<String, Adoption> adopted = new HashMap<>();
        successor = FusdChannel.adoptOverFd(
                List.of(Libc.Ext.INSTANCE.dup(fds[0])), image, Map.of(HostImage.key("test.js", "test"), dev2), adopted);
        Adoption a = adopted.get(HostImage.key("test.js", "test"));
        assertNotNull(a.files().get(fileId), "the open file crossed");
        ResumedCall pending = a.calls().get(11L);
        assertNotNull(pending, "the pending read crossed");
        successor.startReading();

        ByteBuffer served = reply(12); // the request queued during the pause, read by the successor
        assertEquals(3L, served.getLong(FusdAbi.MSG_RESULT), "3 of the 4 bytes asked for");
        ((ReadReply) pending.reply()).bytes(ByteBuffer.wrap("late".getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer late = reply(11);
        assertEquals(4L, late.getLong(FusdAbi.MSG_RESULT));
        byte[] b = new byte[4];
        late.get(FusdAbi.MSG_SIZE, b);
        assertArrayEquals("late".getBytes(StandardCharsets.US_ASCII), b);
        assertTrue(pending.call() instanceof Call.Read r && r.size() == 100);

        request(FusdAbi.FUSD_RELEASE, 13, 5, 0);
        waitFor(() -> dev2.releases.get() == 1);
    }

    @Test
    void aFailedTakeoverReadsAgain() throws Exception {
        assertTrue(old.pauseReading(2000));
        request(FusdAbi.FUSD_OPEN, 20, 6, 0);
        assertNull(next(200), "paused: nothing read");
        old.resumeReading();
        assertEquals(0L, reply(20).getLong(FusdAbi.MSG_RESULT));
    }

    @Test
    void aSuccessorRefusesAnImageItCannotServe() throws Exception {
        HostImage.DeviceImage plain =
                new HostImage.DeviceImage("test.js", "test", 1, 1, null, 0, List.of(), List.of(), null, -1);
        int fd = Libc.Ext.INSTANCE.dup(kernel.channelFd());
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> FusdChannel.adoptOverFd(
                        List.of(fd),
                        new HostImage(1, 0, "fusd", null, 2, List.of(plain)),
                        Map.of(HostImage.key("other.js", "test"), new FusdChannelTest.TestDevice()),
                        new HashMap<>()));
        assertTrue(
                e.getMessage().contains("test.js (device test) is not among the successor's devices"), e.getMessage());

        HostImage.DeviceImage withMemory =
                new HostImage.DeviceImage("test.js", "test", 1, 1, null, 0, List.of(), List.of(), null, 3);
        int fd2 = Libc.Ext.INSTANCE.dup(kernel.channelFd());
        e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> FusdChannel.adoptOverFd(
                        List.of(fd2),
                        new HostImage(1, 0, "fusd", null, 2, List.of(withMemory)),
                        Map.of(HostImage.key("test.js", "test"), new FusdChannelTest.TestDevice()),
                        new HashMap<>()));
        assertEquals("test: its shared memory's fd was not passed", e.getMessage());
    }

    private void request(int opcode, long reqId, int fhId, int size) {
        kernel.request(opcode, 1, reqId, fhId, 0, 0, size, null, 0);
    }

    private ByteBuffer next(long millis) {
        return kernel.next(millis);
    }

    private ByteBuffer reply(long reqId) {
        return kernel.reply(reqId);
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 500 && !c.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(c.getAsBoolean());
    }
}
