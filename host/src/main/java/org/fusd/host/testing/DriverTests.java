package org.fusd.host.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fusd.host.channel.Channel;
import org.fusd.host.channel.loopback.LoopbackChannel;
import org.fusd.host.device.Op;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.ScriptDevice;
import org.fusd.host.trace.TraceDevice;

/**
 * {@code fusd-host test}: runs test files against a driver. Each test gets a
 * freshly loaded device (so no test sees another's state) served on the
 * channel, and a `t` that reaches it through the client; the files it leaves
 * open are closed after it. A failure prints the test file's line, the
 * driver's calls during the test with the line of each callback, and what the
 * driver logged. Ends with "N passed, M failed".
 */
public final class DriverTests {
    /** How many of a failed test's last driver calls are shown. */
    private static final int CALLS_SHOWN = 12;

    /** How long a removed device may wait for the releases of the files a test closed. */
    private static final long RELEASE_WAIT_NS = 2_000_000_000L;

    private static final Pattern TRACE = Pattern.compile("^trace \\S+ (\\S+) pid=\\d+ ?(.*) \\(\\d+ us\\)$");

    public record Summary(int passed, int failed) {}

    private final Path driver;
    private final List<Path> testFiles;
    private final PrintWriter out;
    private final List<String> driverLog = new CopyOnWriteArrayList<>();

    private final org.fusd.host.io.Grants grants;

    public DriverTests(Path driver, List<Path> testFiles, PrintWriter out) {
        this(driver, testFiles, out, org.fusd.host.io.Grants.none());
    }

    /** grants: what the driver (and its tests) may reach, as fusd-host run's flags give it. */
    public DriverTests(Path driver, List<Path> testFiles, PrintWriter out, org.fusd.host.io.Grants grants) {
        this.driver = driver;
        this.testFiles = List.copyOf(testFiles);
        this.out = out;
        this.grants = grants;
    }

    /**
     * Runs every test of every file on channel, calling through client.
     * Throws ScriptLoadException (its message starts with FILE:LINE) if a test
     * file or the driver does not load.
     */
    public Summary run(Channel channel, Client client) {
        DriverRuntime runtime = new DriverRuntime(grants, driverLog::add);
        runtime.keepSpareContext(DriverRuntime.languageOf(driver)); // the next test's context starts during this one
        List<TestScript> scripts = new ArrayList<>();
        try {
            runtime.loadScript(driver).forEach(runtime::unload); // a driver that does not load fails here
            for (Path p : testFiles) {
                scripts.add(TestScript.load(runtime, p));
            }
            out.println("fusd-host test: " + driver + " on " + channel.kind());
            int passed = 0;
            int failed = 0;
            for (TestScript s : scripts) {
                out.println(s.path());
                for (TestScript.TestCase t : s.tests()) {
                    if (runOne(runtime, channel, client, s, t)) {
                        passed++;
                    } else {
                        failed++;
                    }
                    out.flush();
                }
            }
            out.println(passed + " passed, " + failed + " failed");
            out.flush();
            return new Summary(passed, failed);
        } finally {
            scripts.forEach(TestScript::close);
            runtime.close();
        }
    }

    private boolean runOne(
            DriverRuntime runtime, Channel channel, Client client, TestScript script, TestScript.TestCase test) {
        driverLog.clear();
        ByteArrayOutputStream traced = new ByteArrayOutputStream();
        // A driver with several devices (`devices`): all are served; the tests reach the first
        // unless an open names another.
        List<ScriptDevice> all = runtime.loadScript(driver);
        ScriptDevice device = all.get(0);
        Map<Op, String> sources = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            sources.put(op, device.sourceOf(op));
        }
        long start = System.nanoTime();
        TestScript.Failure failure;
        try {
            channel.add(new TraceDevice(device, new PrintStream(traced, true, StandardCharsets.UTF_8)));
            for (ScriptDevice other : all.subList(1, all.size())) {
                channel.add(other);
            }
            java.util.SequencedMap<String, String> targets = new java.util.LinkedHashMap<>();
            for (ScriptDevice d : all) {
                targets.put(d.name(), channel instanceof LoopbackChannel ? d.name() : channel.pathOf(d.name()));
            }
            TestApi api = new TestApi(client, targets, channel.kind());
            try {
                failure = script.run(test, api);
            } finally {
                api.closeAll();
            }
        } catch (IOException e) {
            failure = new TestScript.Failure("cannot serve the device: " + e.getMessage(), List.of());
        } finally {
            for (ScriptDevice d : all) {
                channel.remove(d.name());
                awaitReleased(d);
                runtime.unload(d);
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (failure == null) {
            out.println("  ok    " + test.name() + " (" + ms + " ms)");
            return true;
        }
        out.println("  FAIL  " + test.name() + " (" + script.path() + ":" + test.line() + ")");
        String at = failure.line() > 0 ? script.path() + ":" + failure.line() + ": " : "";
        out.println("        " + at + failure.message());
        String source = sourceLine(script.path(), failure.line());
        if (source != null) {
            out.println("            " + source);
        }
        List<Integer> callers = failure.lines()
                .subList(Math.min(1, failure.lines().size()), failure.lines().size());
        for (int caller : callers) {
            String text = sourceLine(script.path(), caller);
            out.println("        called from " + script.path() + ":" + caller + (text == null ? "" : ": " + text));
        }
        printCalls(traced.toString(StandardCharsets.UTF_8), sources);
        if (!driverLog.isEmpty()) {
            out.println("        the driver said:");
            driverLog.forEach(l -> out.println("            " + l));
        }
        return false;
    }

    /**
     * Waits (a little) until the kernel has released the files the test
     * closed: on a real channel release comes after close(2) returns, and the
     * driver's release callback belongs to the test.
     */
    private static void awaitReleased(ScriptDevice device) {
        long deadline = System.nanoTime() + RELEASE_WAIT_NS;
        while (device.nodeCount() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The driver's calls during the test, each with the line of the callback that answered it. */
    private void printCalls(String trace, Map<Op, String> sources) {
        List<String> calls = new ArrayList<>();
        for (String line : trace.split("\n")) {
            Matcher m = TRACE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Op op = opNamed(m.group(1));
            String src = op == null ? null : sources.get(op);
            String call = (m.group(1) + " " + m.group(2)).strip();
            calls.add(String.format("%-44s %s", call, src != null ? src : "(no " + m.group(1) + ": the default)"));
        }
        if (calls.isEmpty()) {
            out.println("        the driver " + driver + " got no calls");
            return;
        }
        int from = Math.max(0, calls.size() - CALLS_SHOWN);
        out.println("        the driver's calls (" + driver + (from > 0 ? ", the last " + CALLS_SHOWN : "") + "):");
        calls.subList(from, calls.size()).forEach(c -> out.println("            " + c));
    }

    private static Op opNamed(String callback) {
        for (Op op : Op.values()) {
            if (op.callback().equals(callback)) {
                return op;
            }
        }
        return null;
    }

    private static String sourceLine(Path file, int line) {
        if (line <= 0) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return line <= lines.size() ? lines.get(line - 1).strip() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
