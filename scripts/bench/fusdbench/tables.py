"""The tables of figures, as text (stdout) and Markdown (BENCHMARKS.md)."""
from .measures import table_keys


def fmt(v):
    """A figure with the digits that matter: "-" for none."""
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def table_rows(results, drivers, ratio=False):
    """One row per measure in results: its key, then each driver's figure (or its ratio to c_libfuse)."""
    src = results["ratio_to_c_libfuse"] if ratio else results
    return [[k] + [fmt(src.get(k, {}).get(d.name)) for d in drivers]
            for k in table_keys() if k in results]


def text_table(results, drivers, ratio=False):
    head = ["measure"] + [d.name for d in drivers]
    rows = table_rows(results, drivers, ratio)
    w = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(r):
        return "  ".join(c.ljust(w[0]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r))
    return "\n".join([line(head), line(["-" * x for x in w])] + [line(r) for r in rows])


def part_text_table(names, rows):
    """The small table a part of the run (the takeover phase, the VM part) prints: rows of
    (key, [figure per name]) under a head of names, indented under the part's title line."""
    w = max([len("measure")] + [len(k) for k, _ in rows])
    out = ["  " + "measure".ljust(w) + "".join(n.rjust(10) for n in names)]
    return out + ["  " + k.ljust(w) + "".join(fmt(v).rjust(10) for v in vals) for k, vals in rows]


def md_table(results, drivers, ratio=False):
    head = ["measure"] + [f"`{d.name}`" for d in drivers]
    rows = table_rows(results, drivers, ratio)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * len(drivers)]
    out += ["| " + " | ".join([f"`{r[0]}`"] + r[1:]) + " |" for r in rows]
    return "\n".join(out)
