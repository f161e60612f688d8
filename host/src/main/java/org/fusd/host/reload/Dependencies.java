package org.fusd.host.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a driver script is made of: the script and, transitively, the
 * local files it imports. JS: {@code import ... from "./x.js"}, {@code
 * export ... from "../y.mjs"}, {@code import("./z.js")}, relative specifiers
 * only. Python: {@code import a, b} and {@code from a.b import c} where
 * {@code a.py} (or the package {@code a/}) sits next to the importing file.
 * A textual scan, not a parse: it may find an import inside a comment, which
 * only means one more file is watched.
 */
public final class Dependencies {
    private static final Pattern JS_IMPORT =
            Pattern.compile("(?:\\bimport|\\bexport)\\s*(?:[^'\";]*?\\bfrom\\s*)?\\(?\\s*['\"](\\.{1,2}/[^'\"]+)['\"]");
    private static final Pattern PY_IMPORT = Pattern.compile(
            "^[ \\t]*import[ \\t]+([\\w.]+(?:[ \\t]+as[ \\t]+\\w+)?(?:[ \\t]*,[ \\t]*[\\w.]+(?:[ \\t]+as[ \\t]+\\w+)?)*)",
            Pattern.MULTILINE);
    private static final Pattern PY_FROM = Pattern.compile(
            "^[ \\t]*from[ \\t]+(\\.*)([\\w.]*)[ \\t]+import[ \\t]+\\(?[ \\t]*([\\w \\t,]+)", Pattern.MULTILINE);

    private Dependencies() {}

    /** script (normalized, absolute) and every local file it imports, transitively. */
    public static Set<Path> of(Path script) {
        Path root = script.toAbsolutePath().normalize();
        Set<Path> found = new LinkedHashSet<>();
        Deque<Path> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty() && found.size() < 256) {
            Path p = todo.poll();
            if (!found.add(p)) {
                continue;
            }
            String text;
            try {
                text = Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                continue; // missing or unreadable: still watched, so its return is seen
            }
            String n = p.getFileName().toString();
            if (n.endsWith(".py")) {
                python(p, text, todo);
            } else {
                js(p, text, todo);
            }
        }
        return found;
    }

    private static void js(Path file, String text, Deque<Path> todo) {
        Matcher m = JS_IMPORT.matcher(text);
        while (m.find()) {
            Path dep = file.getParent().resolve(m.group(1)).normalize();
            if (Files.isRegularFile(dep)) {
                todo.add(dep);
            }
        }
    }

    private static void python(Path file, String text, Deque<Path> todo) {
        Path dir = file.getParent();
        Matcher m = PY_IMPORT.matcher(text);
        while (m.find()) {
            for (String part : m.group(1).split(",")) {
                module(dir, part.trim().split("\\s+")[0], todo);
            }
        }
        m = PY_FROM.matcher(text);
        while (m.find()) {
            String dots = m.group(1);
            String mod = m.group(2);
            Path base = dir;
            for (int i = 1; i < dots.length() && base.getParent() != null; i++) {
                base = base.getParent();
            }
            if (!mod.isEmpty()) {
                Path pkg = module(base, mod, todo);
                if (pkg != null && Files.isDirectory(pkg)) {
                    names(pkg, m.group(3), todo); // from pkg import submodule
                }
            } else if (!dots.isEmpty()) {
                names(base, m.group(3), todo); // from . import sibling
            }
        }
    }

    private static void names(Path dir, String list, Deque<Path> todo) {
        for (String n : list.split(",")) {
            String name = n.trim().split("\\s+")[0];
            if (!name.isEmpty()) {
                module(dir, name, todo);
            }
        }
    }

    /** Queues dir/a/b.py or dir/a/b/__init__.py for module a.b; returns the package dir or null. */
    private static Path module(Path dir, String dotted, Deque<Path> todo) {
        if (dotted.isEmpty()) {
            return null;
        }
        Path p = dir;
        String[] parts = dotted.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            Path asFile = p.resolve(parts[i] + ".py");
            Path asPkg = p.resolve(parts[i]);
            if (Files.isRegularFile(asFile)) {
                todo.add(asFile.normalize());
                return null;
            }
            if (!Files.isDirectory(asPkg)) {
                return null;
            }
            Path init = asPkg.resolve("__init__.py");
            if (Files.isRegularFile(init)) {
                todo.add(init.normalize());
            }
            p = asPkg;
        }
        return p;
    }
}
