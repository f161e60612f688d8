package org.fusd.host.control;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fusd.host.device.CallStats;

/**
 * What `fusd-host status` and `fusd-host list` show of one host: its
 * process, owner, channel and, per device, the script, the code's version,
 * whether it is faulted, its open files, the calls waiting for a deferred
 * answer, the script code running now, and its calls, errors and median
 * latency per op. As text for people and as JSON for tools (docs/cli.md
 * describes both; fields are only ever added, see {@link ControlServer#VERSION}).
 */
public record HostReport(
        long pid,
        long startMillis,
        String channel,
        String where,
        List<DeviceReport> devices,
        String history,
        int uid,
        String user,
        String cwd) {

    /**
     * One device. faulted: why it refuses calls, or null. running: the
     * script code running now, or null. queued: calls waiting for the
     * device's thread. stats: its calls since it was loaded.
     */
    public record DeviceReport(
            String name,
            String path,
            String script,
            int version,
            String faulted,
            List<OpenReport> opens,
            int pending,
            List<PendingReport> calls,
            RunningReport running,
            int queued,
            CallStats.Figures stats) {}

    /** One call waiting for a deferred answer; calls is null when the device thread was too busy to say. */
    public record PendingReport(String op, long fileId, long waitedMillis) {}

    /** One open file: its id (file.id), the opener and the open flags. */
    public record OpenReport(long id, int pid, int uid, int flags) {}

    /** Script code running now: a callback ("read"; fileId its file) or other code (a timer; fileId -1). */
    public record RunningReport(String what, long fileId, long millis) {}

    public String text(long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append("host ")
                .append(pid)
                .append(" (")
                .append(user)
                .append("): ")
                .append(channel)
                .append(" channel");
        if (where != null) {
            b.append(" at ").append(where);
        }
        b.append(", up ").append(uptime(nowMillis - startMillis));
        if (history != null) {
            b.append(", ").append(history);
        }
        b.append('\n');
        for (DeviceReport d : devices) {
            b.append("  ")
                    .append(d.name())
                    .append(" v")
                    .append(d.version())
                    .append(" (")
                    .append(d.script())
                    .append(") at ")
                    .append(d.path());
            b.append(d.faulted() == null ? ": serving" : ": FAULTED: " + d.faulted())
                    .append('\n');
            b.append("    open files: ")
                    .append(d.opens().size())
                    .append(", pending calls: ")
                    .append(d.pending())
                    .append('\n');
            for (OpenReport o : d.opens()) {
                b.append("      file ")
                        .append(o.id())
                        .append(": pid ")
                        .append(o.pid())
                        .append(" uid ")
                        .append(o.uid())
                        .append(" flags 0")
                        .append(Integer.toOctalString(o.flags()))
                        .append('\n');
            }
            if (d.calls() == null) {
                b.append("      (its thread is busy: no list of pending calls)\n");
            } else {
                for (PendingReport c : d.calls()) {
                    b.append("      pending ")
                            .append(c.op())
                            .append(" on file ")
                            .append(c.fileId())
                            .append(", waiting ")
                            .append(c.waitedMillis())
                            .append(" ms\n");
                }
            }
            RunningReport r = d.running();
            if (r != null) {
                b.append("    running now: ").append(r.what());
                if (r.fileId() >= 0) {
                    b.append(" on file ").append(r.fileId());
                }
                b.append(" for ").append(r.millis()).append(" ms");
                if (d.queued() > 0) {
                    b.append(", ").append(d.queued()).append(d.queued() == 1 ? " call" : " calls");
                    b.append(" queued behind it");
                }
                b.append('\n');
            } else if (d.queued() > 0) {
                b.append("    calls queued: ").append(d.queued()).append('\n');
            }
            statsText(b, d.stats());
        }
        return b.toString();
    }

    private static void statsText(StringBuilder b, CallStats.Figures f) {
        if (f.calls() == 0) {
            b.append("    calls: none yet\n");
            return;
        }
        b.append("    calls: ").append(f.calls()).append(", errors: ").append(f.errors());
        b.append(", p50 ").append(latency(f.p50Nanos())).append('\n');
        b.append(String.format("      %-8s %8s %7s %9s%n", "op", "calls", "errors", "p50"));
        for (CallStats.OpFigures o : f.ops()) {
            b.append(String.format(
                    "      %-8s %8d %7d %9s", o.op().callback(), o.calls(), o.errors(), latency(o.p50Nanos())));
            if (!o.errnos().isEmpty()) {
                StringBuilder e = new StringBuilder();
                for (Map.Entry<String, Long> x : o.errnos().entrySet()) {
                    e.append(e.isEmpty() ? "" : ", ")
                            .append(x.getKey())
                            .append(' ')
                            .append(x.getValue());
                }
                b.append("  (").append(e).append(')');
            }
            b.append('\n');
        }
    }

    /** A latency for people: ns, us, ms or s, two or three significant digits. */
    static String latency(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return scaled(nanos, 1_000) + " us";
        }
        if (nanos < 1_000_000_000) {
            return scaled(nanos, 1_000_000) + " ms";
        }
        return scaled(nanos, 1_000_000_000) + " s";
    }

    private static String scaled(long nanos, long unit) {
        double v = (double) nanos / unit;
        return v < 10 ? String.format("%.1f", v) : String.valueOf(Math.round(v));
    }

    /**
     * One line for `fusd-host list`: pid, user, channel and where, uptime,
     * working directory, and each device with its version, open files,
     * pending calls and fault.
     */
    public String line(long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append(pid).append(' ').append(user).append(' ').append(channel);
        if (where != null) {
            b.append(" at ").append(where);
        }
        b.append(", up ")
                .append(uptime(nowMillis - startMillis))
                .append(", in ")
                .append(cwd)
                .append(':');
        for (int i = 0; i < devices.size(); i++) {
            DeviceReport d = devices.get(i);
            b.append(i == 0 ? " " : ", ").append(d.name()).append(" v").append(d.version());
            StringBuilder extra = new StringBuilder();
            extra.append(d.opens().size()).append(" open");
            if (d.pending() > 0) {
                extra.append(", ").append(d.pending()).append(" pending");
            }
            if (d.faulted() != null) {
                extra.append(", FAULTED");
            }
            b.append(" (").append(extra).append(')');
        }
        if (devices.isEmpty()) {
            b.append(" no devices");
        }
        return b.append('\n').toString();
    }

    /** `fusd-host list --json`: the host's line as one JSON object. */
    public String lineJson() {
        StringBuilder b = new StringBuilder("{");
        hostJson(b);
        b.append(",\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            DeviceReport d = devices.get(i);
            b.append(i == 0 ? "" : ",").append("{\"name\":").append(str(d.name()));
            b.append(",\"version\":")
                    .append(d.version())
                    .append(",\"faulted\":")
                    .append(str(d.faulted()));
            b.append(",\"openFiles\":")
                    .append(d.opens().size())
                    .append(",\"pending\":")
                    .append(d.pending());
            b.append('}');
        }
        return b.append("]}").toString();
    }

    private void hostJson(StringBuilder b) {
        b.append("\"pid\":").append(pid).append(",\"startMillis\":").append(startMillis);
        b.append(",\"channel\":").append(str(channel)).append(",\"where\":").append(str(where));
        b.append(",\"history\":").append(str(history));
        b.append(",\"protocol\":").append(ControlServer.VERSION);
        b.append(",\"uid\":").append(uid).append(",\"user\":").append(str(user));
        b.append(",\"cwd\":").append(str(cwd));
    }

    private static String uptime(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m" + d.toSecondsPart() + "s";
        }
        return d.toSeconds() + "." + (d.toMillisPart() / 100) + "s";
    }

    public String json() {
        StringBuilder b = new StringBuilder("{");
        hostJson(b);
        b.append(",\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            DeviceReport d = devices.get(i);
            b.append(i == 0 ? "" : ",").append("{\"name\":").append(str(d.name()));
            b.append(",\"path\":").append(str(d.path())).append(",\"script\":").append(str(d.script()));
            b.append(",\"version\":")
                    .append(d.version())
                    .append(",\"faulted\":")
                    .append(str(d.faulted()));
            b.append(",\"pending\":").append(d.pending()).append(",\"calls\":");
            if (d.calls() == null) {
                b.append("null");
            } else {
                b.append('[');
                for (int k = 0; k < d.calls().size(); k++) {
                    PendingReport c = d.calls().get(k);
                    b.append(k == 0 ? "" : ",")
                            .append("{\"op\":")
                            .append(str(c.op()))
                            .append(",\"file\":")
                            .append(c.fileId())
                            .append(",\"waitedMillis\":")
                            .append(c.waitedMillis())
                            .append('}');
                }
                b.append(']');
            }
            b.append(",\"opens\":[");
            for (int k = 0; k < d.opens().size(); k++) {
                OpenReport o = d.opens().get(k);
                b.append(k == 0 ? "" : ",")
                        .append("{\"id\":")
                        .append(o.id())
                        .append(",\"pid\":")
                        .append(o.pid());
                b.append(",\"uid\":")
                        .append(o.uid())
                        .append(",\"flags\":")
                        .append(o.flags())
                        .append('}');
            }
            b.append("],\"running\":");
            RunningReport r = d.running();
            if (r == null) {
                b.append("null");
            } else {
                b.append("{\"what\":")
                        .append(str(r.what()))
                        .append(",\"file\":")
                        .append(r.fileId());
                b.append(",\"millis\":").append(r.millis()).append('}');
            }
            b.append(",\"queued\":").append(d.queued()).append(",\"stats\":");
            statsJson(b, d.stats());
            b.append('}');
        }
        return b.append("]}").toString();
    }

    /** p50Nanos is null without calls. */
    private static void statsJson(StringBuilder b, CallStats.Figures f) {
        b.append("{\"calls\":").append(f.calls()).append(",\"errors\":").append(f.errors());
        b.append(",\"p50Nanos\":").append(f.calls() == 0 ? "null" : String.valueOf(f.p50Nanos()));
        b.append(",\"ops\":{");
        for (int i = 0; i < f.ops().size(); i++) {
            CallStats.OpFigures o = f.ops().get(i);
            b.append(i == 0 ? "" : ",")
                    .append(str(o.op().callback()))
                    .append(":{\"calls\":")
                    .append(o.calls());
            b.append(",\"errors\":").append(o.errors()).append(",\"errnos\":{");
            int k = 0;
            for (Map.Entry<String, Long> e : o.errnos().entrySet()) {
                b.append(k++ == 0 ? "" : ",")
                        .append(str(e.getKey()))
                        .append(':')
                        .append(e.getValue());
            }
            b.append("},\"p50Nanos\":").append(o.p50Nanos()).append('}');
        }
        b.append("}}");
    }

    static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
