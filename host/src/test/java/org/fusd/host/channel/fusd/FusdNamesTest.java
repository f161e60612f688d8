package org.fusd.host.channel.fusd;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The node names the host lets through are the ones fusd.ko takes (fusd_name_ok). */
class FusdNamesTest {
    @Test
    void componentsJoinedBySlash() {
        for (String ok : new String[] {"a", "drums/bam", "input/event0", "a.b-c_d/e", "x".repeat(63)}) {
            assertNull(FusdNames.problem(ok), ok);
        }
        for (String bad : new String[] {
            "", "/a", "a/", "a//b", ".hidden", "a/.b", "a/../b", "..", "sp ace", "x!y", "uml\u00e4ut", "x".repeat(64)
        }) {
            assertNotNull(FusdNames.problem(bad), bad);
        }
    }
}
