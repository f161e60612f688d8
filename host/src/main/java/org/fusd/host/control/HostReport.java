package org.fusd.host.control;

import java.time.Duration;
import java.util.List;

/**
 * What `fusd-host status` shows of one host: its process, channel and, per
 * device, the script, the code's version, whether it is faulted, its open
 * files and the calls waiting for a deferred answer. As text for people and
 * as JSON for tools.
 */
public record HostReport(
        long pid, long startMillis, String channel, String where, List<DeviceReport> devices, String history) {

    /** One device. faulted: why it refuses calls, or null. */
    public record DeviceReport(
            String name,
            String path,
            String script,
            int version,
            String faulted,
            List<OpenReport> opens,
            int pending,
            List<PendingReport> calls) {}

    /** One call waiting for a deferred answer; calls is null when the device thread was too busy to say. */
    public record PendingReport(String op, long fileId, long waitedMillis) {}

    /** One open file: its id (file.id), the opener and the open flags. */
    public record OpenReport(long id, int pid, int uid, int flags) {}

    public String text(long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append("host ").append(pid).append(": ").append(channel).append(" channel");
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
        }
        return b.toString();
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
        b.append("\"pid\":").append(pid).append(",\"startMillis\":").append(startMillis);
        b.append(",\"channel\":").append(str(channel)).append(",\"where\":").append(str(where));
        b.append(",\"history\":").append(str(history)).append(",\"devices\":[");
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
            b.append("]}");
        }
        return b.append("]}").toString();
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
