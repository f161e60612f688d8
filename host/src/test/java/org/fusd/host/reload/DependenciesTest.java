package org.fusd.host.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files make a script, and the watcher's debounced reports for them. */
class DependenciesTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p.toAbsolutePath().normalize();
    }

    @Test
    void jsRelativeImportsTransitively() throws Exception {
        Path main = write("main.js", """
                import { a } from "./lib/a.js";
                import "./side.mjs";
                export { b } from '../outside.js';
                const c = await import("./lazy.js");
                import x from "some-package";
                export const name = "x";
                """);
        Path a = write("lib/a.js", "import { util } from './util.js';\nexport const a = 1;\n");
        Path util = write("lib/util.js", "export const util = 1;\n");
        Path side = write("side.mjs", "");
        Path lazy = write("lazy.js", "");
        assertEquals(Set.of(main, a, util, side, lazy), Dependencies.of(main));
    }

    @Test
    void pythonSiblingModulesAndPackages() throws Exception {
        Path main = write("drv.py", """
                import os, helper as h
                from pkg import sub
                from . import sibling
                from tables import ROWS
                name = "x"
                """);
        Path helper = write("helper.py", "import json\n");
        Path init = write("pkg/__init__.py", "");
        Path sub = write("pkg/sub.py", "");
        Path sibling = write("sibling.py", "");
        Path tables = write("tables.py", "from helper import x\n");
        assertEquals(Set.of(main, helper, init, sub, sibling, tables), Dependencies.of(main));
    }

    @Test
    void watcherReportsOnceAfterAMultiStepSaveAndFollowsRenames() throws Exception {
        Path main = write("w.js", "v1");
        Path lib = write("wlib.js", "v1");
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
        LinkedBlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        try (ScriptWatcher w = new ScriptWatcher(ex, 50, seen::add)) {
            w.watch("k", Set.of(main, lib));
            Files.writeString(main, ""); // truncate ...
            Files.writeString(main, "v2"); // ... then write
            assertEquals("k", seen.poll(5, TimeUnit.SECONDS));
            assertEquals(null, seen.poll(200, TimeUnit.MILLISECONDS), "one report for one save");
            Path tmp = write(".wlib.js.swp", "v2");
            Files.move(
                    tmp,
                    lib,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertEquals("k", seen.poll(5, TimeUnit.SECONDS));
            write("unrelated.js", "x");
            assertEquals(null, seen.poll(200, TimeUnit.MILLISECONDS), "other files are not reported");
        } finally {
            ex.shutdownNow();
        }
    }
}
