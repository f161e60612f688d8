package org.fusd.host.scaffold;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fusd-host new}: a driver, its test file and the editor config that
 * points at the typings, in a directory of its own. The driver reads a
 * greeting in pieces of any size; the tests check it. docs/tutorial.md
 * starts from here.
 */
public final class Scaffold {
    /** The driver's language. */
    public enum Lang {
        js,
        py
    }

    private Scaffold() {}

    /** Why name cannot name a scaffold (a device name and a file name at once), or null. */
    public static String checkName(String name) {
        if (!name.matches("[A-Za-z][A-Za-z0-9_-]{0,63}")) {
            return "must start with a letter and hold only letters, digits, '-' and '_' (at most 64)";
        }
        return null;
    }

    /**
     * Writes the files into dir (created if missing) and returns their paths;
     * refuses to overwrite any. types is the typings directory the editor config points at.
     */
    public static List<Path> create(String name, Lang lang, Path dir, Path types) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        String typesDir = types.toAbsolutePath().normalize().toString();
        if (lang == Lang.js) {
            files.put(name + ".js", Templates.JS_DRIVER);
            files.put(name + ".test.js", Templates.JS_TEST);
            files.put("jsconfig.json", Templates.JSCONFIG.replace("TYPES_DIR", typesDir));
        } else {
            files.put(name + ".py", Templates.PY_DRIVER);
            files.put(name + "_test.py", Templates.PY_TEST);
            files.put("pyrightconfig.json", Templates.PYRIGHTCONFIG.replace("TYPES_DIR", typesDir));
        }
        for (String f : files.keySet()) {
            if (Files.exists(dir.resolve(f))) {
                throw new FileAlreadyExistsException(dir.resolve(f).toString(), null, "exists; not overwritten");
            }
        }
        Files.createDirectories(dir);
        List<Path> written = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.writeString(p, e.getValue().replace("NAME", name), StandardCharsets.UTF_8);
            written.add(p);
        }
        return written;
    }

    /**
     * The typings directory: next to the installed jar (PREFIX/lib/fusd/types),
     * or the checkout's types/ (the jar in host/target); null if neither is there.
     */
    public static Path typesDir() {
        try {
            Path jar = Path.of(Scaffold.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path dir = jar.getParent();
            for (Path candidate : new Path[] {dir.resolve("types"), dir.resolve("../../types")}) {
                if (Files.isRegularFile(candidate.resolve("fusd.d.ts"))) {
                    return candidate.toAbsolutePath().normalize();
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source (an unusual class loader): say there are no typings
        }
        return null;
    }
}
