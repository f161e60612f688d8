package org.fusd.host.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.cuse.CuseChannel;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.device.Device;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.keeper.FusdRecord;
import org.fusd.host.keeper.Journal;
import org.fusd.host.keeper.KeeperLink;
import org.fusd.host.keeper.Registry;
import org.fusd.host.takeover.Adoption;
import org.fusd.host.takeover.HostImage;

/**
 * A host that fusd-keeper started after the last one crashed: it attaches to
 * the channel the keeper held (fuse: the connection, no mount, no INIT;
 * fusd: the control fd, no REGISTER, and each device's shared memory from
 * the memfd the keeper held), gives each device the nodeid or dev_id it had
 * and the open files the dead host recorded in the keeper's
 * {@link Registry} (with an empty {@code file.state}: state lived only in
 * the dead host), then asks the kernel to send again the requests the dead
 * host had read and not answered. Each device's {@code recovery} policy
 * decides what they get: EIO ("fail", the default) or a run on the new code
 * ("reissue"); see ResentCalls. Both channels attach through their takeover
 * adoption, with an image built from the registry.
 */
final class CrashRecovery {
    private final KeeperLink keeper;
    private final Registry.Table table;
    private Channel channel;
    /** Sends the kernel's resend and starts reading; false if the kernel has none. */
    private java.util.function.BooleanSupplier resendAndRead;
    /** The requests the dead host read and did not answer (fuse, cuse): its journal, taken before reading. */
    private List<Journal.Entry> unanswered = List.of();

    private int openFiles;
    private int lostFiles;
    private final List<ScriptDevice> fresh = new ArrayList<>();
    private final List<ScriptDevice> restored = new ArrayList<>();

    private CrashRecovery(KeeperLink keeper, Registry.Table table) {
        this.keeper = keeper;
        this.table = table;
    }

    /** What the dead host left, or why it cannot be served again. */
    static CrashRecovery begin(KeeperLink keeper) throws IOException {
        Registry.Table t = keeper.registry().readTable();
        if (t == null) {
            throw new IOException("the host that crashed had recorded no devices");
        }
        if (t.channel().equals("cuse")) {
            String[] held = keeper.restart().held().split(" ");
            if (!held[0].equals("cuse") || held.length - 1 != keeper.restart().channelFds().length) {
                throw new IOException("the keeper held " + keeper.restart().channelFds().length + " fds, described as '"
                        + keeper.restart().held() + "', not one /dev/cuse fd per device");
            }
            return new CrashRecovery(keeper, t);
        }
        if (t.channel().equals("fusd")) {
            if (keeper.restart().channelFds().length < 1) {
                throw new IOException("the keeper held no /dev/fusd control fd");
            }
            return new CrashRecovery(keeper, t);
        }
        if (!t.channel().equals("fuse")) {
            throw new IOException("the " + t.channel() + " channel cannot be served again after a crash");
        }
        if (keeper.restart().channelFds().length != 1) {
            throw new IOException(
                    "the keeper held " + keeper.restart().channelFds().length + " fds, not the one" + " /dev/fuse fd");
        }
        return new CrashRecovery(keeper, t);
    }

    /**
     * Rebuilds the channel with the devices of this host's scripts (served: as
     * wrapped for serving). Devices the dead host did not have are returned
     * by {@link #fresh} and added as usual.
     */
    Channel adopt(List<ScriptDevice> devices, Map<ScriptDevice, Device> served) throws IOException {
        return switch (table.channel()) {
            case "fusd" -> adoptFusd(devices, served);
            case "cuse" -> adoptCuse(devices, served);
            default -> adoptFuse(devices, served);
        };
    }

    /**
     * cuse: one connection per device, named in the keeper's last "hold"
     * (ID:NAME, in the order of the fds). A device of this host's scripts
     * gets its connection and the files recorded under its number; a
     * connection no device takes is closed here (the keeper lets its copy go
     * at the next hold, which ends it and removes its node).
     */
    private CuseChannel adoptCuse(List<ScriptDevice> devices, Map<ScriptDevice, Device> served) throws IOException {
        int[] held = keeper.restart().channelFds();
        String[] words = keeper.restart().held().split(" ");
        Map<String, ScriptDevice> byName = new LinkedHashMap<>();
        for (ScriptDevice d : devices) {
            byName.put(d.name(), d);
        }
        Map<String, Integer> ids = new HashMap<>();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < held.length; i++) {
            String[] w = words[i + 1].split(":", 2);
            if (w.length != 2) {
                throw new IOException("the keeper's '" + keeper.restart().held() + "' does not name its fds");
            }
            if (byName.containsKey(w[1])) {
                ids.put(w[1], Integer.parseInt(w[0]));
                index.put(w[1], i);
            } else {
                org.fusd.host.sys.Libc.close(held[i]); // its script no longer names it
            }
        }
        Map<Long, String> nameById = new HashMap<>();
        ids.forEach((name, id) -> nameById.put((long) id, name));
        Map<String, List<HostImage.FileImage>> filesByName = new HashMap<>();
        for (Registry.FileEntry f : keeper.registry().files()) {
            String name = nameById.get(f.nodeid());
            if (name == null) {
                keeper.registry().clear(f.slot()); // its connection ends: the kernel fails its calls
                lostFiles++;
                continue;
            }
            filesByName.computeIfAbsent(name, n -> new ArrayList<>()).add(imageOf(f));
        }
        List<HostImage.DeviceImage> images = new ArrayList<>();
        Map<String, Device> servedByScript = new HashMap<>();
        for (ScriptDevice d : devices) {
            Integer at = index.get(d.name());
            if (at == null) {
                fresh.add(d);
                continue;
            }
            List<HostImage.FileImage> files = filesByName.getOrDefault(d.name(), List.of());
            openFiles += files.size();
            images.add(new HostImage.DeviceImage(
                    d.script().toString(), d.name(), at, d.version(), null, 0, files, List.of(), null, -1));
            servedByScript.put(HostImage.key(d.script().toString(), d.name()), served.get(d));
        }
        HostImage image = new HostImage(0, keeper.restart().crashedAtNanos(), "cuse", null, table.nextNodeid(), images);
        List<Integer> fds = new ArrayList<>();
        for (int fd : held) {
            fds.add(fd);
        }
        Map<String, Adoption> adoptions = new HashMap<>();
        CuseChannel cuse = CuseChannel.adopt(fds, image, servedByScript, adoptions);
        cuse.keptAs(ids, (int) table.nextNodeid());
        channel = cuse;
        resendAndRead = () -> cuse.resendAndRead(unansweredByConnection());
        for (HostImage.DeviceImage di : images) {
            ScriptDevice d = byName.get(di.name());
            d.restore(di, adoptions.get(HostImage.key(di.script(), di.name())).files(), Map.of());
            restored.add(d);
        }
        return cuse;
    }

    private FuseChannel adoptFuse(List<ScriptDevice> devices, Map<ScriptDevice, Device> served) throws IOException {
        Map<String, ScriptDevice> byName = new LinkedHashMap<>();
        for (ScriptDevice d : devices) {
            byName.put(d.name(), d);
        }
        Map<String, List<HostImage.FileImage>> filesByName = new HashMap<>();
        List<Long> orphans = new ArrayList<>();
        for (Registry.FileEntry f : keeper.registry().files()) {
            String name = table.inodes().get(f.nodeid());
            if (name == null || !byName.containsKey(name) || !table.nodeids().containsKey(name)) {
                orphans.add(f.fh());
                continue;
            }
            filesByName.computeIfAbsent(name, n -> new ArrayList<>()).add(imageOf(f));
        }
        List<HostImage.DeviceImage> images = new ArrayList<>();
        Map<String, Device> servedByScript = new HashMap<>();
        for (ScriptDevice d : devices) {
            Long nodeid = table.nodeids().get(d.name());
            if (nodeid == null) {
                fresh.add(d);
                continue;
            }
            List<HostImage.FileImage> files = filesByName.getOrDefault(d.name(), List.of());
            openFiles += files.size();
            images.add(new HostImage.DeviceImage(
                    d.script().toString(), d.name(), nodeid, d.version(), null, 0, files, List.of(), null, -1));
            servedByScript.put(HostImage.key(d.script().toString(), d.name()), served.get(d));
        }
        HostImage image = new HostImage(
                0, keeper.restart().crashedAtNanos(), "fuse", table.mountDir(), table.nextNodeid(), images);
        Map<String, Adoption> adoptions = new HashMap<>();
        FuseChannel fuse = FuseChannel.adopt(keeper.restart().channelFds()[0], image, servedByScript, adoptions);
        channel = fuse;
        resendAndRead = () -> fuse.resendAndRead(
                unanswered.stream().map(Journal.Entry::unique).toList());
        for (long fh : orphans) {
            fuse.reserve(fh); // the kernel still has it open; no device of ours serves it
            keeper.registry().released(fh);
        }
        lostFiles = orphans.size();
        for (HostImage.DeviceImage di : images) {
            ScriptDevice d = byName.get(di.name());
            Map<Long, org.fusd.host.device.OpenFile> files =
                    adoptions.get(HostImage.key(di.script(), di.name())).files();
            d.restore(di, files, Map.of());
            restored.add(d);
            for (HostImage.FileImage f : di.files()) {
                // A file opened under a renamed device's old name is served at its current node now.
                keeper.registry().opened(f.fh(), di.nodeid(), files.get(f.id()));
                if (f.kh() != 0) {
                    keeper.registry().polled(f.fh(), f.kh());
                }
            }
        }
        return fuse;
    }

    /**
     * fusd: the devices recorded as registered that this host serves are
     * adopted under their dev_ids (with the memfd the keeper held as their
     * shared memory); the others, and any the dead host was registering or
     * unregistering when it died ("unsure"), are unregistered: their open
     * files get ENODEV from the kernel, and a device of this host with such
     * a name is registered again as new.
     */
    private FusdChannel adoptFusd(List<ScriptDevice> devices, Map<ScriptDevice, Device> served) throws IOException {
        int[] held = keeper.restart().channelFds();
        List<Integer> fds = new ArrayList<>();
        fds.add(held[0]);
        Map<Long, Integer> memfdByInode = new HashMap<>();
        for (int i = 1; i < held.length; i++) {
            fds.add(held[i]);
            memfdByInode.put(FusdRecord.inode(held[i]), i);
        }
        Map<String, ScriptDevice> byName = new LinkedHashMap<>();
        for (ScriptDevice d : devices) {
            byName.put(d.name(), d);
        }
        List<Long> leftover = new ArrayList<>(table.unsure().keySet());
        Map<Long, String> adoptedById = new HashMap<>();
        for (Map.Entry<String, Long> e : table.nodeids().entrySet()) {
            if (byName.containsKey(e.getKey())) {
                adoptedById.put(e.getValue(), e.getKey());
            } else {
                leftover.add(e.getValue()); // its script no longer names it
            }
        }
        Map<String, List<HostImage.FileImage>> filesByName = new HashMap<>();
        Map<Long, Integer> slotByFh = new HashMap<>();
        for (Registry.FileEntry f : keeper.registry().files()) {
            String name = adoptedById.get(f.nodeid());
            if (name == null) {
                keeper.registry().clear(f.slot()); // its device is unregistered: the kernel ends the file
                lostFiles++;
                continue;
            }
            keeper.registry().claim(f.slot());
            slotByFh.put(f.fh(), f.slot());
            filesByName.computeIfAbsent(name, n -> new ArrayList<>()).add(imageOf(f));
        }
        List<HostImage.DeviceImage> images = new ArrayList<>();
        Map<String, Device> servedByScript = new HashMap<>();
        for (ScriptDevice d : devices) {
            Long devId = table.nodeids().get(d.name());
            if (devId == null) {
                fresh.add(d);
                continue;
            }
            int memoryFd = -1;
            Long inode = table.memory().get(d.name());
            if (inode != null) {
                Integer at = memfdByInode.get(inode);
                if (at == null) {
                    throw new IOException(d.name() + ": the keeper does not hold its shared memory");
                }
                memoryFd = at;
            }
            List<HostImage.FileImage> files = filesByName.getOrDefault(d.name(), List.of());
            openFiles += files.size();
            images.add(new HostImage.DeviceImage(
                    d.script().toString(), d.name(), devId, d.version(), null, 0, files, List.of(), null, memoryFd));
            servedByScript.put(HostImage.key(d.script().toString(), d.name()), served.get(d));
        }
        java.util.Set<Integer> usedMemfds = new java.util.HashSet<>();
        images.forEach(di -> usedMemfds.add(di.memoryFd()));
        for (int i = 1; i < held.length; i++) {
            if (!usedMemfds.contains(i)) {
                org.fusd.host.sys.Libc.close(held[i]); // the memory of a device unregistered below
            }
        }
        HostImage image = new HostImage(0, keeper.restart().crashedAtNanos(), "fusd", null, table.nextNodeid(), images);
        Map<String, Adoption> adoptions = new HashMap<>();
        FusdChannel fusd = FusdChannel.adopt(fds, image, servedByScript, adoptions);
        channel = fusd;
        resendAndRead = () -> {
            fusd.resendAndRead();
            return true;
        };
        for (long devId : leftover) {
            fusd.unregisterLeftover((int) devId);
        }
        for (Map.Entry<Long, Integer> e : slotByFh.entrySet()) {
            fusd.recordedAt((int) (long) e.getKey(), e.getValue());
        }
        for (HostImage.DeviceImage di : images) {
            ScriptDevice d = byName.get(di.name());
            d.restore(di, adoptions.get(HostImage.key(di.script(), di.name())).files(), Map.of());
            restored.add(d);
        }
        return fusd;
    }

    /** This host's devices that the dead host did not serve: added to the channel as new. */
    List<ScriptDevice> fresh() {
        return fresh;
    }

    /**
     * Reads: first asks the kernel for the requests the dead host had read,
     * then prints the line that says the devices are served again.
     */
    void serve() {
        unanswered = keeper.registry().journal().takeAll(); // before this host notes its own
        boolean resent = resendAndRead.getAsBoolean();
        for (ScriptDevice d : restored) {
            d.rerun(List.of()); // pollers of the open files ask for their mask again
        }
        Instant now = Instant.now();
        long sinceNanos = now.getEpochSecond() * 1_000_000_000L
                + now.getNano()
                - keeper.restart().crashedAtNanos();
        // One write: a host killed again mid-line must not leave half a line behind.
        System.err.print(String.format(
                "fusd: recovered after a crash (%s): pid %d serves again %.1f ms after it"
                        + " (%d devices, %d open files with empty file.state%s; %s)%n",
                keeper.restart().why(),
                ProcessHandle.current().pid(),
                sinceNanos / 1e6,
                restored.size(),
                openFiles,
                lostFiles == 0
                        ? ""
                        : ", " + lostFiles + " on devices no longer served: "
                                + (channel instanceof FuseChannel ? "EBADF" : "ENODEV"),
                resent
                        ? "calls the dead host had read are sent again, then failed or reissued by each device's policy"
                        : "no FUSE_NOTIFY_RESEND: " + unanswered.size()
                                + " calls the dead host had read were answered EIO from its journal"));
        System.err.flush();
    }

    /** cuse: the journal's entries by device number (each device has its own connection). */
    private Map<Integer, List<Long>> unansweredByConnection() {
        Map<Integer, List<Long>> out = new HashMap<>();
        for (Journal.Entry e : unanswered) {
            out.computeIfAbsent(e.connection(), c -> new ArrayList<>()).add(e.unique());
        }
        return out;
    }

    /** A recorded file as a takeover image names it: file.state is not kept (fusd records no poll handle: 0). */
    private static HostImage.FileImage imageOf(Registry.FileEntry f) {
        return new HostImage.FileImage(
                f.fh(),
                f.kh(),
                f.id(),
                f.opener().pid(),
                f.opener().uid(),
                f.opener().gid(),
                f.flags(),
                null);
    }
}
