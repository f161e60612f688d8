package org.fusd.host.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.cuse.CuseChannel;
import org.fusd.host.channel.fusd.FusdChannel;
import org.fusd.host.control.ControlServer;
import org.fusd.host.keeper.KeeperLink;
import org.fusd.host.keeper.Registry;

/**
 * A takeover of a host under fusd-keeper (docs/takeover.md, "Upgrades under
 * the keeper"): the old host has the keeper start the successor, so that the
 * keeper supervises it once it has taken over; the successor takes over the
 * keeper's records of the old host's channel along with the channel.
 */
final class KeptSuccession {
    private KeptSuccession() {}

    /** The {@code successor} control command: args are its working directory, then its command. */
    static void start(KeeperLink keeper, ControlServer.Request r) throws IOException {
        if (r.args().size() < 2) {
            r.error("successor: give its working directory and its command");
            return;
        }
        long pid;
        try {
            pid = keeper.startSuccessor(
                    r.args().get(0), r.args().subList(1, r.args().size()));
        } catch (IOException e) {
            r.error(e.getMessage());
            return;
        }
        r.ok();
        r.conn().sendText(Long.toString(pid));
    }

    /**
     * Fast start under the keeper: this interpreter host serves; the keeper
     * starts the JIT host (the java command in FUSD_JIT_SUCCESSOR, one word a
     * line, then run --take-over this pid and runArgs), which takes over.
     * Failing that, this host serves on and says so.
     */
    static void startJitHost(KeeperLink keeper, List<String> runArgs) {
        String java = System.getenv("FUSD_JIT_SUCCESSOR");
        if (java == null || java.isBlank()) {
            System.err.println("fusd: --jit-successor without FUSD_JIT_SUCCESSOR; this host serves on without a JIT");
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(java.strip().split("\n")));
        cmd.add("run");
        cmd.add("--take-over");
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.addAll(runArgs);
        try {
            keeper.startSuccessor(Path.of("").toAbsolutePath().toString(), cmd);
        } catch (IOException e) {
            System.err.println("fusd: fast start: " + e.getMessage() + "; this host serves on without a JIT");
        }
    }

    /**
     * In the successor, before its records start: the registry's open files
     * are the ones it took over. fuse finds each at its fh, which the
     * takeover keeps; fusd files keep their slots; cuse devices keep the
     * numbers their files are recorded under.
     */
    static void adoptRecords(KeeperLink keeper, Channel ch) {
        Registry registry = keeper.registry();
        if (ch instanceof FusdChannel fusd) {
            for (Registry.FileEntry f : registry.files()) {
                registry.claim(f.slot());
                fusd.recordedAt((int) f.fh(), f.slot());
            }
        } else if (ch instanceof CuseChannel cuse) {
            try {
                Registry.Table t = registry.readTable();
                if (t != null && t.channel().equals("cuse")) {
                    Map<String, Integer> ids = new LinkedHashMap<>();
                    t.nodeids().forEach((name, id) -> ids.put(name, (int) (long) id));
                    cuse.keptAs(ids, (int) t.nextNodeid());
                }
            } catch (IOException e) {
                System.err.println("fusd: " + e.getMessage() + "; the devices are recorded afresh");
            }
        }
    }
}
