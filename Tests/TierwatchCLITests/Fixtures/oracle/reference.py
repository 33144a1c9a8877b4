#!/usr/bin/env python3
"""Independent reference implementation of the Tierwatch figures, written only
from the README sections "Input formats", "Metrics", "Consent cross-check (the
default policy)" and "Outputs".  Reads the oracle inputs next to this file and
writes expected/*.csv.  Standard library only.
"""
import csv
import glob
import gzip
import hashlib
import hmac
import io
import os
import re
from datetime import datetime, timedelta, timezone, date
from decimal import Decimal, ROUND_HALF_UP, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "expected")

# ------------------------------------------------------------------ job parameters
TIMEZONE = "Europe/Stockholm"
PERIOD = "2026-W46"
REPORTING_CURRENCY = "EUR"
RATES = {"EUR": Decimal("1"), "SEK": Decimal("0.087"), "USD": Decimal("0.92"), "GBP": Decimal("1.15")}
PSEUDONYM_KEY = b"oracle-test-key"

TIERS = ["one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one"]
JURISDICTIONS = ["EU", "UK", "US-CA", "US-other", "other"]
OPT_IN = {"EU", "UK"}
OPT_OUT = {"US-CA"}
SENSITIVE_JURISDICTIONS = {"EU", "UK", "US-CA"}
EVENT_TYPES = ["delivered", "open", "click", "conversion", "bounce", "unsubscribe", "holdout"]
STATUSES = {"granted", "denied", "withdrawn"}
SENSITIVE = {"health", "precise_location", "biometric", "genetic", "ethnicity", "religion",
             "political_opinion", "sexual_orientation"}
_allowed = {}
_acc = set()
for _tier, _add in [("one_to_all", []), ("one_to_many", ["location", "device", "demographics"]),
                    ("one_to_some", ["browsing_behavior"]),
                    ("one_to_few", ["purchase_history", "inferred_interests"]),
                    ("one_to_one", ["precise_location"])]:
    _acc |= set(_add)
    _allowed[_tier] = frozenset(_acc)
ALLOWED = _allowed
PROFILING_PURPOSE = "profiling"
PROFILING_TIERS = {"one_to_few", "one_to_one"}

RULES = ["after_erasure", "no_consent", "consent_denied", "consent_withdrawn", "consent_expired",
         "profiling_without_consent", "opted_out", "sensitive_without_consent", "category_not_allowed"]
SEVERITY = {"after_erasure": "critical", "no_consent": "high", "consent_denied": "high",
            "consent_withdrawn": "high", "consent_expired": "medium",
            "profiling_without_consent": "high", "opted_out": "high",
            "sensitive_without_consent": "critical", "category_not_allowed": "medium"}


def period_bounds():
    m = re.fullmatch(r"(\d{4})-W(\d{2})", PERIOD)
    monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    tz = ZoneInfo(TIMEZONE)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    nxt = monday + timedelta(days=7)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


START, END = period_bounds()
assert START == datetime(2026, 11, 8, 23, tzinfo=timezone.utc), START
assert END == datetime(2026, 11, 15, 23, tzinfo=timezone.utc), END

# ------------------------------------------------------------------ CSV reading


class RowError(Exception):
    pass


def read_text(path):
    data = open(path, "rb").read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def parse_csv(data):
    """Strict RFC 4180 parser. Yields (line, fields) or (line, None) for a broken
    record. line = physical line on which the record starts (header = 1).
    Blank lines are skipped (but counted)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # split into records by hand, on bytes decoded per record
    text_bytes = data
    i, n, line = 0, len(text_bytes), 1
    out = []
    while i < n:
        start_line = line
        fields, cur, bad = [], bytearray(), False
        state = "start"  # start | unq | q | afterq
        rec_start = i
        while True:
            if i >= n:
                if state == "q":
                    bad = True
                break
            ch = text_bytes[i:i + 1]
            if state == "q":
                if ch == b'"':
                    if text_bytes[i + 1:i + 2] == b'"':
                        cur += b'"'
                        i += 2
                        continue
                    state = "afterq"
                    i += 1
                    continue
                if ch == b"\n":
                    line += 1
                cur += ch
                i += 1
                continue
            # outside quotes
            if ch == b"\r" and text_bytes[i + 1:i + 2] == b"\n":
                i += 2
                line += 1
                break
            if ch == b"\n":
                i += 1
                line += 1
                break
            if ch == b",":
                fields.append(bytes(cur))
                cur = bytearray()
                state = "start"
                i += 1
                continue
            if ch == b'"':
                if state == "start":
                    state = "q"
                else:
                    bad = True  # quote inside unquoted field / after closing quote
                i += 1
                continue
            if state == "afterq":
                bad = True  # text after closing quote
            else:
                state = "unq"
            cur += ch
            i += 1
        fields.append(bytes(cur))
        if fields == [b""] and text_bytes[rec_start:i].strip(b"\r\n") == b"":
            continue  # blank line
        if bad:
            out.append((start_line, None))
            continue
        try:
            out.append((start_line, [f.decode("utf-8") for f in fields]))
        except UnicodeDecodeError:
            out.append((start_line, None))
    return out


def read_input(path, required_columns):
    recs = parse_csv(read_text(path))
    header_line, header = recs[0]
    assert header_line == 1 and header is not None
    for c in required_columns:
        assert c in header, (path, c)
    rows, rejects = [], []
    for line, fields in recs[1:]:
        if fields is None or len(fields) != len(header):
            rejects.append(line)
            continue
        rows.append((line, dict(zip(header, fields))))
    return rows, rejects


TS_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})")


def parse_ts(s):
    m = TS_RE.fullmatch(s)
    if not m:
        raise RowError("timestamp")
    y, mo, d, h, mi, se, frac, off = m.groups()
    frac = frac or ""
    if len(frac) > 6:
        raise RowError("timestamp precision")
    micro = int(frac.ljust(6, "0")) if frac else 0
    if off == "Z":
        tz = timezone.utc
    else:
        sign = 1 if off[0] == "+" else -1
        digits = off[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            raise RowError("offset")
        tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), micro, tzinfo=tz)
    except ValueError:
        raise RowError("timestamp")
    return dt.astimezone(timezone.utc), frac


def fmt_utc(dt, frac):
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac and int(frac) != 0:
        return base + "." + "%03d" % (dt.microsecond // 1000) + "Z"
    return base + "Z"


def enum(v, allowed):
    v = v.strip()
    if v not in allowed:
        raise RowError("enum")
    return v


REV_RE = re.compile(r"\d+(\.\d{1,6})?")

# ------------------------------------------------------------------ load inputs


def load_events():
    events, rejects = [], []
    for path in sorted(glob.glob(os.path.join(HERE, "events-*.csv*"))):
        rows, bad = read_input(path, ["event_id", "occurred_at", "subject_id", "campaign_id",
                                      "campaign_name", "tier", "channel", "event_type", "revenue",
                                      "currency", "data_categories", "purpose", "jurisdiction"])
        rejects += [("events", os.path.basename(path), l) for l in bad]
        for line, r in rows:
            try:
                if r["event_id"] == "" or r["campaign_id"] == "" or r["channel"] == "":
                    raise RowError("required")
                t, frac = parse_ts(r["occurred_at"])
                tier = enum(r["tier"], TIERS)
                etype = enum(r["event_type"], EVENT_TYPES)
                jur = enum(r["jurisdiction"], JURISDICTIONS)
                rev = None
                if r["revenue"].strip() != "":
                    rv = r["revenue"].strip()
                    if not REV_RE.fullmatch(rv):
                        raise RowError("revenue")
                    cur = r["currency"].strip()
                    if not re.fullmatch(r"[A-Z]{3}", cur):
                        raise RowError("currency")
                    rev = (Decimal(rv), cur)
                subj = r["subject_id"]
                if subj != "" and r["purpose"] == "":
                    raise RowError("purpose")
                cats = [c for c in r["data_categories"].split(";")] if r["data_categories"] != "" else []
            except RowError:
                rejects.append(("events", os.path.basename(path), line))
                continue
            events.append(dict(id=r["event_id"], t=t, frac=frac, subject=subj, campaign=r["campaign_id"],
                               name=r["campaign_name"], tier=tier, type=etype,
                               revenue=rev if etype == "conversion" else None,
                               cats=cats, purpose=r["purpose"], jur=jur))
    return events, rejects


def load_consents():
    rows, bad = read_input(os.path.join(HERE, "consents.csv"),
                           ["subject_id", "purpose", "status", "recorded_at"])
    assert not bad, bad
    out = {}
    for line, r in rows:
        assert r["subject_id"] and r["purpose"]
        at, _ = parse_ts(r["recorded_at"])
        exp = parse_ts(r["expires_at"])[0] if r.get("expires_at", "") != "" else None
        out.setdefault((r["subject_id"], r["purpose"]), []).append(
            (at, enum(r["status"], STATUSES), exp))
    return out


def load_erasures():
    rows, bad = read_input(os.path.join(HERE, "erasures.csv"), ["subject_id", "requested_at"])
    assert not bad
    out = {}
    for line, r in rows:
        out.setdefault(r["subject_id"], []).append(parse_ts(r["requested_at"])[0])
    return out


def opt_int(v, lo, hi, allowed=None):
    v = v.strip()
    if v == "":
        return None
    if not re.fullmatch(r"\d+", v):
        raise RowError("int")
    x = int(v)
    if not lo <= x <= hi:
        raise RowError("range")
    return x


def load_surveys():
    path = os.path.join(HERE, "surveys.csv")
    rows, bad = read_input(path, ["response_id", "submitted_at", "subject_id", "campaign_id",
                                  "tier", "csat", "nps", "felt_intrusive"])
    rejects = [("surveys", "surveys.csv", l) for l in bad]
    out = []
    for line, r in rows:
        try:
            if r["response_id"] == "":
                raise RowError("required")
            t, _ = parse_ts(r["submitted_at"])
            tier = enum(r["tier"], TIERS)
            out.append(dict(t=t, tier=tier, csat=opt_int(r["csat"], 1, 5),
                            nps=opt_int(r["nps"], 0, 10), fi=opt_int(r["felt_intrusive"], 0, 1)))
        except RowError:
            rejects.append(("surveys", "surveys.csv", line))
    return out, rejects

# ------------------------------------------------------------------ formatting


def fmt(x, places):
    """Round the exact rational x half away from zero to `places` decimals."""
    if x is None:
        return ""
    x = Fraction(x)
    scaled = abs(x) * 10 ** places
    q = scaled.numerator // scaled.denominator
    if (scaled - q) * 2 >= 1:
        q += 1
    sign = -1 if (x < 0 and q != 0) else 1
    d = Decimal(sign * q).scaleb(-places)
    # cross-check with decimal quantize ROUND_HALF_UP on a high-precision value
    with localcontext() as ctx:
        ctx.prec = 80
        approx = Decimal(x.numerator) / Decimal(x.denominator)
        assert approx.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == d, (x, places)
    return f"{d:.{places}f}"


def ratio(a, b):
    return None if b == 0 else Fraction(a, 1) / b


def neutralise(s):
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def pseudonym(subject):
    return "p_" + hmac.new(PSEUDONYM_KEY, subject.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def write_csv(name, header, rows):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)

# ------------------------------------------------------------------ metrics


METRIC_COLS = ["delivered", "opens", "clicks", "conversions", "bounces", "unsubscribes", "holdouts",
               "reach", "engaged", "open_rate", "ctr", "conversion_rate", "bounce_rate",
               "unsubscribe_rate", "engagement_rate", "currency", "revenue", "aov", "revenue_per_delivery"]
TYPE_COL = {"delivered": "delivered", "open": "opens", "click": "clicks", "conversion": "conversions",
            "bounce": "bounces", "unsubscribe": "unsubscribes", "holdout": "holdouts"}


def group_revenue(evs):
    sums = {}
    for e in evs:
        if e["type"] == "conversion" and e["revenue"] is not None:
            amt, cur = e["revenue"]
            sums[cur] = sums.get(cur, Decimal(0)) + amt
    total = Decimal(0)
    for cur, s in sorted(sums.items()):
        total += (s * RATES[cur]).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return total


def metrics(evs):
    c = {col: 0 for col in TYPE_COL.values()}
    for e in evs:
        c[TYPE_COL[e["type"]]] += 1
    reach = len({e["subject"] for e in evs if e["type"] == "delivered" and e["subject"] != ""})
    engaged = len({e["subject"] for e in evs if e["type"] in ("open", "click") and e["subject"] != ""})
    d = c["delivered"]
    rev = Fraction(group_revenue(evs))
    return [c["delivered"], c["opens"], c["clicks"], c["conversions"], c["bounces"], c["unsubscribes"],
            c["holdouts"], reach, engaged,
            fmt(ratio(c["opens"], d), 6), fmt(ratio(c["clicks"], d), 6), fmt(ratio(c["conversions"], d), 6),
            fmt(ratio(c["bounces"], d), 6), fmt(ratio(c["unsubscribes"], d), 6),
            fmt(ratio(engaged, reach), 6),
            REPORTING_CURRENCY, fmt(rev, 2),
            fmt(None if c["conversions"] == 0 else rev / c["conversions"], 2),
            fmt(None if d == 0 else rev / d, 2)]

# ------------------------------------------------------------------ consent check


def state(consents, subject, purpose, t):
    recs = [r for r in consents.get((subject, purpose), []) if r[0] <= t]
    if not recs:
        return "none"
    top = max(r[0] for r in recs)
    latest = [r for r in recs if r[0] == top]
    sts = {r[1] for r in latest}
    if "withdrawn" in sts:
        return "withdrawn"
    if "denied" in sts:
        return "denied"
    if any(r[2] is not None and r[2] <= t for r in latest):
        return "expired"
    return "granted"


def check(e, consents, erasures):
    """Returns (checked, [(rule, consent_state)])."""
    t, s, P, C, tier, jur = e["t"], e["subject"], e["purpose"], e["cats"], e["tier"], e["jur"]
    v = []
    if any(r <= t for r in erasures.get(s, [])):
        v.append(("after_erasure", ""))
    stP = state(consents, s, P, t)
    exempt = tier == "one_to_all" and not C
    rule2 = jur in OPT_IN and not exempt
    rule3 = jur in OPT_OUT
    has_sensitive = any(c in SENSITIVE for c in C)
    rule4 = has_sensitive and jur in SENSITIVE_JURISDICTIONS
    if rule2:
        if stP in ("none", "denied", "withdrawn", "expired"):
            v.append(({"none": "no_consent", "denied": "consent_denied", "withdrawn": "consent_withdrawn",
                       "expired": "consent_expired"}[stP], stP))
        if tier in PROFILING_TIERS and P != PROFILING_PURPOSE:
            stProf = state(consents, s, PROFILING_PURPOSE, t)
            if stProf != "granted":
                v.append(("profiling_without_consent", stProf))
    if rule3 and stP in ("denied", "withdrawn"):
        v.append(("opted_out", stP))
    if rule4 and stP != "granted":
        v.append(("sensitive_without_consent", stP))
    if any(c not in ALLOWED[tier] for c in C):
        v.append(("category_not_allowed", ""))
    v.sort(key=lambda x: RULES.index(x[0]))
    return (rule2 or rule3 or rule4), v


def privacy_row(uses):
    """uses: list of (checked, violations)."""
    n = len(uses)
    checked = sum(1 for c, v in uses if c)
    violating = sum(1 for c, v in uses if v)
    nviol = sum(len(v) for c, v in uses)
    checked_viol = sum(1 for c, v in uses if c and v)
    cov = None if checked == 0 else 1 - Fraction(checked_viol, checked)
    cov_all = None if n == 0 else 1 - Fraction(violating, n)
    per_rule = [sum(1 for c, v in uses for r, _ in v if r == rule) for rule in RULES]
    return [n, checked, violating, checked_viol, nviol, fmt(cov, 6), fmt(cov_all, 6)] + per_rule

# ------------------------------------------------------------------ main


def main():
    events, ev_rejects = load_events()
    consents = load_consents()
    erasures = load_erasures()
    surveys, sv_rejects = load_surveys()

    inp = [e for e in events if START <= e["t"] < END]

    # metrics_by_tier
    rows = [[tier] + metrics([e for e in inp if e["tier"] == tier]) for tier in TIERS]
    rows.append(["all"] + metrics(inp))
    write_csv("metrics_by_tier.csv", ["tier"] + METRIC_COLS, rows)

    # metrics_by_campaign
    first_name = {}
    for e in events:  # all valid rows, input order
        if e["name"] != "" and e["campaign"] not in first_name:
            first_name[e["campaign"]] = e["name"]
    camps = sorted({e["campaign"] for e in inp}, key=lambda s: s.encode("utf-8"))
    rows = []
    for cid in camps:
        evs = [e for e in inp if e["campaign"] == cid]
        tiers = ";".join(t for t in TIERS if any(e["tier"] == t for e in evs))
        rows.append([neutralise(cid), neutralise(first_name.get(cid, "")), tiers] + metrics(evs))
    write_csv("metrics_by_campaign.csv", ["campaign_id", "campaign_name", "tier"] + METRIC_COLS, rows)

    # surveys_by_tier
    sin = [s for s in surveys if START <= s["t"] < END]

    def srow(ss):
        cs = [s["csat"] for s in ss if s["csat"] is not None]
        ns = [s["nps"] for s in ss if s["nps"] is not None]
        fs = [s["fi"] for s in ss if s["fi"] is not None]
        satisfied = sum(1 for x in cs if x >= 4)
        promoters, detractors = sum(1 for x in ns if x >= 9), sum(1 for x in ns if x <= 6)
        yes = sum(1 for x in fs if x == 1)
        return [len(ss), len(cs), sum(cs), satisfied, fmt(ratio(sum(cs), len(cs)), 3),
                fmt(None if not cs else 100 * Fraction(satisfied, len(cs)), 2),
                len(ns), promoters, detractors,
                fmt(None if not ns else 100 * Fraction(promoters - detractors, len(ns)), 2),
                len(fs), yes, fmt(None if not fs else 100 * Fraction(yes, len(fs)), 2)]
    rows = [[t] + srow([s for s in sin if s["tier"] == t]) for t in TIERS] + [["all"] + srow(sin)]
    write_csv("surveys_by_tier.csv", ["tier", "responses", "csat_responses", "csat_sum", "csat_satisfied", "csat_mean",
                                      "csat_pct", "nps_responses", "nps_promoters", "nps_detractors", "nps",
                                      "intrusive_responses", "intrusive_yes", "intrusive_pct"], rows)

    # consent cross-check
    uses = []
    vrows = []
    for e in inp:
        if e["subject"] == "":
            continue
        checked, v = check(e, consents, erasures)
        uses.append((e, checked, v))
        for rule, st in v:
            vrows.append([neutralise(e["id"]), fmt_utc(e["t"], e["frac"]), rule, SEVERITY[rule], e["tier"],
                          e["jur"], neutralise(e["campaign"]), neutralise(e["purpose"]), pseudonym(e["subject"]), st])
    pcols = ["uses", "uses_requiring_consent", "violating_uses", "violating_uses_requiring_consent", "violations",
             "coverage_of_required", "coverage_of_all"] + RULES
    rows = [[t] + privacy_row([(c, v) for e, c, v in uses if e["tier"] == t]) for t in TIERS]
    rows.append(["all"] + privacy_row([(c, v) for e, c, v in uses]))
    write_csv("privacy_by_tier.csv", ["tier"] + pcols, rows)
    rows = [[j] + privacy_row([(c, v) for e, c, v in uses if e["jur"] == j]) for j in JURISDICTIONS]
    rows.append(["all"] + privacy_row([(c, v) for e, c, v in uses]))
    write_csv("privacy_by_jurisdiction.csv", ["jurisdiction"] + pcols, rows)
    write_csv("violations.csv", ["event_id", "occurred_at", "rule", "severity", "tier", "jurisdiction",
                                 "campaign_id", "purpose", "subject", "consent_state"], vrows)

    write_csv("rejected_lines.csv", ["input", "file", "line"], [list(r) for r in sorted(ev_rejects) + sorted(sv_rejects)])

    print(f"period UTC [{START.isoformat()}, {END.isoformat()})")
    print(f"events valid: {len(events)}, in period: {len(inp)}, uses: {len(uses)}, "
          f"rejected events: {len(ev_rejects)}, surveys valid: {len(surveys)}, in period: {len(sin)}, "
          f"rejected surveys: {len(sv_rejects)}")
    print("violations:", len(vrows), {r: sum(1 for x in vrows if x[2] == r) for r in RULES})


if __name__ == "__main__":
    main()
