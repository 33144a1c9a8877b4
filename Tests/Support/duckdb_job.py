#!/usr/bin/env python3
"""The weekly job computed by DuckDB over the same CSV files, for `make bench-compare`.

usage: duckdb_job.py DATA_DIR OUT_DIR PERIOD_START PERIOD_END [THREADS]
Writes OUT_DIR/metrics_by_tier.csv, privacy_by_tier.csv, surveys_by_tier.csv and
violations.csv (event_id, rule) using the README's definitions and the default policy:
consent state at an event's instant by an ASOF join on the latest record at or before it,
least permissive wins among records at the same instant.

Tuned the way a DuckDB user would tune it, with exactly the same results: the events are
read once (typed, in parallel) into a table whose rowid is the input order; what does not
depend on consent is decided before the ASOF join, which then sorts only the uses a state can
matter for, on narrow rows with the purpose as an ENUM; only the violating uses are kept per
row. DUCKDB_TIMINGS=1 prints wall time, CPU time and peak memory per statement.
"""
import os
import resource
import sys
import time

import duckdb

data, out, start, end = sys.argv[1:5]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else None
db = duckdb.connect()
if os.environ.get("DUCKDB_TIMINGS"):
    # Print each statement's time to stderr, to see where DuckDB spends it.
    class Timed:
        def __init__(self, inner):
            self.inner = inner

        def execute(self, sql):
            # Wall and CPU time (all of DuckDB's threads; on a shared machine the CPU time
            # is the steadier figure to compare variants by) and the peak memory so far.
            started, cpu = time.perf_counter(), time.process_time()
            result = self.inner.execute(sql)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(f"{time.perf_counter() - started:7.2f} s {time.process_time() - cpu:7.2f} cpu {peak:6d} MiB  "
                  f"{' '.join(sql.split())[:60]}", file=sys.stderr)
            return result

    db = Timed(db)
if threads:
    db.execute(f"SET threads = {threads}")
RATES = {"EUR": "1", "SEK": "0.087", "GBP": "1.15", "USD": "0.92"}
TIERS = ["one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one"]
ALLOWED = {
    "one_to_all": [],
    "one_to_many": ["location", "device", "demographics"],
    "one_to_some": ["location", "device", "demographics", "browsing_behavior"],
    "one_to_few": ["location", "device", "demographics", "browsing_behavior", "purchase_history", "inferred_interests"],
    "one_to_one": ["location", "device", "demographics", "browsing_behavior", "purchase_history", "inferred_interests", "precise_location"],
}
SENSITIVE = ["health", "precise_location", "biometric", "genetic", "ethnicity", "religion", "political_opinion", "sexual_orientation"]
RULES = ["after_erasure", "no_consent", "consent_denied", "consent_withdrawn", "consent_expired",
         "profiling_without_consent", "opted_out", "sensitive_without_consent", "category_not_allowed"]


def csv(path, types=None):
    if types:
        # Typed columns (timestamps parsed once, by the reader) and the dialect given, so
        # DuckDB skips sniffing the files (auto_detect=false).
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        return (f"read_csv('{path}', header=true, delim=',', quote='\"', escape='\"', auto_detect=false, "
                f"columns={columns})")
    return f"read_csv('{path}', header=true, all_varchar=true, quote='\"', escape='\"')"


EVENT_TYPES = {
    "event_id": "VARCHAR", "occurred_at": "TIMESTAMPTZ", "subject_id": "VARCHAR", "campaign_id": "VARCHAR",
    "campaign_name": "VARCHAR", "tier": "VARCHAR", "channel": "VARCHAR", "event_type": "VARCHAR", "revenue": "DECIMAL(18,6)",
    "currency": "VARCHAR", "data_categories": "VARCHAR", "purpose": "VARCHAR", "jurisdiction": "VARCHAR",
}
CONSENT_TYPES = {
    "subject_id": "VARCHAR", "purpose": "VARCHAR", "status": "VARCHAR", "recorded_at": "TIMESTAMPTZ", "source": "VARCHAR",
    "jurisdiction": "VARCHAR", "expires_at": "TIMESTAMPTZ",
}


def sql_list(items):
    return "[" + ", ".join(f"'{i}'" for i in items) + "]::VARCHAR[]"


# The period's events, only the columns the job uses. Insertion order is preserved here
# (DuckDB's default: the glob's files in sorted name order, the rows in file order), so the
# table's rowid is the input order the violation list needs. row_number() OVER () would
# number them too, but it makes the read single-threaded (about twice the time).
db.execute(f"""
CREATE TEMP TABLE e AS
SELECT event_id, occurred_at AS t, NULLIF(subject_id, '') AS subject, tier, event_type, revenue, currency, purpose,
       jurisdiction, coalesce(data_categories, '') AS categories
FROM {csv(data + '/events/events-*.csv', EVENT_TYPES)}
WHERE occurred_at >= TIMESTAMPTZ '{start}' AND occurred_at < TIMESTAMPTZ '{end}'
""")
# Every later result is ordered explicitly (ORDER BY), so DuckDB may stream and join in any
# order from here on, which saves memory and time.
db.execute("SET preserve_insertion_order = false")

allowed_case = "CASE tier " + " ".join(f"WHEN '{t}' THEN {sql_list(a)}" for t, a in ALLOWED.items()) + " END"
# Categories as flags computed once per distinct (categories, tier) value, not per row: the
# DISTINCT comes first (splitting every row's string before it took 3 s at 10M events).
sensitive_any = " OR ".join(f"list_contains(c, '{x}')" for x in SENSITIVE)
db.execute(f"""
CREATE TEMP TABLE category_sets AS
SELECT categories, tier, len(c) AS n, ({sensitive_any if sensitive_any else 'false'}) AS sensitive,
       len(list_filter(c, lambda x: NOT list_contains({allowed_case}, x))) > 0 AS not_allowed
FROM (SELECT categories, tier,
             list_filter(list_transform(string_split(categories, ';'), lambda x: trim(x)), lambda x: x <> '') AS c
      FROM (SELECT DISTINCT categories, tier FROM e WHERE subject IS NOT NULL))
""")
# Consent points: one row per (subject, purpose, instant), least permissive wins.
db.execute(f"""
CREATE TEMP TABLE cp AS
SELECT subject_id AS subject, purpose, recorded_at AS t,
       max(CASE status WHEN 'withdrawn' THEN 2 WHEN 'denied' THEN 1 ELSE 0 END) AS rank,
       min(expires_at) FILTER (WHERE status = 'granted') AS expires
FROM {csv(data + '/consents.csv', CONSENT_TYPES)}
WHERE recorded_at < TIMESTAMPTZ '{end}'
GROUP BY ALL
""")
# The ASOF join sorts both sides by its keys: the purpose as a one-byte ENUM (the purposes
# the consent records name) sorts faster than text. An event's purpose with no consent
# record becomes NULL, which matches nothing: state 'none', as it must.
db.execute("CREATE TYPE consent_purpose AS ENUM (SELECT DISTINCT purpose FROM cp WHERE purpose IS NOT NULL)")
db.execute("ALTER TABLE cp ALTER purpose SET DATA TYPE consent_purpose")
db.execute(f"""
CREATE TEMP TABLE er AS
SELECT subject_id AS subject, min(CAST(requested_at AS TIMESTAMPTZ)) AS requested
FROM {csv(data + '/erasures.csv')} GROUP BY ALL
""")


def state(alias):
    return f"""CASE WHEN {alias}.t IS NULL THEN 'none' WHEN {alias}.rank = 2 THEN 'withdrawn' WHEN {alias}.rank = 1 THEN 'denied'
        WHEN {alias}.expires IS NOT NULL AND {alias}.expires <= u.t THEN 'expired' ELSE 'granted' END"""


# The uses (events with a subject), with everything that does not depend on the consent
# state decided up front: which rules apply (opt_in: rule 2, opt_out: rule 3, sensitive:
# rule 4 of the README's table), the category flags and the erasure; every flag is true or
# false, never NULL. A narrow table read four times below: storing it costs less CPU than
# recomputing its joins each time (about 0.5 GiB at 10M events).
OPT_IN = "e.jurisdiction IN ('EU', 'UK') AND NOT (e.tier = 'one_to_all' AND cs.n = 0)"
db.execute(f"""
CREATE TEMP TABLE uses AS
SELECT e.rowid AS seq, e.t, e.subject, TRY_CAST(e.purpose AS consent_purpose) AS purpose, e.tier,
  ({OPT_IN}) IS TRUE AS opt_in,
  (e.jurisdiction = 'US-CA') IS TRUE AS opt_out,
  (e.jurisdiction IN ('EU', 'UK', 'US-CA') AND cs.sensitive) IS TRUE AS sensitive,
  (er.requested IS NOT NULL AND er.requested <= e.t) IS TRUE AS erased,
  cs.not_allowed IS TRUE AS not_allowed,
  ({OPT_IN} AND e.tier IN ('one_to_few', 'one_to_one') AND e.purpose <> 'profiling') IS TRUE AS needs_profiling
FROM e JOIN category_sets cs ON cs.categories = e.categories AND cs.tier = e.tier
LEFT JOIN er ON er.subject = e.subject
WHERE e.subject IS NOT NULL
""")
# The uses that break at least one rule (a few percent), one boolean column per rule. The
# ASOF join sorts its input, so it gets only the uses a consent state can matter for (rules
# 2 to 4 apply: about 60%), with a narrow row; of the others only those erased or with a
# category not allowed can break a rule (their state stays NULL: no rule reading it applies
# to them). The profiling state matters only for opt-in uses of the tiers one_to_few and
# one_to_one whose purpose is not profiling (a tenth of the uses): a second, small ASOF
# join finds those that break profiling_without_consent.
CHECKED = "opt_in OR opt_out OR sensitive"
db.execute(f"""
CREATE TEMP TABLE violating AS
WITH s AS (
  SELECT u.*, {state('p')} AS state
  FROM (SELECT * FROM uses WHERE {CHECKED}) u
  ASOF LEFT JOIN cp p ON u.subject = p.subject AND u.purpose = p.purpose AND u.t >= p.t
  UNION ALL
  SELECT *, NULL AS state FROM uses WHERE NOT ({CHECKED}) AND (erased OR not_allowed)),
profiling_broken AS (
  SELECT u.seq
  FROM (SELECT seq, subject, t FROM uses WHERE needs_profiling) u
  ASOF LEFT JOIN (SELECT * FROM cp WHERE purpose = 'profiling') q ON u.subject = q.subject AND u.t >= q.t
  WHERE {state('q')} <> 'granted'),
checked AS (
  SELECT s.seq, s.tier, {CHECKED} AS is_checked,
    erased AS after_erasure,
    opt_in AND state = 'none' AS no_consent,
    opt_in AND state = 'denied' AS consent_denied,
    opt_in AND state = 'withdrawn' AS consent_withdrawn,
    opt_in AND state = 'expired' AS consent_expired,
    pb.seq IS NOT NULL AS profiling_without_consent,
    opt_out AND state IN ('denied', 'withdrawn') AS opted_out,
    sensitive AND state <> 'granted' AS sensitive_without_consent,
    not_allowed AS category_not_allowed
  FROM s LEFT JOIN profiling_broken pb ON pb.seq = s.seq)
SELECT * FROM checked WHERE {" OR ".join(RULES)}
""")
# The violation list: the violating uses unpivoted, event_id fetched for them by rowid.
rule_values = ", ".join(f"('{r}', {i}, {r})" for i, r in enumerate(RULES))
db.execute(f"""
COPY (
SELECT e.event_id, v.rule
FROM (SELECT c.seq, r.rule, r.ord FROM violating c,
      LATERAL (SELECT * FROM (VALUES {rule_values}) AS x(rule, ord, broken) WHERE broken) r) v
JOIN e ON e.rowid = v.seq
ORDER BY v.seq, v.ord
) TO '{out}/violations.csv' (HEADER)
""")

rate = "CASE WHEN {d} = 0 THEN NULL ELSE round({n}::DECIMAL(38,10) / {d}, 6) END"
tiers_values = ", ".join(f"('{t}', {i})" for i, t in enumerate(TIERS + ['all']))
rates_values = ", ".join(f"('{c}', {r}::DECIMAL(18,6))" for c, r in RATES.items())
# Per tier and for all tiers in one aggregation: GROUPING SETS instead of a UNION ALL that
# would double the rows. grouping(tier) = 1 marks the all-tiers row.
GROUP = "GROUP BY GROUPING SETS ((tier), ())"
GRP = "CASE WHEN grouping(tier) = 1 THEN 'all' ELSE tier END AS grp"
ALL_BIT = 1 << len(TIERS)
tier_bits = "CASE tier " + " ".join(f"WHEN '{t}' THEN {(1 << i) | ALL_BIT}" for i, t in enumerate(TIERS)) + f" ELSE {ALL_BIT} END"
db.execute(f"""
COPY (
WITH counts AS (
  SELECT {GRP},
    count(*) FILTER (WHERE event_type = 'delivered') AS delivered, count(*) FILTER (WHERE event_type = 'open') AS opens,
    count(*) FILTER (WHERE event_type = 'click') AS clicks, count(*) FILTER (WHERE event_type = 'conversion') AS conversions,
    count(*) FILTER (WHERE event_type = 'bounce') AS bounces, count(*) FILTER (WHERE event_type = 'unsubscribe') AS unsubscribes,
    count(*) FILTER (WHERE event_type = 'holdout') AS holdouts
  FROM e {GROUP}),
-- reach and engaged count distinct subjects per tier and over all tiers. A count(DISTINCT)
-- per group costs a hash table each (three times the time); instead one row per subject
-- holds the tiers that reached (delivered) and engaged (open, click) it as a bit set:
-- bit i for the i-th tier, bit {len(TIERS)} for all tiers, the same numbers as t.ord below.
subjects AS (
  SELECT bit_or(bits) FILTER (WHERE event_type = 'delivered') AS reached_in,
         bit_or(bits) FILTER (WHERE event_type IN ('open', 'click')) AS engaged_in
  FROM (SELECT subject, event_type, {tier_bits} AS bits FROM e
        WHERE subject IS NOT NULL AND event_type IN ('delivered', 'open', 'click'))
  GROUP BY subject),
people AS (
  SELECT t.name AS grp, count(*) FILTER (WHERE reached_in & (1 << t.ord) <> 0) AS reach,
         count(*) FILTER (WHERE engaged_in & (1 << t.ord) <> 0) AS engaged
  FROM subjects, (VALUES {tiers_values}) t(name, ord) GROUP BY t.name),
money AS (
  SELECT grp, sum(round(s * r.rate, 6)) AS revenue FROM (
    SELECT {GRP}, currency, sum(revenue) AS s FROM e
    WHERE event_type = 'conversion' AND revenue IS NOT NULL GROUP BY GROUPING SETS ((tier, currency), (currency))) x
  JOIN (VALUES {rates_values}) r(code, rate) ON r.code = x.currency GROUP BY grp)
SELECT t.name AS tier, coalesce(delivered, 0) AS delivered, coalesce(opens, 0) AS opens, coalesce(clicks, 0) AS clicks,
  coalesce(conversions, 0) AS conversions, coalesce(bounces, 0) AS bounces, coalesce(unsubscribes, 0) AS unsubscribes,
  coalesce(holdouts, 0) AS holdouts, coalesce(reach, 0) AS reach, coalesce(engaged, 0) AS engaged,
  {rate.format(n='opens', d='delivered')} AS open_rate, {rate.format(n='clicks', d='delivered')} AS ctr,
  {rate.format(n='conversions', d='delivered')} AS conversion_rate, {rate.format(n='bounces', d='delivered')} AS bounce_rate,
  {rate.format(n='unsubscribes', d='delivered')} AS unsubscribe_rate,
  {rate.format(n='engaged', d='reach')} AS engagement_rate,
  round(coalesce(revenue, 0), 2) AS revenue
FROM (VALUES {tiers_values}) t(name, ord) LEFT JOIN counts ON counts.grp = t.name
  LEFT JOIN people ON people.grp = t.name LEFT JOIN money ON money.grp = t.name
ORDER BY t.ord) TO '{out}/metrics_by_tier.csv' (HEADER)
""")
n_broken = " + ".join(f"{r}::INTEGER" for r in RULES)
db.execute(f"""
COPY (
WITH totals AS (
  SELECT {GRP}, count(*) AS uses, count(*) FILTER (WHERE {CHECKED}) AS checked_uses FROM uses {GROUP}),
broken AS (
  SELECT {GRP}, count(*) AS violating_uses, sum({n_broken}) AS violations,
    count(*) FILTER (WHERE is_checked) AS checked_violating,
    {", ".join(f"count(*) FILTER (WHERE {r}) AS {r}" for r in RULES)}
  FROM violating {GROUP})
SELECT t.name AS tier, coalesce(uses, 0) AS uses, coalesce(checked_uses, 0) AS uses_requiring_consent,
  coalesce(violating_uses, 0) AS violating_uses, coalesce(checked_violating, 0) AS violating_uses_requiring_consent,
  coalesce(violations, 0) AS violations,
  CASE WHEN coalesce(checked_uses, 0) = 0 THEN NULL ELSE
    round(1 - coalesce(checked_violating, 0)::DECIMAL(38,10) / checked_uses, 6) END AS coverage_of_required,
  CASE WHEN coalesce(uses, 0) = 0 THEN NULL ELSE
    round(1 - coalesce(violating_uses, 0)::DECIMAL(38,10) / uses, 6) END AS coverage_of_all,
  {", ".join(f"coalesce({r}, 0) AS {r}" for r in RULES)}
FROM (VALUES {tiers_values}) t(name, ord) LEFT JOIN totals ON totals.grp = t.name LEFT JOIN broken ON broken.grp = t.name
ORDER BY t.ord
) TO '{out}/privacy_by_tier.csv' (HEADER)
""")
db.execute(f"""
COPY (
WITH s AS (
  SELECT tier, TRY_CAST(NULLIF(csat, '') AS INTEGER) AS csat, TRY_CAST(NULLIF(nps, '') AS INTEGER) AS nps,
         TRY_CAST(NULLIF(felt_intrusive, '') AS INTEGER) AS intrusive
  FROM {csv(data + '/surveys.csv')}
  WHERE CAST(submitted_at AS TIMESTAMPTZ) >= TIMESTAMPTZ '{start}' AND CAST(submitted_at AS TIMESTAMPTZ) < TIMESTAMPTZ '{end}'),
g AS (SELECT *, tier AS grp FROM s UNION ALL SELECT *, 'all' AS grp FROM s)
SELECT t.name AS tier, count(g.grp) AS responses, count(csat) AS csat_responses,
  CASE WHEN count(csat) = 0 THEN NULL ELSE round(sum(csat)::DECIMAL(38,10) / count(csat), 3) END AS csat_mean,
  CASE WHEN count(nps) = 0 THEN NULL ELSE round(100 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6))::DECIMAL(38,10) / count(nps), 2) END AS nps
FROM (VALUES {tiers_values}) t(name, ord) LEFT JOIN g ON g.grp = t.name GROUP BY t.name, t.ord ORDER BY t.ord
) TO '{out}/surveys_by_tier.csv' (HEADER)
""")
