package org.fusd.host.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.fusd.host.channel.loopback.LoopbackFile;
import org.fusd.host.device.OpenFlags;
import org.fusd.host.driver.Harness;
import org.junit.jupiter.api.Test;

/** examples/hello.js and hello.py over the loopback channel: a greeting, then EOF, per open. */
class HelloTest {

    private static void greetsThenEof(String script, String name, String greeting) {
        try (Harness h = new Harness()) {
            h.serve(Harness.example(script));
            for (int open = 0; open < 2; open++) {
                try (LoopbackFile f = h.open(name, OpenFlags.O_RDONLY)) {
                    assertEquals(greeting, f.readString(4096));
                    assertEquals("", f.readString(4096));
                }
            }
        }
    }

    @Test
    void helloJs() {
        greetsThenEof("hello.js", "hello", "Hello from a script!\n");
    }

    @Test
    void helloPy() {
        greetsThenEof("hello.py", "hello-py", "Hello from a Python script!\n");
    }
}
