#!/usr/bin/env python3
"""Tierwatch and DuckDB on the same weekly job and the same CSV files (`make bench-compare`).

usage: bench_compare.py TIERWATCH_BINARY DATA_DIR [DATA_DIR ...] [--runs N]
For each data set: runs DuckDB, Tierwatch (all processors) and Tierwatch --threads 1 RUNS
times each, interleaved, as whole processes under /usr/bin/time, each starting with the data
set's files in the page cache and no writeback pending (`settle`); checks that all produce the
same numbers (metrics, privacy and survey figures per tier, and the same violation list in the
same order) before any time counts; then prints wall time (median), CPU time (median) and peak memory (max) for each,
and the ratios to DuckDB.
"""
import bench_job
import csv
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
START, END = "2026-11-09 00:00:00+00", "2026-11-16 00:00:00+00"


def warm(data):
    """Reads every file of a data set, so that each timed run finds it in the page cache:
    on a machine whose cache holds less than all the sets (this VM's keeps about 3 GB and
    lets files go even when idle), a run could otherwise find part of its input on disk
    and the engine timed next find it cached."""
    for root, _, names in os.walk(data):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                while handle.read(1 << 24):
                    pass


def settle(data):
    """What every timed run starts from: the data set's files in the page cache (`warm`) and
    no writeback pending. The engine before it may have left a gigabyte of output dirty (the
    heavy week's violations), and flushing it would otherwise compete with the next run's
    reads and with Tierwatch's fsync of its own reports."""
    os.sync()
    warm(data)


def timed(command, env=None):
    with tempfile.NamedTemporaryFile("r") as out:
        result = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name] + command,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall, user, system, kib = out.read().strip().splitlines()[-1].split()
    return result.returncode, float(wall), float(user) + float(system), int(kib) / 1024, result.stderr


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def agree(ours, theirs):
    problems = []
    for name, columns in [
        ("metrics_by_tier.csv", ["delivered", "opens", "clicks", "conversions", "bounces", "unsubscribes", "holdouts", "reach",
                                 "engaged", "open_rate", "ctr", "conversion_rate", "bounce_rate", "unsubscribe_rate",
                                 "engagement_rate", "revenue"]),
        ("privacy_by_tier.csv", None),
        ("surveys_by_tier.csv", ["responses", "csat_responses", "csat_mean", "nps"]),
    ]:
        a, b = rows(os.path.join(ours, name)), rows(os.path.join(theirs, name))
        columns = columns or [c for c in b[0].keys() if c != "tier"]
        for ra, rb in zip(a, b):
            for c in columns:
                va, vb = ra[c], rb[c]
                if va != vb and not (va and vb and float(va) == float(vb)):
                    problems.append(f"{name} {ra['tier']}.{c}: tierwatch {va!r}, duckdb {vb!r}")
    # Streamed in lockstep: the heavy 10M week has over seven million rows (as lists of
    # dicts they took 8 GB and minutes).
    def pairs(path):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            event, rule = header.index("event_id"), header.index("rule")
            for row in reader:
                yield row[event], row[rule]
    count, first = 0, None
    for a, b in itertools.zip_longest(pairs(os.path.join(ours, "violations.csv")), pairs(os.path.join(theirs, "violations.csv"))):
        if a != b and first is None:
            first = (count, a, b)
        count += 1
    if first is not None:
        problems.append(f"violations differ: first at row {first[0] + 1}: tierwatch {first[1]}, duckdb {first[2]}")
    return problems, count


def main():
    args = sys.argv[1:]
    runs = 3
    if "--runs" in args:
        i = args.index("--runs"); runs = int(args[i + 1]); del args[i:i + 2]
    binary, datasets = os.path.abspath(args[0]), [os.path.abspath(d) for d in args[1:]]
    results = []
    for data in datasets:
        work = tempfile.mkdtemp()
        try:
            os.makedirs(f"{work}/Jobs")
            with open(f"{work}/Jobs/bench.json", "w") as handle:
                handle.write(bench_job.job(bench_job.generated(data)))
            env = dict(os.environ, TIERWATCH_PSEUDONYM_KEY="bench")
            tw_cmd = [binary, "run", "bench", "--period", "2026-W46", "--jobs", f"{work}/Jobs", "--reports", f"{work}/Reports",
                      "--state", f"{work}/state.sqlite3"]
            dd_cmd = [sys.executable, os.path.join(HERE, "duckdb_job.py"), data, f"{work}/duckdb", START, END]
            os.makedirs(f"{work}/duckdb")
            tw, tw1, dd = [], [], []
            for _ in range(runs):
                settle(data)
                code, *m, err = timed(dd_cmd)
                if code != 0:
                    sys.exit(f"duckdb failed ({code}): {err}")
                dd.append(m)
                for runs_of, extra in ((tw, []), (tw1, ["--threads", "1"])):
                    settle(data)
                    code, *m, err = timed(tw_cmd + extra, env)
                    if code > 2:
                        sys.exit(f"tierwatch failed ({code}): {err}")
                    runs_of.append(m)
                    problems, violations = agree(f"{work}/Reports/bench/2026-W46", f"{work}/duckdb")
                    if problems:
                        print(f"{data}: the engines DISAGREE (tierwatch {' '.join(extra)}), no timing counts:")
                        for p in problems[:20]:
                            print("  " + p)
                        sys.exit(1)
            events = sum(1 for f in os.listdir(f"{data}/events") for _ in open(f"{data}/events/{f}")) - len(os.listdir(f"{data}/events"))
            results.append((data, events, violations, tw, tw1, dd))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'data set':<32}{'engine':<22}{'wall s':>8}{'cpu s':>8}{'peak MiB':>10}   agreement")
    for data, events, violations, tw, tw1, dd in results:
        def figures(m):
            return statistics.median(x[0] for x in m), statistics.median(x[1] for x in m), max(x[2] for x in m)
        base = figures(dd)
        for name, m in (("duckdb", dd), ("tierwatch", tw), ("tierwatch --threads 1", tw1)):
            wall, cpu, peak = figures(m)
            print(f"{os.path.basename(data) + f' ({events:,} ev)':<32}{name:<22}{wall:>8.2f}{cpu:>8.2f}{peak:>10.0f}   "
                  f"same metrics, {violations:,} identical violations")
            if name != "duckdb":
                print(f"{'':<32}{'  ratio to duckdb':<22}{wall / base[0]:>8.2f}{cpu / base[1]:>8.2f}{peak / base[2]:>10.2f}")
    ordinary = [r for r in results if not r[0].endswith("-broken")]
    if len(ordinary) >= 2:
        (_, e1, _, t1, _, _), (_, e2, _, t2, _, _) = ordinary[0], ordinary[-1]
        growth = statistics.median(x[0] for x in t2) / statistics.median(x[0] for x in t1)
        print(f"tierwatch time grows {growth:.2f}x for {e2 / e1:.1f}x the events")
    # The week a CMP broke against the ordinary week of the same size (target: at most 1.3x).
    by_name = {r[0]: r for r in results}
    for data, _, violations, tw, tw1, dd in results:
        base = by_name.get(data[:-len("-broken")]) if data.endswith("-broken") else None
        if base is None:
            continue
        def ratio(a, b):
            return statistics.median(x[0] for x in a) / statistics.median(x[0] for x in b)
        print(f"{os.path.basename(data)} ({violations:,} violations) against {os.path.basename(base[0])} ({base[2]:,}): "
              f"tierwatch {ratio(tw, base[3]):.2f}x, --threads 1 {ratio(tw1, base[4]):.2f}x, duckdb {ratio(dd, base[5]):.2f}x the time")


if __name__ == "__main__":
    main()
