"""What is measured: the placements, the client-side measures and the keys
they have in results.json (docs/benchmarks.md, "Measures")."""

PIN_CPU = "0"
PLACEMENTS = [("", "unpinned: the scheduler places client and driver"),
              ("_pinned", f"pinned: client and driver both on CPU {PIN_CPU} (taskset)")]

KIB, MIB = 1024, 1 << 20
THROUGHPUT = [("read", 4 * KIB, "4k"), ("read", 64 * KIB, "64k"), ("read", MIB, "1m"),
              ("write", 4 * KIB, "4k"), ("write", 64 * KIB, "64k"), ("write", MIB, "1m")]
CLIENTS = [1, 4, 16, 64]
CONCURRENT_BLOCK = 4 * KIB
DEVICE_COUNTS = [1, 100, 1000]


def placement_name(suffix):
    """"unpinned" or "pinned", for progress lines."""
    return "pinned" if suffix == "_pinned" else "unpinned"


def client_measures(seconds):
    """(key, bench_client arguments after the target) for every client-side measure, in run order.
    The key "roundtrip_1b" gives two results: roundtrip_1b_p50_us and roundtrip_1b_p99_us."""
    out = [("roundtrip_1b", ["rt", "-n", 20000, "-w", 2000, "-t", seconds])]
    for mode, bs, tag in THROUGHPUT:
        out.append((f"{mode}_{tag}_mb_s", [mode, "-b", bs, "-t", seconds]))
    for k in CLIENTS:
        out.append((f"clients_{k}_read_4k_mb_s",
                    ["read", "-b", CONCURRENT_BLOCK, "-t", seconds, "-k", k]))
    return out


def client_keys():
    """The client-side measures' keys, before the placement suffix."""
    keys = ["roundtrip_1b_p50_us", "roundtrip_1b_p99_us"]
    keys += [f"{m}_{t}_mb_s" for m, _, t in THROUGHPUT]
    keys += [f"clients_{k}_read_4k_mb_s" for k in CLIENTS]
    return keys


def process_keys():
    """The measures of a driver's process rather than the client's: startup, reload, memory."""
    return ["startup_ms", "reload_ms", "reload_host_ms"] + [rss_key(n) for n in DEVICE_COUNTS]


def rss_key(devices):
    return f"rss_{devices}dev_mib"


def result_keys():
    """Every measure's key in results.json, in table order."""
    keys = [k + suffix for k in client_keys() for suffix, _ in PLACEMENTS]
    return keys + process_keys()


def table_keys():
    """The measures in the order the tables list them: unpinned, then pinned, then the rest."""
    keys = [k + suffix for suffix, _ in PLACEMENTS for k in client_keys()]
    return keys + process_keys()
