package org.fusd.host.takeover;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a host hands its successor besides the fds: the channel, each
 * device with its open files, their state, and the calls still waiting for
 * an answer. Data only (state is host values by design, see StateObject), so
 * it is written as bytes ({@link #encode}) with a format version: hosts of
 * different builds can take over from each other as long as they agree on
 * {@link #FORMAT}.
 *
 * @param pausedAtNanos when the old host stopped reading, on CLOCK_REALTIME in ns
 *                      (the successor measures the gap from it)
 */
public record HostImage(
        long oldPid, long pausedAtNanos, String channel, String mountDir, long nextNodeid, List<DeviceImage> devices) {
    public static final int FORMAT = 2;

    /**
     * One device. state: device.state encoded by the driver runtime; faulted:
     * why it refuses calls, or null; memoryFd: the index among the passed fds
     * of its shared memory's memfd (fusd), or -1.
     */
    @SuppressWarnings("ArrayRecordComponent") // encoded bytes: passed along, never compared
    public record DeviceImage(
            String script,
            String name,
            long nodeid,
            int version,
            String faulted,
            int faultErrno,
            List<FileImage> files,
            List<CallImage> calls,
            byte[] state,
            int memoryFd) {
        /** The same device with what its channel adds: the node id, the open files and the memory's fd. */
        public DeviceImage withChannel(long nodeid, List<FileImage> files, int memoryFd) {
            return new DeviceImage(script, name, nodeid, version, faulted, faultErrno, files, calls, state, memoryFd);
        }
    }

    /**
     * One open file: the kernel's handle (fh, 0 while its open is pending), the
     * poll handle to notify (kh, 0 if none), file.id, the opener, the flags, and
     * file.state encoded.
     */
    @SuppressWarnings("ArrayRecordComponent") // encoded bytes: passed along, never compared
    public record FileImage(long fh, long kh, long id, int pid, int uid, int gid, int flags, byte[] state) {}

    /**
     * A call waiting for an answer. op: the Op's name; kept: its Deferred is in
     * state (the state refers to it by unique) and the new code answers it there;
     * otherwise it is run again on the new code. The arguments that op has:
     * size (read: most bytes; ioctl: out size), offset, data (write bytes, ioctl
     * in), cmd and arg (ioctl).
     */
    @SuppressWarnings("ArrayRecordComponent") // the call's bytes: passed along, never compared
    public record CallImage(
            long unique, String op, long fileId, int size, long offset, byte[] data, int cmd, long arg, boolean kept) {}

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeLong(oldPid);
            out.writeLong(pausedAtNanos);
            out.writeUTF(channel);
            writeNullable(out, mountDir);
            out.writeLong(nextNodeid);
            out.writeInt(devices.size());
            for (DeviceImage d : devices) {
                out.writeUTF(d.script());
                out.writeUTF(d.name());
                out.writeLong(d.nodeid());
                out.writeInt(d.version());
                writeNullable(out, d.faulted());
                out.writeInt(d.faultErrno());
                out.writeInt(d.files().size());
                for (FileImage f : d.files()) {
                    out.writeLong(f.fh());
                    out.writeLong(f.kh());
                    out.writeLong(f.id());
                    out.writeInt(f.pid());
                    out.writeInt(f.uid());
                    out.writeInt(f.gid());
                    out.writeInt(f.flags());
                    writeBytes(out, f.state());
                }
                out.writeInt(d.calls().size());
                for (CallImage c : d.calls()) {
                    out.writeLong(c.unique());
                    out.writeUTF(c.op());
                    out.writeLong(c.fileId());
                    out.writeInt(c.size());
                    out.writeLong(c.offset());
                    writeBytes(out, c.data());
                    out.writeInt(c.cmd());
                    out.writeLong(c.arg());
                    out.writeBoolean(c.kept());
                }
                writeBytes(out, d.state());
                out.writeInt(d.memoryFd());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // memory streams do not fail
        }
        return bytes.toByteArray();
    }

    public static HostImage decode(byte[] raw) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw));
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("the running host hands over format " + format + ", this build reads " + FORMAT);
        }
        long oldPid = in.readLong();
        long paused = in.readLong();
        String channel = in.readUTF();
        String mountDir = readNullable(in);
        long nextNodeid = in.readLong();
        int nd = in.readInt();
        List<DeviceImage> devices = new ArrayList<>();
        for (int i = 0; i < nd; i++) {
            String script = in.readUTF();
            String name = in.readUTF();
            long nodeid = in.readLong();
            int version = in.readInt();
            String faulted = readNullable(in);
            int faultErrno = in.readInt();
            int nf = in.readInt();
            List<FileImage> files = new ArrayList<>();
            for (int k = 0; k < nf; k++) {
                files.add(new FileImage(
                        in.readLong(),
                        in.readLong(),
                        in.readLong(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        readBytes(in)));
            }
            int nc = in.readInt();
            List<CallImage> calls = new ArrayList<>();
            for (int k = 0; k < nc; k++) {
                calls.add(new CallImage(
                        in.readLong(),
                        in.readUTF(),
                        in.readLong(),
                        in.readInt(),
                        in.readLong(),
                        readBytes(in),
                        in.readInt(),
                        in.readLong(),
                        in.readBoolean()));
            }
            byte[] state = readBytes(in);
            devices.add(new DeviceImage(
                    script, name, nodeid, version, faulted, faultErrno, files, calls, state, in.readInt()));
        }
        return new HostImage(oldPid, paused, channel, mountDir, nextNodeid, devices);
    }

    /**
     * How a successor finds the device an image describes: by its script and
     * its name (a script may define several devices).
     */
    public static String key(String script, String name) {
        return script + "\0" + name;
    }

    /** The devices by {@link #key}. */
    public Map<String, DeviceImage> byKey() {
        Map<String, DeviceImage> m = new LinkedHashMap<>();
        for (DeviceImage d : devices) {
            m.put(key(d.script(), d.name()), d);
        }
        return m;
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
