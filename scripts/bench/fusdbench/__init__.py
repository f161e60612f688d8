"""fusdbench: the `make bench` harness behind scripts/bench/run.

    cli       options, the run from start to end
    paths     where sources, binaries and results are
    measures  what is measured: placements, block sizes, result keys
    samples   Samples: every value and every reason a value is missing
    jvm       the JVM options shared with host/bin/fusd-host (host/bin/jvm-options)
    drivers   the drivers measured, how each starts, what each needs
    build     packages, gcc baselines, the Java bench device
    processes a running driver, the measuring client, pinning, memory
    measure   warm-up, interleaved rounds, startup, reload, many devices
    report    results.json, targets, BENCHMARKS.md, the report on stdout
    tables    the tables of figures, text and Markdown
    charts    the gnuplot charts
    takeover  the takeover phase: fast start, takeover, crash, JIT speed after traffic
    vm        the VM part (scripts/vmtest bench)
    check     --check: every driver answers the right bytes

What each driver and measure is: docs/benchmarks.md.
"""
