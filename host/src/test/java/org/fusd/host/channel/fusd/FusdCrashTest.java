package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.fusd.host.device.Errno;
import org.fusd.host.device.OpenFile;
import org.fusd.host.sys.Libc;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HostImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crash survival on the fusd channel against a fake kernel (a SEQPACKET
 * socketpair, as in FusdChannelTest): what the channel tells fusd-keeper's
 * registry, and in which order against the messages the kernel sees; and a
 * host that adopts the control fd after a crash, sends RESEND, and answers
 * the requests marked FUSD_REQ_RESENT by each device's recovery policy.
 * The real thing (a SIGKILLed JVM, fusd.ko, fusd-keeper) is the crash part
 * of the VM suite java-fusd.
 */
class FusdCrashTest {
    private final FakeFusdKernel kernel = new FakeFusdKernel();
    private FusdChannel channel;
    private FusdChannel successor;
    private final FusdChannelTest.TestDevice dev = new FusdChannelTest.TestDevice();

    @BeforeEach
    void start() throws Exception {
        channel = FusdChannel.overFd(kernel.channelFd());
    }

    @AfterEach
    void stop() {
        if (successor != null) {
            successor.close();
        }
        channel.close();
        kernel.close();
    }

    /** Records what the channel says, and whether the kernel had a message waiting at that instant. */
    private final class Recorder implements FusdChannel.Log {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public int opened(int fhId, int devId, OpenFile file) {
            events.add("opened " + fhId + " on " + devId + (queued() ? ", replied" : ""));
            return 9;
        }

        @Override
        public void released(int slot) {
            events.add("released " + slot + (dev.releases.get() > 0 ? ", after the device" : ""));
        }

        @Override
        public void devicesChanged() {
            String ds = channel.devices().stream()
                    .map(d -> d.name() + ":" + d.devId() + (d.unsure() ? " unsure" : ""))
                    .collect(Collectors.joining(","));
            events.add("devices [" + ds + "]" + (queued() ? ", kernel told" : ""));
        }
    }

    @Test
    void theRecordIsWrittenBeforeTheKernelLearnsAndClearedFirst() throws Exception {
        Recorder log = new Recorder();
        channel.keepIn(log);
        assertEquals(List.of("devices []"), log.events);
        channel.add(dev);
        assertEquals(FusdAbi.FUSD_REGISTER, next().getShort(FusdAbi.MSG_OPCODE));
        request(FusdAbi.FUSD_OPEN, 10, 5, 0, 0);
        assertEquals(0L, reply(10).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_READ, 11, 5, 3, 0); // the request path records nothing
        assertEquals(3L, reply(11).getLong(FusdAbi.MSG_RESULT));
        request(FusdAbi.FUSD_RELEASE, 12, 5, 0, 0);
        waitFor(() -> dev.releases.get() == 1);
        channel.remove("test"); // nothing open: unregistered at once
        assertEquals(FusdAbi.FUSD_UNREGISTER, next().getShort(FusdAbi.MSG_OPCODE));
        assertEquals(
                List.of(
                        "devices []",
                        "devices [test:1 unsure]", // before REGISTER
                        "devices [test:1], kernel told", // after it
                        "opened 5 on 1", // before the OPEN reply
                        "released 9", // before the device's release
                        "devices [test:1 unsure]", // before UNREGISTER
                        "devices [], kernel told"),
                log.events);
    }

    @Test
    void resentCallsAreFailedOrRunByTheDevicesPolicy() throws Exception {
        FusdChannelTest.TestDevice reissuing = new FusdChannelTest.TestDevice("again");
        channel.add(dev);
        channel.add(reissuing);
        next();
        next();
        request(FusdAbi.FUSD_OPEN, 10, 5, 0, 0);
        reply(10);
        request(FusdAbi.FUSD_OPEN, 11, 6, 0, 0, 2);
        reply(11);
        // The host "crashes": it reads no more, and a new channel adopts the control fd
        // with the image a host after a crash builds from the registry (files, no calls).
        assertTrue(channel.pauseReading(2000));
        FusdChannelTest.TestDevice dev2 = new FusdChannelTest.TestDevice();
        FusdChannelTest.TestDevice reissuing2 = new FusdChannelTest.TestDevice("again");
        reissuing2.reissue = true;
        HostImage image = new HostImage(
                0,
                0,
                "fusd",
                null,
                channel.nextNodeid(),
                List.of(device("test", 1, 5, dev.lastFile.get()), device("again", 2, 6, reissuing.lastFile.get())));
        Map<String, Adoption> adopted = new HashMap<>();
        successor = FusdChannel.adoptOverFd(
                List.of(Libc.Ext.INSTANCE.dup(channel.controlFd())),
                image,
                Map.of(HostImage.key("test.js", "test"), dev2, HostImage.key("test.js", "again"), reissuing2),
                adopted);
        successor.resendAndRead();
        ByteBuffer m = next();
        assertEquals(FusdAbi.FUSD_RESEND, m.getShort(FusdAbi.MSG_OPCODE));
        assertEquals(FusdAbi.MSG_SIZE, m.getInt(FusdAbi.MSG_LEN), "RESEND is a bare header");

        request(FusdAbi.FUSD_READ, 20, 5, 3, FusdAbi.FUSD_REQ_RESENT);
        assertEquals(-Errno.EIO.number(), reply(20).getLong(FusdAbi.MSG_RESULT), "recovery \"fail\": EIO");
        request(FusdAbi.FUSD_OPEN, 21, 7, 0, FusdAbi.FUSD_REQ_RESENT);
        assertEquals(-Errno.EIO.number(), reply(21).getLong(FusdAbi.MSG_RESULT), "a resent OPEN too");
        request(FusdAbi.FUSD_READ, 22, 5, 3, 0);
        assertEquals(3L, reply(22).getLong(FusdAbi.MSG_RESULT), "a request queued after the crash is served");

        request(FusdAbi.FUSD_READ, 23, 6, 3, FusdAbi.FUSD_REQ_RESENT, 2);
        ByteBuffer again = reply(23);
        assertEquals(3L, again.getLong(FusdAbi.MSG_RESULT), "recovery \"reissue\": run again");
        byte[] b = new byte[3];
        again.get(FusdAbi.MSG_SIZE, b);
        assertEquals("hey", new String(b, StandardCharsets.US_ASCII));

        request(FusdAbi.FUSD_RELEASE, 24, 5, 0, 0);
        waitFor(() -> dev2.releases.get() == 1); // a release runs whatever the policy

        // The dead host recorded file 6 and died before its OPEN reply: the OPEN comes again.
        // The recorded file is released (its open ran, in the dead host), then the open runs again.
        request(FusdAbi.FUSD_OPEN, 25, 6, 0, FusdAbi.FUSD_REQ_RESENT, 2);
        assertEquals(0L, reply(25).getLong(FusdAbi.MSG_RESULT));
        assertEquals(1, reissuing2.releases.get());
        request(FusdAbi.FUSD_READ, 26, 6, 3, 0, 2);
        assertEquals(3L, reply(26).getLong(FusdAbi.MSG_RESULT), "the file opened again is served");
    }

    private static HostImage.DeviceImage device(String name, long devId, long fh, OpenFile f) {
        assertNotNull(f);
        return new HostImage.DeviceImage(
                "test.js",
                name,
                devId,
                1,
                null,
                0,
                List.of(new HostImage.FileImage(fh, 0, f.id(), 4242, 0, 0, 02, null)),
                List.of(),
                null,
                -1);
    }

    private boolean queued() {
        return kernel.queued();
    }

    private void request(int opcode, long reqId, int fhId, int size, int xflags) {
        request(opcode, reqId, fhId, size, xflags, 1);
    }

    private void request(int opcode, long reqId, int fhId, int size, int xflags, int devId) {
        kernel.request(opcode, devId, reqId, fhId, 0, 0, size, null, xflags);
    }

    private ByteBuffer next() {
        ByteBuffer m = kernel.next(5000);
        assertNotNull(m, "no message from the channel");
        return m;
    }

    private ByteBuffer reply(long reqId) {
        return kernel.reply(reqId);
    }

    private static void waitFor(java.util.function.BooleanSupplier c) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(c.getAsBoolean());
    }
}
