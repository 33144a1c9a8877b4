#!/usr/bin/env python3
"""Check a report folder's CSVs against their CSVW metadata with the independent `csvw`
package (PyPI): its validator must accept every metadata file (what `csvwvalidate` runs,
strict), and its CSV-to-JSON conversion (what `csvw2json` prints) must read the values the
CSV holds, parsed here with Python's csv module (RFC 4180). One process, so the package is
imported once.

usage: csvw_check.py FOLDER
Prints "N files, M cells agree" and exits 0, or lists the problems and exits 1.
"""
import csv
import json
import re
import os
import warnings
import sys
from datetime import datetime
from decimal import Decimal


def cells(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


try:
    from csvw import CSVW
except ImportError:
    sys.exit("the csvw package is missing: python3 -m pip install csvw (make test-deps installs it)")


def instant(text):
    """An xsd:dateTime as an aware datetime. csvw 4.x writes fractional seconds with a cut
    offset ("...06.697000+00:"), so a bare "+HH:" is read as "+HH:00"."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d\d:$", text):
        text += "00"
    return datetime.fromisoformat(text)


def main():
    folder = os.path.abspath(sys.argv[1])
    problems, files, agreed = [], 0, 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".csv"):
            continue
        meta_path = os.path.join(folder, name + "-metadata.json")
        if not os.path.exists(meta_path):
            problems.append(f"{name}: no {name}-metadata.json beside it")
            continue
        files += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                validated = CSVW(meta_path, validate=True, strict=True)
        except ValueError as error:
            problems.append(f"{name}: the CSVW validator refuses it: {error}")
            continue
        if not validated.is_valid:
            problems.append(f"{name}: the CSVW validator says FAIL: " + "; ".join(str(w.message) for w in validated.warnings[:5]))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = CSVW(meta_path).to_json()
        meta = json.load(open(meta_path, encoding="utf-8"))
        columns = meta["tableSchema"]["columns"]
        nulls = {c["name"]: set(c.get("null", [meta.get("null", "")])) if isinstance(c.get("null"), list)
                 else {c.get("null", meta.get("null", ""))} for c in columns}
        header, rows = cells(os.path.join(folder, name))
        if header != [c["name"] for c in columns]:
            problems.append(f"{name}: header {header} is not the metadata's columns")
            continue
        read = converted["tables"][0]["row"]
        if len(read) != len(rows):
            problems.append(f"{name}: csvw2json read {len(read)} rows, the CSV has {len(rows)}")
            continue
        for number, (row, described) in enumerate(zip(rows, read), start=2):
            values = described["describes"][0]
            for column, cell in zip(columns, row):
                key, kind = column["name"], column["datatype"]
                value = values.get(key)
                if cell in nulls[key]:
                    ok = value is None
                elif kind == "integer":
                    ok = value == int(cell)
                elif kind == "decimal":
                    ok = value is not None and Decimal(str(value)) == Decimal(cell)
                elif kind == "dateTime":
                    ok = value is not None and instant(value) == instant(cell)
                else:  # string, or a patterned string
                    ok = value == cell
                if ok:
                    agreed += 1
                else:
                    problems.append(f"{name} line {number} column {key}: CSV {cell!r}, csvw2json {value!r}")
    if problems:
        print("\n".join(problems[:40]))
        sys.exit(1)
    print(f"{files} files, {agreed} cells agree")


if __name__ == "__main__":
    main()
