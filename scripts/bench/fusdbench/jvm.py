"""Java commands with the JVM options of host/bin/jvm-options, the file
host/bin/fusd-host reads them from, so the bench never has its own copy."""
import functools
import os
import subprocess

from .paths import ROOT

OPTIONS_FILE = os.path.join(ROOT, "host", "bin", "jvm-options")
HOST_TARGET = os.path.join(ROOT, "host", "target")
HOST_JAR = os.path.join(HOST_TARGET, "fusd-host.jar")
HOST_MAIN = "org.fusd.host.cli.Main"


def host_classpath_override():
    """FUSD_BENCH_HOST_CLASSPATH, for trying host code that is compiled but not packaged; else None."""
    cp = os.environ.get("FUSD_BENCH_HOST_CLASSPATH")
    return cp.split(":") if cp else None


def host_classpath():
    return host_classpath_override() or [HOST_JAR, os.path.join(HOST_TARGET, "lib", "*")]


def host_built():
    return os.path.exists(HOST_JAR) or host_classpath_override() is not None


@functools.lru_cache(maxsize=None)
def find_jdk():
    """The JDK scripts/find-jdk picks, or None."""
    r = subprocess.run([os.path.join(ROOT, "scripts", "find-jdk")], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def options(engine=True):
    """The options of host/bin/jvm-options: all of them, or (engine=False) only those before the
    [engine] group, for a JVM that runs the host's classes without a script engine."""
    opts = []
    with open(OPTIONS_FILE) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                if not engine:
                    break
                continue
            if line and not line.startswith("#"):
                opts.append(line.replace("{jit}", os.path.join(HOST_TARGET, "jit")))
    return opts


def java_command(classpath, main, engine=True):
    """java with the host's options, then FUSD_JAVA_OPTS (as the launcher does), classpath and main."""
    return [os.path.join(find_jdk(), "bin", "java"), *options(engine),
            *os.environ.get("FUSD_JAVA_OPTS", "").split(),
            "-cp", ":".join(classpath), main]


def host_command():
    """How to start fusd-host: its launcher, or (FUSD_BENCH_HOST_CLASSPATH set) the launcher's
    java command with that class path, for host code not yet packaged."""
    if host_classpath_override() is None:
        return [os.path.join(ROOT, "host", "bin", "fusd-host")]
    return java_command(host_classpath(), HOST_MAIN)
