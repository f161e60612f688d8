package org.fusd.host.channel.fusd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.fusd.host.device.Call;
import org.fusd.host.device.Caller;
import org.fusd.host.device.Device;
import org.fusd.host.device.DoneReply;
import org.fusd.host.device.IoctlReply;
import org.fusd.host.device.OpenFile;
import org.fusd.host.device.OpenReply;
import org.fusd.host.device.ReadReply;
import org.fusd.host.device.SeekReply;
import org.fusd.host.device.SharedMemory;
import org.fusd.host.device.WriteReply;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HostImage;
import org.fusd.host.takeover.ResumedCall;

/**
 * A successor's side of a fusd takeover: the previous host's devices, with
 * their shared memory, open files and pending calls, rebuilt on the control
 * fd it passed (fds.get(0); its memfds follow). fusd.ko keeps every request
 * the previous host read and did not answer, so each is rebuilt under its
 * request id and answered by the successor.
 */
final class FusdAdoption {
    private final FusdChannel channel;
    private final List<Integer> fds;

    FusdAdoption(FusdChannel channel, List<Integer> fds) {
        this.channel = channel;
        this.fds = fds;
    }

    /** byKey: the successor's devices by {@link HostImage#key}; out gets each one's adoption by the same key. */
    void adopt(HostImage image, Map<String, Device> byKey, Map<String, Adoption> out) throws IOException {
        for (HostImage.DeviceImage d : image.devices()) {
            String key = HostImage.key(d.script(), d.name());
            Device device = byKey.get(key);
            if (device == null) {
                throw new IOException(d.script() + " (device " + d.name() + ") is not among the successor's devices");
            }
            memory(d, device);
            FusdNode node = new FusdNode(channel, device, (int) d.nodeid(), d.name());
            device.attach(node);
            channel.adoptNode(node);
            out.put(key, files(d, node));
        }
    }

    /** The device's shared memory becomes the pages the kernel maps to clients: the previous host's memfd. */
    private void memory(HostImage.DeviceImage d, Device device) throws IOException {
        SharedMemory mine = device.sharedMemory();
        if (d.memoryFd() < 0) {
            if (mine != null) {
                throw new IOException(d.name() + ": the running host's device has no shared memory; this script asks"
                        + " for " + mine.size() + " bytes (restart the host to change `memory`)");
            }
            return;
        }
        if (d.memoryFd() >= fds.size()) {
            throw new IOException(d.name() + ": its shared memory's fd was not passed");
        }
        int theirs = fds.get(d.memoryFd());
        if (mine == null) {
            throw new IOException(d.name() + ": the running host's device has shared memory and this script asks for"
                    + " none (restart the host to change `memory`)");
        }
        device.adoptSharedMemory(theirs);
    }

    private Adoption files(HostImage.DeviceImage d, FusdNode node) throws IOException {
        java.util.Set<Long> openPending = new java.util.HashSet<>();
        for (HostImage.CallImage c : d.calls()) {
            if (c.op().equals("OPEN")) {
                openPending.add(c.fileId());
            }
        }
        java.util.Map<Long, OpenFile> opened = new java.util.HashMap<>();
        java.util.Map<Long, FusdFile> byFile = new java.util.HashMap<>();
        for (HostImage.FileImage fi : d.files()) {
            OpenFile of = new OpenFile(fi.id(), new Caller(fi.pid(), fi.uid(), fi.gid()), fi.flags());
            opened.put(fi.id(), of);
            if (fi.fh() == 0) {
                continue;
            }
            FusdFile f = new FusdFile(node, (int) fi.fh(), of);
            of.setChannelData(f);
            byFile.put(fi.id(), f);
            channel.adoptFile(f, openPending.contains(fi.id()));
        }
        java.util.Map<Long, ResumedCall> calls = new java.util.HashMap<>();
        for (HostImage.CallImage c : d.calls()) {
            FusdFile f = byFile.get(c.fileId());
            if (f == null) {
                throw new IOException(d.name() + ": a pending " + c.op() + " of a file the channel does not know");
            }
            ResumedCall rc = resume(c, f);
            channel.adoptPending(rc.reply());
            calls.put(c.unique(), rc);
        }
        return new Adoption(opened, calls);
    }

    /** A call the previous host read and did not answer: the same request id, op and arguments. */
    private ResumedCall resume(HostImage.CallImage c, FusdFile f) throws IOException {
        OpenFile of = f.file;
        long id = c.unique();
        return switch (c.op()) {
            case "OPEN" -> new ResumedCall(new Call.Open(of), new OpenReply(f.encoder, id));
            case "READ" ->
                new ResumedCall(new Call.Read(of, c.size(), c.offset()), new ReadReply(f.encoder, id, c.size()));
            case "WRITE" -> {
                ByteBuffer data = direct(c.data());
                yield new ResumedCall(
                        new Call.Write(of, data, c.offset()), new WriteReply(f.encoder, id, data.remaining()));
            }
            case "IOCTL" -> {
                ByteBuffer in = direct(c.data());
                FusdIoctlMemory mem = new FusdIoctlMemory(channel.controlFd(), id, c.arg(), in, c.size());
                yield new ResumedCall(
                        new Call.Ioctl(of, c.cmd(), c.arg(), in, c.size(), mem),
                        new IoctlReply(f.encoder, id, c.size()));
            }
            case "FLUSH" -> new ResumedCall(new Call.Flush(of), new DoneReply(f.encoder, id));
            case "LLSEEK" -> new ResumedCall(new Call.Llseek(of, c.offset(), c.cmd()), new SeekReply(f.encoder, id));
            case "MMAP" ->
                new ResumedCall(
                        new Call.Mmap(of, c.offset(), c.size() & 0xffffffffL, c.cmd(), c.arg() != 0),
                        new DoneReply(f.encoder, id));
            default -> throw new IOException("a pending " + c.op() + " cannot be handed over on the fusd channel");
        };
    }

    private static ByteBuffer direct(byte[] b) {
        byte[] bytes = b == null ? new byte[0] : b;
        return ByteBuffer.allocateDirect(bytes.length)
                .order(FusdAbi.ORDER)
                .put(bytes)
                .flip();
    }
}
