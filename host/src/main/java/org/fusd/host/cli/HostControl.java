package org.fusd.host.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.fuse.FuseChannel;
import org.fusd.host.control.ControlServer;
import org.fusd.host.control.HostReport;
import org.fusd.host.device.OpenFile;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.sys.Libc;

/**
 * What a serving `fusd-host run` answers on its control socket: {@code
 * status} (text, or JSON with {@code --json}), {@code list} (one line, or
 * one JSON object), {@code describe} (its working
 * directory and command line, for a successor), {@code takeover} (given to
 * the {@link TakeoverServer}) and, under fusd-keeper, {@code successor}
 * (the keeper starts the successor: given to the {@link #onSuccessor}
 * handler).
 */
final class HostControl implements ControlServer.Handler {
    private final long startMillis;
    private final Path cwd;
    private final List<String> runArgs;
    private final Channel channel;
    private final List<ScriptDevice> devices;
    private volatile String history;
    private volatile ControlServer.Handler takeover;
    private volatile ControlServer.Handler successor;
    private volatile boolean serving;

    HostControl(long startMillis, List<String> runArgs, Channel channel, List<ScriptDevice> devices) {
        this.startMillis = startMillis;
        this.cwd = Path.of("").toAbsolutePath();
        this.runArgs = List.copyOf(runArgs);
        this.channel = channel;
        this.devices = devices; // live: hot reload adds and drops devices
    }

    /** A line of history status shows, e.g. "took over from 1234 (gap 12 ms)". */
    void setHistory(String h) {
        history = h;
    }

    void onTakeover(ControlServer.Handler h) {
        takeover = h;
    }

    /** Under fusd-keeper: who has the keeper start a successor (args: its working directory, then its command). */
    void onSuccessor(ControlServer.Handler h) {
        successor = h;
    }

    /** Every device is on the channel: a takeover is possible from now on (if the channel allows it). */
    void serving() {
        serving = true;
    }

    @Override
    public void handle(ControlServer.Request r) throws IOException {
        switch (r.command()) {
            case "status" -> {
                r.ok();
                HostReport report = report();
                r.conn()
                        .sendText(
                                r.args().contains("--json") ? report.json() : report.text(System.currentTimeMillis()));
            }
            case "list" -> {
                r.ok();
                HostReport report = report();
                r.conn()
                        .sendText(
                                r.args().contains("--json")
                                        ? report.lineJson()
                                        : report.line(System.currentTimeMillis()));
            }
            case "describe" -> {
                r.ok();
                List<String> lines = new ArrayList<>();
                lines.add(cwd.toString());
                lines.addAll(runArgs);
                r.conn().sendText(String.join("\n", lines));
            }
            case "takeover" -> {
                ControlServer.Handler h = takeover;
                if (h == null && !serving) {
                    r.error("not serving yet; try again");
                } else if (h == null) {
                    r.error("the " + channel.kind() + " channel cannot be taken over by this host");
                } else {
                    h.handle(r);
                }
            }
            case "successor" -> {
                ControlServer.Handler h = successor;
                if (h == null) {
                    r.error("not under fusd-keeper: start the successor yourself");
                } else {
                    h.handle(r);
                }
            }
            default -> r.error("unknown command '" + r.command() + "' (status, list, describe, takeover, successor)");
        }
    }

    /** How long status waits for a device thread to list its pending calls. */
    private static final long LIST_MILLIS = 200;

    private static List<HostReport.PendingReport> pendingOf(ScriptDevice d) {
        List<ScriptDevice.PendingCall> calls = d.pendingNow(LIST_MILLIS);
        return calls == null
                ? null
                : calls.stream()
                        .map(c -> new HostReport.PendingReport(c.op(), c.fileId(), c.waitedMillis()))
                        .toList();
    }

    HostReport report() {
        List<HostReport.DeviceReport> ds = new ArrayList<>();
        for (ScriptDevice d : devices) {
            List<HostReport.OpenReport> opens = new ArrayList<>();
            for (OpenFile f : d.openFiles()) {
                opens.add(new HostReport.OpenReport(
                        f.id(), f.opener().pid(), f.opener().uid(), f.flags()));
            }
            List<HostReport.PendingReport> calls = pendingOf(d);
            ds.add(new HostReport.DeviceReport(
                    d.name(),
                    channel.pathOf(d.name()),
                    d.script().toString(),
                    d.version(),
                    d.faulted(),
                    opens,
                    calls != null ? calls.size() : d.pendingCalls(), // the count may hold calls interrupted since
                    calls,
                    runningOf(d),
                    d.queuedCalls(),
                    d.stats().figures()));
        }
        String where = channel instanceof FuseChannel f ? f.mountDir().toString() : null;
        return new HostReport(
                ProcessHandle.current().pid(),
                startMillis,
                channel.kind(),
                where,
                ds,
                history,
                Libc.getuid(),
                System.getProperty("user.name"),
                cwd.toString());
    }

    private static HostReport.RunningReport runningOf(ScriptDevice d) {
        ScriptDevice.Running r = d.runningNow();
        return r == null ? null : new HostReport.RunningReport(r.what(), r.fileId(), r.millis());
    }
}
