#!/usr/bin/env python3
"""Recompute every rate, mean and share of a raw report folder from the counts in the same
files, as an analyst would, and compare with the printed figures.

usage: recompute.py FOLDER
A figure agrees when |printed - recomputed| <= 1e-6 (exact rationals, so only Tierwatch's
rounding can differ), it has at least 6 decimals, and it is empty exactly when its
denominator is 0. Suppressed cells (`<k`) are skipped. Prints one line per file,
"FILE: N figures agree", and exits 0, or lists the problems and exits 1.
"""
import csv
import os
import sys
from fractions import Fraction

FIGURES = {
    "metrics": [
        ("open_rate", "opens", "delivered", 1), ("ctr", "clicks", "delivered", 1),
        ("conversion_rate", "conversions", "delivered", 1), ("bounce_rate", "bounces", "delivered", 1),
        ("unsubscribe_rate", "unsubscribes", "delivered", 1), ("engagement_rate", "engaged", "reach", 1),
        ("aov", "revenue", "conversions", 1), ("revenue_per_delivery", "revenue", "delivered", 1),
    ],
    "surveys": [
        ("csat_mean", "csat_sum", "csat_responses", 1), ("csat_pct", "csat_satisfied", "csat_responses", 100),
        ("nps", ("nps_promoters", "nps_detractors"), "nps_responses", 100),
        ("intrusive_pct", "intrusive_yes", "intrusive_responses", 100),
    ],
    "privacy": [
        ("coverage_of_required", ("uses_requiring_consent", "violating_uses_requiring_consent"), "uses_requiring_consent", 1),
        ("coverage_of_all", ("uses", "violating_uses"), "uses", 1),
    ],
}
FILES = {
    "metrics_by_tier.csv": "metrics", "metrics_by_campaign.csv": "metrics", "surveys_by_tier.csv": "surveys",
    "privacy_by_tier.csv": "privacy", "privacy_by_jurisdiction.csv": "privacy",
}


def number(text):
    return Fraction(text)  # exact: "0.173008" is 173008/1000000


def main():
    folder = sys.argv[1]
    problems = []
    for name, kind in FILES.items():
        with open(os.path.join(folder, name), newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        checked = 0
        for line, row in enumerate(rows, start=2):
            for figure, numerator, denominator, times in FIGURES[kind]:
                parts = numerator if isinstance(numerator, tuple) else (numerator,)
                cells = [row[c] for c in parts + (denominator, figure)]
                if any(c.startswith("<") for c in cells):
                    continue  # suppressed
                printed, d = row[figure], row[denominator]
                if d == "" or number(d) == 0 or any(row[c] == "" for c in parts):
                    if printed != "":
                        problems.append(f"{name} line {line} {figure}: {printed!r} with {denominator} {d!r}")
                    continue
                values = [number(row[c]) for c in parts]
                n = values[0] - values[1] if len(values) == 2 else values[0]
                expected = times * n / number(d)
                if printed == "" or "." not in printed or len(printed.split(".")[1]) < 6:
                    problems.append(f"{name} line {line} {figure}: {printed!r} has fewer than 6 decimals")
                    continue
                if abs(number(printed) - expected) > Fraction(1, 10**6):
                    problems.append(f"{name} line {line} {figure}: printed {printed}, recomputed {float(expected):.9f}")
                checked += 1
        print(f"{name}: {checked} figures agree")
    if problems:
        print("\n".join(problems[:40]))
        sys.exit(1)


if __name__ == "__main__":
    main()
