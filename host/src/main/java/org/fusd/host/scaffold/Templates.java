package org.fusd.host.scaffold;

/** The files {@code fusd-host new} writes; NAME is replaced by the driver's name, TYPES_DIR by the typings' directory. */
final class Templates {
    private Templates() {}

    static final String JS_DRIVER = """
            // NAME: a character device whose driver is this script (docs/driver-api.md).
            //   run it:   fusd-host run NAME.js     (then: cat /run/fusd/NAME, as root)
            //   test it:  fusd-host test NAME.js    (runs NAME.test.js)
            export const name = "NAME";

            const GREETING = "Hello from NAME!\\n";

            /** @type {fusd.Open} */
            export function open(file, flags) {
                file.state.pos = 0;                     // where this open reads next
            }

            /** @type {fusd.Read} */
            export function read(file, size, offset) {
                const pos = file.state.pos;
                const piece = GREETING.slice(pos, pos + size);
                file.state.pos = pos + piece.length;
                return piece;                           // "" once all was read: end of file
            }
            """;

    static final String JS_TEST = """
            // Tests of NAME.js: fusd-host test NAME.js (docs/testing-drivers.md).
            // Each exported test* function gets a fresh device and t.

            /** @param {fusd.Test} t */
            export function test_greets_then_end_of_file(t) {
                const f = t.open(O_RDONLY);
                t.eq(f.readText(100), "Hello from NAME!\\n");
                t.eq(f.readText(100), "", "then end of file");
            }

            /** @param {fusd.Test} t */
            export function test_small_reads_get_it_all(t) {
                const f = t.open(O_RDONLY);
                let text = "";
                for (let reads = 0; reads < 100; reads++) {     // a bound: a driver may never end the file
                    const piece = f.readText(3);
                    if (piece === "") break;
                    text += piece;
                }
                t.eq(text, "Hello from NAME!\\n");
            }
            """;

    static final String JSCONFIG = """
            {
                // Editor support for the driver and tests here (types/README.md).
                "compilerOptions": {
                    "checkJs": true,
                    "allowJs": true,
                    "noEmit": true,
                    "target": "es2023",
                    "lib": ["es2023"],
                    "types": [],
                    "module": "esnext",
                    "moduleResolution": "bundler",
                    "strict": true,
                    "noImplicitAny": false
                },
                "include": ["*.js", "*.mjs", "TYPES_DIR/fusd.d.ts", "TYPES_DIR/fusd-test.d.ts"]
            }
            """;

    static final String PY_DRIVER = """
            # NAME: a character device whose driver is this script (docs/driver-api.md).
            #   run it:   fusd-host run NAME.py     (then: cat /run/fusd/NAME, as root)
            #   test it:  fusd-host test NAME.py    (runs NAME_test.py)
            from __future__ import annotations

            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from fusd import File

            name = "NAME"

            GREETING = b"Hello from NAME!\\n"


            def open(file: File, flags: int) -> None:
                file.state["pos"] = 0                   # where this open reads next


            def read(file: File, size: int, offset: int) -> bytes:
                pos = file.state["pos"]
                piece = GREETING[pos:pos + size]
                file.state["pos"] = pos + len(piece)
                return piece                            # b"" once all was read: end of file
            """;

    static final String PY_TEST = """
            # Tests of NAME.py: fusd-host test NAME.py (docs/testing-drivers.md).
            # Each test_* function gets a fresh device and t.
            from __future__ import annotations

            import os
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from fusd import Test


            def test_greets_then_end_of_file(t: Test):
                f = t.open(os.O_RDONLY)
                assert f.read(100) == b"Hello from NAME!\\n"
                t.eq(f.read(100), b"", "then end of file")


            def test_small_reads_get_it_all(t: Test):
                f = t.open(os.O_RDONLY)
                text = b""
                for _ in range(100):                    # a bound: a driver may never end the file
                    piece = f.read(3)
                    if not piece:
                        break
                    text += piece
                t.eq(text, b"Hello from NAME!\\n")
            """;

    static final String PYRIGHTCONFIG = """
            {
                "stubPath": "TYPES_DIR",
                "pythonVersion": "3.12",
                "typeCheckingMode": "standard",
                "reportMissingModuleSource": "none"
            }
            """;
}
