#!/usr/bin/env python3
"""Compare two CSV files row by row as parsed by Python's csv module (RFC 4180).

usage: csvdiff.py EXPECTED ACTUAL [--ignore COLUMN ...]
Columns are matched by name; ACTUAL may have extra columns only when they are ignored.
Exit 0 when equal, 1 with a readable list of differences otherwise.
"""
import csv
import sys


def load(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def main():
    args = sys.argv[1:]
    ignore = set()
    if "--ignore" in args:
        at = args.index("--ignore")
        ignore = set(args[at + 1:])
        args = args[:at]
    expected_path, actual_path = args
    eh, erows = load(expected_path)
    ah, arows = load(actual_path)
    columns = [c for c in eh if c not in ignore]
    problems = []
    missing = [c for c in columns if c not in ah]
    if missing:
        problems.append(f"columns missing in actual: {missing}")
    if [c for c in ah if c not in ignore] != columns:
        problems.append(f"column order differs: expected {columns}, actual {[c for c in ah if c not in ignore]}")
    if len(erows) != len(arows):
        problems.append(f"row count: expected {len(erows)}, actual {len(arows)}")
    for i, (e, a) in enumerate(zip(erows, arows), start=2):
        for c in columns:
            if c in missing:
                continue
            ev, av = e[eh.index(c)], a[ah.index(c)]
            if ev != av:
                problems.append(f"line {i} column {c}: expected {ev!r}, actual {av!r}")
    if problems:
        print(f"{actual_path} differs from {expected_path}:")
        for p in problems[:40]:
            print("  " + p)
        if len(problems) > 40:
            print(f"  ... and {len(problems) - 40} more")
        sys.exit(1)


if __name__ == "__main__":
    main()
