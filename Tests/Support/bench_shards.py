#!/usr/bin/env python3
"""Sharded runs of the weekly job, one shard after another on this machine (`make bench-shards`).

usage: bench_shards.py TIERWATCH_BINARY DATA_DIR SHARDS[,SHARDS...] [--keep]
(--keep leaves the work folder, its parts and partials, for profiling)

For the data set in DATA_DIR (a `tierwatch generate` week from 2026-11-09):
  1. the single run over the files as generated: wall time (median of 3) and peak memory, the
     reference. Before every timed step the page cache's dirty pages are written (sync), so
     no step waits for another's writes;
  2. for each shard count N: `tierwatch split` into N sets of parts (its time is printed,
     but it is a one-off cost, not part of a run); the single run over those parts; then N
     shard runs one after another (`run --shard I/N`), each reading only its own parts, and
     the merge. The merged CSVs and manifest.json must equal the single run's over the same
     parts byte for byte (and the HTML but for its provenance line) before any time counts;
  3. per N: the slowest and the mean shard (each run once), the merge (median of 3), the largest shard's peak memory, the merge, the
     projected cluster wall time (slowest shard + merge: the shards of a cluster run at
     once, each on its own node) and the targets of issue 21: a shard at most
     1.2 x single / N + 1 s, the merge at most 5% of the single run; and, for comparison, one
     shard of N over the files as generated (not split), which must read every row.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from bench_job import KINDS, generated, job

PERIOD, NOW = "2026-W46", "2026-11-17T06:00:00Z"


def timed(command, env):
    # Earlier steps' writes are flushed first: an fsync in the timed step must not wait for them.
    os.sync()
    with tempfile.NamedTemporaryFile("r") as out:
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name] + command,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall, kib = out.read().strip().splitlines()[-1].split()
    if result.returncode not in (0, 1, 2):
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    return float(wall), int(kib) / 1024


def median_of(runs, command, env):
    results = sorted(timed(command, env) for _ in range(runs))
    return results[len(results) // 2]


def report_files(folder):
    files = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        if name.endswith(".html"):  # the provenance line names the shards
            data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"<p>Run "))
        files[name] = data
    return files


def main():
    args = sys.argv[1:]
    keep = "--keep" in args
    args = [a for a in args if a != "--keep"]
    binary, data, counts = os.path.abspath(args[0]), os.path.abspath(args[1]), [int(n) for n in args[2].split(",")]
    work = tempfile.mkdtemp(dir=os.path.dirname(data))
    env = dict(os.environ, TIERWATCH_PSEUDONYM_KEY="bench", TIERWATCH_NOW=NOW)
    try:
        os.makedirs(f"{work}/Jobs")
        with open(f"{work}/Jobs/bench.json", "w") as handle:
            handle.write(job(generated(data)))

        def tierwatch(*arguments, reports="Reports", state="state.sqlite3"):
            return [binary, *arguments, "--jobs", f"{work}/Jobs", "--reports", f"{work}/{reports}",
                    "--state", f"{work}/{state}", "--quiet"]

        names = sorted(os.listdir(f"{data}/events"))
        lines = subprocess.run(["wc", "-l"] + [f"{data}/events/{name}" for name in names], capture_output=True, text=True).stdout
        events = int(lines.strip().splitlines()[-1].split()[0]) - len(names)  # the headers
        size = sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(data) for name in names)
        print(f"data: {events:,} event rows, {size / 1e6:,.0f} MB ({data}); {os.cpu_count()} processors, shards run one after another")
        single, single_mib = median_of(3, tierwatch("run", "bench", "--period", PERIOD, reports="single"), env)
        print(f"single run: {single:.2f} s (median of 3), {single_mib:,.0f} MiB")
        rows = []
        for count in counts:
            parts = f"{work}/parts-{count}"
            split, _ = timed(tierwatch("split", "bench", "--period", PERIOD, "--shards", str(count), "--out", parts), env)
            name = f"split{count}"
            with open(f"{work}/Jobs/{name}.json", "w") as handle:
                handle.write(job({kind: f"{parts}/{{shard}}/{kind}/*" for kind in KINDS}))
            reference, _ = timed(tierwatch("run", name, "--period", PERIOD, reports=f"single-{count}"), env)
            shards = []
            for index in range(count):
                shards.append(timed(tierwatch("run", name, "--period", PERIOD, "--shard", f"{index}/{count}",
                                              "--partial", f"{work}/partial-{count}/{index}"), env))
            merge, merge_mib = median_of(3, tierwatch("merge", name, "--period", PERIOD,
                                               *[f"{work}/partial-{count}/{index}" for index in range(count)],
                                               reports=f"merged-{count}", state=f"merged-{count}.sqlite3"), env)
            expected = report_files(f"{work}/single-{count}/{name}/{PERIOD}")
            actual = report_files(f"{work}/merged-{count}/{name}/{PERIOD}")
            differ = [file for file in expected if actual.get(file) != expected[file]] + [file for file in actual if file not in expected]
            if differ:
                sys.exit(f"{count} shards: the merged run differs from the single run over the same parts: {', '.join(differ)}")
            # What a shard costs when the inputs are not split: it reads every row (shard 0 of N).
            whole, _ = timed(tierwatch("run", "bench", "--period", PERIOD, "--shard", f"0/{count}",
                                       "--partial", f"{work}/whole-{count}"), env)
            shutil.rmtree(f"{work}/whole-{count}")
            slowest = max(wall for wall, _ in shards)
            rows.append((count, split, reference, slowest, sum(w for w, _ in shards) / count, max(m for _, m in shards), merge,
                         merge_mib, len(expected), whole))
            if not keep:
                shutil.rmtree(parts)
                shutil.rmtree(f"{work}/partial-{count}")
        print(f"merged outputs equal the single run's over the same parts: {rows[0][8]} files each (CSVs, metadata, manifest byte for byte; HTML but the provenance line)")
        print()
        print(f"{'shards':>6} {'split':>7} {'single/parts':>12} {'slowest':>8} {'mean':>7} {'max mem':>8} {'merge':>7}"
              f" {'cluster':>8} {'shard target':>12} {'merge target':>12} {'read whole':>10}")
        for count, split, reference, slowest, mean, mib, merge, merge_mib, _, whole in rows:
            shard_target, merge_target = 1.2 * single / count + 1, 0.05 * single
            print(f"{count:>6} {split:>6.2f}s {reference:>11.2f}s {slowest:>7.2f}s {mean:>6.2f}s {mib:>5.0f}MiB {merge:>6.2f}s"
                  f" {slowest + merge:>7.2f}s {shard_target:>6.2f}s {'ok' if slowest <= shard_target else 'MISS':>4}"
                  f" {merge_target:>6.2f}s {'ok' if merge <= merge_target else 'MISS':>4} {whole:>9.2f}s")
        print()
        print("split: tierwatch split into N sets of parts (a one-off per data set); single/parts: the single run over those parts;")
        print("slowest, mean, max mem: the N shard runs; cluster: slowest shard + merge, the wall time on N nodes;")
        print("read whole: one shard of N over the files as generated (not split), which reads every row")
    finally:
        if keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
