package org.fusd.host.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fusd.host.cli.Main;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every lab's tests (docs/labs/NN-name/lab.test.js or lab_test.py) through
 * `fusd-host test`, on loopback: they pass against each reference solution
 * (JS and Python) and fail against the starter, as a student would see.
 */
class LabsTest {
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed$");

    static Path labs() {
        Path p = Path.of("..", "docs", "labs");
        return Files.isDirectory(p) ? p : Path.of("docs", "labs");
    }

    /** What `fusd-host test ARGS...` prints on stdout and stderr, and its exit status. */
    record Run(int status, String out, String err) {}

    static Run fusdHostTest(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "test";
        System.arraycopy(args, 0, all, 1, args.length);
        int status = cl.execute(all);
        return new Run(status, out.toString(), err.toString());
    }

    private static List<Path> labDirs() throws IOException {
        try (Stream<Path> s = Files.list(labs())) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    private static Path testsOf(Path lab) {
        Path js = lab.resolve("lab.test.js");
        return Files.exists(js) ? js : lab.resolve("lab_test.py");
    }

    @TestFactory
    Stream<DynamicTest> solutionsPassTheirLabsTests() throws IOException {
        return labDirs().stream()
                .flatMap(lab -> Stream.of("solution.js", "solution.py")
                        .map(lab::resolve)
                        .filter(Files::exists)
                        .map(solution ->
                                DynamicTest.dynamicTest(lab.getFileName() + "/" + solution.getFileName(), () -> {
                                    assertTrue(Files.exists(testsOf(lab)), lab + " has no lab.test.js or lab_test.py");
                                    Run r = fusdHostTest(
                                            solution.toString(), testsOf(lab).toString());
                                    Matcher m = SUMMARY.matcher(r.out());
                                    assertTrue(m.find(), r.out() + r.err());
                                    assertEquals("0", m.group(2), r.out());
                                    assertTrue(Integer.parseInt(m.group(1)) >= 3, "a lab has a few tests: " + r.out());
                                    assertEquals(Main.EXIT_OK, r.status(), r.out() + r.err());
                                })));
    }

    @TestFactory
    Stream<DynamicTest> startersFailTheirLabsTests() throws IOException {
        return labDirs().stream()
                .map(lab -> DynamicTest.dynamicTest(lab.getFileName() + "/starter.js", () -> {
                    Run r = fusdHostTest(
                            lab.resolve("starter.js").toString(), testsOf(lab).toString());
                    Matcher m = SUMMARY.matcher(r.out());
                    assertTrue(m.find(), r.out() + r.err());
                    assertTrue(Integer.parseInt(m.group(2)) > 0, "the starter passes everything: " + r.out());
                    assertEquals(Main.EXIT_FAILURE, r.status(), r.out());
                }));
    }
}
