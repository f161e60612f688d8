package org.fusd.host.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fusd.host.device.Errno;
import org.fusd.host.driver.DriverRuntime;
import org.fusd.host.driver.ScriptLoadException;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SourceSection;

/**
 * A test file, evaluated once in a context of its own (sandboxed like a
 * driver): its tests are its top-level functions whose names start with
 * {@code test}, in the order of the file; each is called with a fresh `t`.
 * A JS test file is an ES module that exports them; a Python one defines them.
 */
public abstract class TestScript implements AutoCloseable {
    /** One test: its name, the line it starts at, and how to run it. */
    public record TestCase(String name, int line, org.graalvm.polyglot.Value fn) {}

    /**
     * Why a test failed: the message, and the lines of the test file it
     * failed at, innermost first (the line that threw, then its callers);
     * empty if not known.
     */
    public record Failure(String message, List<Integer> lines) {
        public Failure {
            lines = List.copyOf(lines);
        }

        /** The line that threw, or 0. */
        public int line() {
            return lines.isEmpty() ? 0 : lines.get(0);
        }
    }

    final Path path;
    final Context context;

    TestScript(Path path, Context context) {
        this.path = path;
        this.context = context;
    }

    /**
     * Evaluates the test file. A file that does not load, or has no tests,
     * gives a ScriptLoadException starting with "FILE:LINE:" when the line is known.
     */
    public static TestScript load(DriverRuntime runtime, Path path) {
        DriverRuntime.Language lang = DriverRuntime.languageOf(path);
        String text;
        try {
            text = java.nio.file.Files.readString(path);
        } catch (java.io.IOException e) {
            throw new ScriptLoadException(path + ": cannot read the test file: " + e.getMessage());
        }
        Context ctx = runtime.newScriptContext(lang, path);
        try {
            TestScript s =
                    lang == DriverRuntime.Language.JS ? new JsTestScript(path, ctx) : new PyTestScript(path, ctx);
            s.evaluate(text);
            if (s.tests().isEmpty()) {
                throw new ScriptLoadException(path + ": no tests: a test is a top-level function whose name starts"
                        + " with test (JS: export function test_x(t) {...}; Python: def test_x(t): ...)");
            }
            return s;
        } catch (PolyglotException e) {
            ctx.close(true);
            throw new ScriptLoadException(where(e, path) + ": " + firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            ctx.close(true);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Runs the file's top level (throws ScriptLoadException or PolyglotException if it fails). */
    abstract void evaluate(String text);

    private List<TestCase> tests = List.of();

    /** The tests, in the order of the file. */
    public final List<TestCase> tests() {
        return tests;
    }

    /** What evaluate() found. */
    final void setTests(List<TestCase> found) {
        tests = List.copyOf(found);
    }

    /** Runs one test with the host object api; null if it passed. */
    public abstract Failure run(TestCase test, TestApi api);

    /** The errnos as a name-to-number literal both languages read ({"EPERM": 1, ...}). */
    static String errnoTable() {
        Map<String, Errno> all = Errno.all();
        return all.values().stream()
                .map(e -> "\"" + e.name() + "\": " + e.number())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    /** FILE:LINE of e: where it was raised in file, else the file's innermost frame, else any guest frame. */
    static String where(PolyglotException e, Path file) {
        int line = lineIn(e, file);
        if (line > 0) {
            return file + ":" + line;
        }
        SourceSection s = e.getSourceLocation();
        return s == null ? file.toString() : s.getSource().getName() + ":" + s.getStartLine();
    }

    /** The line of file at which e went through it (the innermost such frame), or 0. */
    static int lineIn(PolyglotException e, Path file) {
        List<Integer> lines = linesIn(e, file);
        return lines.isEmpty() ? 0 : lines.get(0);
    }

    /** The lines of file that e went through, innermost first. */
    static List<Integer> linesIn(PolyglotException e, Path file) {
        String name = file.toString();
        List<Integer> lines = new java.util.ArrayList<>();
        for (PolyglotException.StackFrame f : e.getPolyglotStackTrace()) {
            SourceSection s = f.getSourceLocation();
            if (f.isGuestFrame() && s != null && s.getSource().getName().equals(name)) {
                lines.add(s.getStartLine());
            }
        }
        SourceSection at = e.getSourceLocation();
        if (lines.isEmpty() && at != null && at.getSource().getName().equals(name)) {
            lines.add(at.getStartLine());
        }
        return lines;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            context.close(true);
        } catch (RuntimeException ignored) {
            // closing a context that a stuck test still runs in: nothing more to free
        }
    }
}
