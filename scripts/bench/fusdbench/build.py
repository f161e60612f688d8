"""Before a run: the packages, the C programs (gcc, into target/bench) and
the Java bench device (javac, against the built host)."""
import os
import shutil
import subprocess
import sys

from . import jvm
from .drivers import HOST_NOT_BUILT, JAVA_CLASSES
from .paths import HERE, OUT, ROOT, bin_path, log

CFLAGS = ["-O2", "-Wall", "-Wextra", "-Werror"]


def ensure_packages(install, need_charts=True):
    """The packages come from scripts/deps, the project's one list."""
    if not install:
        return
    deps = os.path.join(ROOT, "scripts", "deps")
    r = subprocess.run([deps] + (["--bench"] if need_charts else []))
    if r.returncode != 0:
        log("bench: scripts/deps failed; drivers needing those packages are skipped")


def cc(src, out, extra=()):
    """gcc scripts/bench/SRC into target/bench/OUT; on failure logs why and leaves no binary."""
    src = os.path.join(HERE, src)
    if not os.path.exists(src):
        return
    r = subprocess.run(["gcc", *CFLAGS, "-o", bin_path(out), src, *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"bench: building {out} failed:\n{r.stderr.strip()}")
        if os.path.exists(bin_path(out)):
            os.unlink(bin_path(out))


def build_java():
    """Compiles scripts/bench/java/BenchDevice.java against the built host.
    Returns None, or why the Java bench device is not available."""
    jdk = jvm.find_jdk()
    if not jdk:
        return "no JDK >= 21 (scripts/find-jdk)"
    if not jvm.host_built():
        return HOST_NOT_BUILT
    shutil.rmtree(JAVA_CLASSES, ignore_errors=True)
    os.makedirs(JAVA_CLASSES)
    r = subprocess.run([os.path.join(jdk, "bin", "javac"), "-nowarn", "-d", JAVA_CLASSES,
                        "-cp", ":".join(jvm.host_classpath()),
                        os.path.join(HERE, "java", "BenchDevice.java")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        first = next((ln for ln in r.stderr.splitlines() if "error:" in ln), r.stderr.strip()[:200])
        first = first.replace(ROOT + "/", "")
        return ("not yet available: BenchDevice does not compile against "
                f"host/target/fusd-host.jar (fuse channel not built?): {first.strip()}")
    return None


def build():
    """Builds everything; exits if bench_client, which every measure needs, did not build.
    Returns None, or why the Java bench device is not available."""
    os.makedirs(OUT, exist_ok=True)
    cc("bench_client.c", "bench_client", ["-pthread"])
    fuse3 = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"],
                           capture_output=True, text=True)
    if fuse3.returncode == 0:
        cc("c_libfuse.c", "c_libfuse", fuse3.stdout.split())
    else:
        log("bench: pkg-config fuse3 failed: libfuse3-dev missing")
    cc("c_raw_fuse.c", "c_raw_fuse", ["-pthread"])
    java_error = build_java()
    if not os.path.exists(bin_path("bench_client")):
        sys.exit("bench: bench_client did not build; nothing can be measured")
    return java_error
