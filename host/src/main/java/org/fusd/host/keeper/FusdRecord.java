package org.fusd.host.keeper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.device.OpenFile;

/**
 * The fusd channel's record for fusd-keeper (docs/takeover.md, "Crash
 * survival"): each open file in the {@link Registry} (a slot per file, since
 * the kernel's fh_ids only grow), and at each step of a device's REGISTER or
 * UNREGISTER the device table, after the keeper was handed the fds it needs
 * (the control fd and the memfds of the devices' shared memory). So a
 * device is recorded as registered only once the keeper holds its memory,
 * and one between REGISTER and its record is recorded as unsure.
 */
public final class FusdRecord implements FusdChannel.Log {
    private final KeeperLink keeper;
    private final FusdChannel channel;
    /** The keeper holds this channel's fds: each change of the memfds is sent again. */
    private boolean holding; // guarded by the channel's lock (devicesChanged) and this

    private FusdRecord(KeeperLink keeper, FusdChannel channel, boolean holding) {
        this.keeper = keeper;
        this.channel = channel;
        this.holding = holding;
    }

    /**
     * Records channel's devices from now on (a restarted host: holding, the
     * keeper has the fds already); returns the record, to call {@link #hold}
     * once the channel serves.
     */
    public static FusdRecord start(KeeperLink keeper, FusdChannel channel, boolean holding) {
        FusdRecord r = new FusdRecord(keeper, channel, holding);
        channel.keepIn(r);
        return r;
    }

    /** Hands the keeper the channel's fds (from now on, again on every change), and records the table. */
    public void hold() {
        synchronized (channel) {
            holding = true;
            devicesChanged();
        }
    }

    @Override
    public int opened(int fhId, int devId, OpenFile file) {
        return keeper.registry().record(fhId & 0xffffffffL, devId, file);
    }

    @Override
    public void released(int slot) {
        keeper.registry().clear(slot);
    }

    @Override
    public void devicesChanged() {
        synchronized (channel) {
            if (holding) {
                keeper.hold("fusd", null, channel.keptFds());
            }
            Map<String, Long> registered = new LinkedHashMap<>();
            Map<String, Long> memory = new LinkedHashMap<>();
            Map<Long, String> unsure = new LinkedHashMap<>();
            for (FusdChannel.KeptDevice d : channel.devices()) {
                if (d.unsure()) {
                    unsure.put((long) d.devId(), d.name());
                    continue;
                }
                registered.put(d.name(), (long) d.devId());
                if (d.memoryFd() >= 0) {
                    memory.put(d.name(), inode(d.memoryFd()));
                }
            }
            keeper.registry().writeTable(Registry.fusd(channel.nextNodeid(), registered, memory, unsure));
        }
    }

    /** The inode of an fd's file: how a successor tells the inherited memfds apart. */
    public static long inode(int fd) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino")).longValue();
        } catch (IOException e) {
            return 0; // not found by the successor: it unregisters the device rather than serve it without memory
        }
    }
}
