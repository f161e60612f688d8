package org.fusd.host.keeper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fusd.host.channel.cuse.CuseChannel;
import org.fusd.host.device.OpenFile;
import org.fusd.host.fuse.OpenFileLog;

/**
 * The cuse channel's record for fusd-keeper (docs/takeover.md, "Crash
 * survival"): one /dev/cuse connection per device, handed to the keeper
 * with the device's number and name in the same frame ("hold cuse
 * ID:NAME..."), so which fd is which device never depends on a second
 * write; and each open file in the {@link Registry}, in a free slot (every
 * connection numbers its fhs from 1), under its device's number.
 */
public final class CuseRecord implements CuseChannel.Log {
    private final KeeperLink keeper;
    private final CuseChannel channel;
    private final Map<Integer, DeviceFiles> files = new ConcurrentHashMap<>();
    private boolean holding; // guarded by the channel's lock

    private CuseRecord(KeeperLink keeper, CuseChannel channel, boolean holding) {
        this.keeper = keeper;
        this.channel = channel;
        this.holding = holding;
    }

    /**
     * Records channel's devices and files from now on. A restarted host
     * (holding: the keeper has the fds) first takes over the slots of the
     * files it adopted: those recorded under the numbers of its devices.
     */
    public static CuseRecord start(KeeperLink keeper, CuseChannel channel, boolean holding) {
        CuseRecord r = new CuseRecord(keeper, channel, holding);
        if (holding) {
            for (Registry.FileEntry f : keeper.registry().files()) {
                keeper.registry().claim(f.slot());
                r.filesOf((int) f.nodeid()).slots.put(f.fh(), f.slot());
            }
        }
        channel.keepIn(r);
        return r;
    }

    /** Hands the keeper the connections (from now on, again on every change). */
    public void hold() {
        synchronized (channel) {
            holding = true;
            devicesChanged();
        }
    }

    @Override
    public DeviceFiles filesOf(int keptId) {
        return files.computeIfAbsent(keptId, DeviceFiles::new);
    }

    @Override
    public org.fusd.host.fuse.ReadLog readsOf(int keptId) {
        return keeper.registry().journal().forConnection(keptId);
    }

    @Override
    public void devicesChanged() {
        synchronized (channel) {
            List<String> names = new ArrayList<>();
            List<Integer> fds = new ArrayList<>();
            Map<String, Long> ids = new LinkedHashMap<>();
            for (CuseChannel.KeptDevice d : channel.kept()) {
                names.add(d.keptId() + ":" + d.name());
                fds.add(d.fd());
                ids.put(d.name(), (long) d.keptId());
            }
            // A device whose connection ended gets no RELEASE for its files: their records go with it.
            for (DeviceFiles df : List.copyOf(files.values())) {
                if (!ids.containsValue((long) df.keptId) && files.remove(df.keptId, df)) {
                    df.slots.values().forEach(keeper.registry()::clear);
                }
            }
            if (holding && !fds.isEmpty()) {
                keeper.holdDevices(
                        "cuse", names, fds.stream().mapToInt(Integer::intValue).toArray());
            }
            // The hold frame says which fd is which device; the table, the numbers given so far.
            keeper.registry().writeTable(new Registry.Table("cuse", "", channel.nextNodeid(), ids, Map.of()));
        }
    }

    /** One device's files: fh (its connection's) → the registry slot. */
    final class DeviceFiles implements OpenFileLog {
        private final int keptId;
        private final Map<Long, Integer> slots = new ConcurrentHashMap<>();

        DeviceFiles(int keptId) {
            this.keptId = keptId;
        }

        @Override
        public void opened(long fh, long nodeid, OpenFile file) {
            int slot = keeper.registry().record(fh, keptId, file);
            if (slot > 0) {
                slots.put(fh, slot);
            }
        }

        @Override
        public void polled(long fh, long kh) {
            Integer slot = slots.get(fh);
            if (slot != null) {
                keeper.registry().polled(slot, kh); // the entry at that slot (on fuse slot = fh)
            }
        }

        @Override
        public void released(long fh) {
            Integer slot = slots.remove(fh);
            if (slot != null) {
                keeper.registry().clear(slot);
            }
        }
    }
}
