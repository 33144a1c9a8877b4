#!/usr/bin/env python3
"""Where a run's time goes, per phase (`make phases`): perf samples grouped by function.

usage: phases.py TIERWATCH_BINARY DATA_DIR [DATA_DIR ...] [--threads N]

Runs the weekly job once per data set (a `tierwatch generate` week from 2026-11-09) under
`perf record` (Debian's linux-perf) and sorts every sample's function into a phase by its
name: read (system calls and copies of file reading, SHA-256 of every input byte), parse
(the tokenizer, field and timestamp parsers, column bindings, UTF-8 checks), hashing
(OpenSSL: the SHA-256 of every input byte and the HMAC of every pseudonym; one function,
so not told apart), intern (the id tables),
consent join (building the consent history and checking every use against it), aggregate
(per-group counts, distinct-subject flags, uplift counts), write (CSV and HTML writers,
violation rows, pseudonyms, timestamps written, the state database) and, apart, the Swift
runtime (reference counting, copies, allocation) and the kernel's memory work (page
faults; its scheduling and locks apart). Prints each phase's share of the samples and its seconds of CPU time (share x the
run's user + system time), next to the run's wall time.
"""
import bench_job
import os
import re
import subprocess
import sys
import tempfile

PHASES = [
    ("read", [r"InputStream|_copy_to_iter|copy_user|filemap|pread|ext4_file_read|vfs_read|ksys_read|"
              r"xas_|folio_|page_cache|generic_file|rep_movs|^read$"]),
    ("hashing", [r"^libcrypto|SHA256|HMAC|EVP_|OPENSSL_"]),
    ("parse", [r"CSVTokenizer|FieldParsers|ColumnBinding|CivilDate|DateCache|PartReader|InputScanner|SeparatorIndex|"
               r"EventPart.+decode|ConsentPart.+decode|decodeErasure|decodeSurvey|categoryList|TCString|GPPString|USPrivacy|GPCFlag|SignalMapping|"
               r"UTF8Validation"]),
    ("intern", [r"ByteInterner|PartInterner|MergedIDs|LastKey|PartIDs"]),
    ("consent join", [r"PolicyEvaluator|ConsentHistory|ConsentPart|Builder|ConsentState|statePurpose"]),
    ("aggregate", [r"EngagementAccumulator|PairFlags|DistinctCounts|SubjectFlags|UseCounts|PrivacyTotals|EngagementTotals|"
                   r"EventPart.+flush|EventPart.+complete|EventPart.+keep|LargeBuffer"]),
    ("write", [r"CSVWriter|ViolationLog|Pseudonymizer|CivilCalendar|HTML|CSVReports|ReportModel|ExecutivePage|CompliancePage|"
               r"Suppression|Uplift|FixedPoint|CSVMetadata|Manifest|SQLite|sqlite3|JSONEncoder|RawBytes|AtomicFile|fsync|ext4_|"
               r"write$|^__GI___libc_write|ReportPublisher|RejectLog|StateStore|Alert|EventPart.+detail|Violation|ConsentRule"]),
    ("Swift runtime", [r"^swift_|_swift_|swift::|^\$ss|^\$sS|memmove|memcpy|memset|malloc|_int_free|_int_malloc|free$|"
                       r"cfree|__tls_get_addr|Array|Dictionary|ContiguousArray"]),
    ("kernel memory", [r"page_fault|clear_page|do_anonymous|handle_mm|alloc_pages|zap_|tlb|lru|mmap|munmap|madvise|"
                       r"rmqueue|get_page_from_freelist|__pte|flush_tlb|exc_page|asm_exc|populate|memcg|charge"]),
    ("kernel, other", [r"^\[kernel|_raw_spin|__list_|schedule|futex|irq|syscall|entry_SYSCALL|native_"]),
]
COMPILED = [(name, re.compile("|".join(patterns))) for name, patterns in PHASES]


def phase(dso, symbol):
    for name, pattern in COMPILED:
        if pattern.search(symbol) or (name == "hashing" and pattern.search(dso)):
            return name
    if dso.startswith("[kernel"):
        return "kernel, other"
    if "getCache" in symbol or dso.startswith("libswift"):
        return "Swift runtime"
    return "other"


def profile(binary, data, threads):
    work = tempfile.mkdtemp()
    os.makedirs(f"{work}/Jobs")
    with open(f"{work}/Jobs/bench.json", "w") as handle:
        handle.write(bench_job.job(bench_job.generated(data)))
    env = dict(os.environ, TIERWATCH_PSEUDONYM_KEY="bench", TIERWATCH_NOW="2026-11-17T06:00:00Z")
    command = [binary, "run", "bench", "--period", "2026-W46", "--jobs", f"{work}/Jobs", "--reports", f"{work}/Reports",
               "--state", f"{work}/state.sqlite3", "--quiet"] + (["--threads", str(threads)] if threads else [])
    # Warm the page cache; one run timed as it is (perf slows a run down), one under perf
    # for the shares.
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.sync()
    timing = f"{work}/time"
    subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", timing] + command, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, user, system = map(float, open(timing).read().split()[-3:])
    subprocess.run(["perf", "record", "-F", "1999", "-q", "-o", f"{work}/perf.data"] + command, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = subprocess.run(["perf", "report", "-i", f"{work}/perf.data", "--no-children", "--sort", "dso,symbol", "--stdio",
                             "-g", "none", "--percent-limit", "0"], capture_output=True, text=True).stdout
    shares, unsorted = {}, []
    for line in report.splitlines():
        match = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$", line)
        if match:
            name = phase(match.group(2), match.group(3).strip())
            shares[name] = shares.get(name, 0) + float(match.group(1))
            if name == "other":
                unsorted.append((float(match.group(1)), match.group(2) + " " + match.group(3).strip()))
    if os.environ.get("PHASES_SHOW_OTHER"):
        for share, symbol in sorted(unsorted, reverse=True)[:25]:
            print(f"  other {share:5.2f}% {symbol[:150]}")
    subprocess.run(["rm", "-rf", work])
    return wall, user + system, shares


def main():
    args = sys.argv[1:]
    threads = None
    if "--threads" in args:
        i = args.index("--threads"); threads = int(args[i + 1]); del args[i:i + 2]
    binary, datasets = os.path.abspath(args[0]), [os.path.abspath(d) for d in args[1:]]
    results = [(os.path.basename(d), *profile(binary, d, threads)) for d in datasets]
    names = [name for name, _ in PHASES] + ["other"]
    print(f"{'phase':<15}" + "".join(f"{label[:24]:>26}" for label, *_ in results))
    for name in names:
        cells = "".join(f"{shares.get(name, 0):>14.1f}% {shares.get(name, 0) / 100 * cpu:>8.2f} s  " for _, _, cpu, shares in results)
        print(f"{name:<15}{cells}")
    print(f"{'CPU (user+sys)':<15}" + "".join(f"{'':>15} {cpu:>8.2f} s  " for _, _, cpu, _ in results))
    print(f"{'wall':<15}" + "".join(f"{'':>15} {wall:>8.2f} s  " for _, wall, _, _ in results))


if __name__ == "__main__":
    main()
