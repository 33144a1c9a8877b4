#!/usr/bin/env python3
"""The weekly job computed by DuckDB over the same CSV files, for `make bench-compare`.

usage: duckdb_job.py DATA_DIR OUT_DIR PERIOD_START PERIOD_END [THREADS]
Writes OUT_DIR/metrics_by_tier.csv, privacy_by_tier.csv, surveys_by_tier.csv and
violations.csv (event_id, rule) using the README's definitions and the default policy:
consent state at an event's instant by an ASOF join on the latest record at or before it,
least permissive wins among records at the same instant.
"""
import os
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
            started = time.perf_counter()
            result = self.inner.execute(sql)
            print(f"{time.perf_counter() - started:7.2f} s  {' '.join(sql.split())[:70]}", file=sys.stderr)
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
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        return f"read_csv('{path}', header=true, quote='\"', escape='\"', columns={columns})"
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


allowed_case = "CASE tier " + " ".join(f"WHEN '{t}' THEN {sql_list(a)}" for t, a in ALLOWED.items()) + " END"
# Categories as flags computed once per distinct value, not per row.
sensitive_any = " OR ".join(f"list_contains(c, '{x}')" for x in SENSITIVE)
db.execute(f"""
CREATE TEMP TABLE e AS
SELECT row_number() OVER () AS seq, event_id, occurred_at AS t, NULLIF(subject_id, '') AS subject,
       campaign_id, tier, event_type, revenue, currency, purpose, jurisdiction, coalesce(data_categories, '') AS categories
FROM {csv(data + '/events/events-*.csv', EVENT_TYPES)}
WHERE occurred_at >= TIMESTAMPTZ '{start}' AND occurred_at < TIMESTAMPTZ '{end}'
""")
db.execute(f"""
CREATE TEMP TABLE category_sets AS
SELECT categories, tier, len(c) AS n, ({sensitive_any if sensitive_any else 'false'}) AS sensitive,
       len(list_filter(c, lambda x: NOT list_contains({allowed_case}, x))) > 0 AS not_allowed
FROM (SELECT DISTINCT categories, tier,
             list_filter(list_transform(string_split(categories, ';'), lambda x: trim(x)), lambda x: x <> '') AS c FROM e)
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
db.execute(f"""
CREATE TEMP TABLE er AS
SELECT subject_id AS subject, min(CAST(requested_at AS TIMESTAMPTZ)) AS requested
FROM {csv(data + '/erasures.csv')} GROUP BY ALL
""")


def state(alias):
    return f"""CASE WHEN {alias}.t IS NULL THEN 'none' WHEN {alias}.rank = 2 THEN 'withdrawn' WHEN {alias}.rank = 1 THEN 'denied'
        WHEN {alias}.expires IS NOT NULL AND {alias}.expires <= u.t THEN 'expired' ELSE 'granted' END"""


db.execute(f"""
CREATE TEMP TABLE uses AS
SELECT u.*, {state('p')} AS state, {state('q')} AS profiling_state, er.requested,
       cs.n AS n_categories, cs.sensitive, cs.not_allowed
FROM (SELECT * FROM e WHERE subject IS NOT NULL) u
JOIN category_sets cs ON cs.categories = u.categories AND cs.tier = u.tier
ASOF LEFT JOIN cp p ON u.subject = p.subject AND u.purpose = p.purpose AND u.t >= p.t
ASOF LEFT JOIN (SELECT * FROM cp WHERE purpose = 'profiling') q ON u.subject = q.subject AND u.t >= q.t
LEFT JOIN er ON u.subject = er.subject
""")
db.execute("""
CREATE TEMP TABLE checked AS
SELECT seq, tier, jurisdiction,
  (jurisdiction IN ('EU', 'UK') AND NOT (tier = 'one_to_all' AND n_categories = 0)) AS opt_in,
  ((jurisdiction IN ('EU', 'UK') AND NOT (tier = 'one_to_all' AND n_categories = 0)) OR jurisdiction = 'US-CA'
    OR (jurisdiction IN ('EU', 'UK', 'US-CA') AND sensitive)) AS is_checked
FROM uses
""")
db.execute("""
CREATE TEMP TABLE violations AS
SELECT u.seq, u.event_id, u.tier, u.jurisdiction, r.rule, r.ord FROM uses u JOIN checked c USING (seq), LATERAL (
  SELECT * FROM (VALUES
    ('after_erasure', 0, u.requested IS NOT NULL AND u.requested <= u.t),
    ('no_consent', 1, c.opt_in AND u.state = 'none'),
    ('consent_denied', 2, c.opt_in AND u.state = 'denied'),
    ('consent_withdrawn', 3, c.opt_in AND u.state = 'withdrawn'),
    ('consent_expired', 4, c.opt_in AND u.state = 'expired'),
    ('profiling_without_consent', 5, c.opt_in AND u.tier IN ('one_to_few', 'one_to_one') AND u.purpose <> 'profiling' AND u.profiling_state <> 'granted'),
    ('opted_out', 6, u.jurisdiction = 'US-CA' AND u.state IN ('denied', 'withdrawn')),
    ('sensitive_without_consent', 7, u.jurisdiction IN ('EU', 'UK', 'US-CA') AND u.sensitive AND u.state <> 'granted'),
    ('category_not_allowed', 8, u.not_allowed)
  ) AS v(rule, ord, broken) WHERE broken
) r
""")
db.execute(f"COPY (SELECT event_id, rule FROM violations ORDER BY seq, ord) TO '{out}/violations.csv' (HEADER)")

rate = "CASE WHEN {d} = 0 THEN NULL ELSE round({n}::DECIMAL(38,10) / {d}, 6) END"
tiers_values = ", ".join(f"('{t}', {i})" for i, t in enumerate(TIERS + ['all']))
rates_values = ", ".join(f"('{c}', {r}::DECIMAL(18,6))" for c, r in RATES.items())
db.execute(f"""
COPY (
WITH g AS (SELECT *, tier AS grp FROM e UNION ALL SELECT *, 'all' AS grp FROM e),
counts AS (
  SELECT grp,
    count(*) FILTER (WHERE event_type = 'delivered') AS delivered, count(*) FILTER (WHERE event_type = 'open') AS opens,
    count(*) FILTER (WHERE event_type = 'click') AS clicks, count(*) FILTER (WHERE event_type = 'conversion') AS conversions,
    count(*) FILTER (WHERE event_type = 'bounce') AS bounces, count(*) FILTER (WHERE event_type = 'unsubscribe') AS unsubscribes,
    count(*) FILTER (WHERE event_type = 'holdout') AS holdouts,
    count(DISTINCT subject) FILTER (WHERE event_type = 'delivered') AS reach,
    count(DISTINCT subject) FILTER (WHERE event_type IN ('open', 'click')) AS engaged
  FROM g GROUP BY grp),
money AS (
  SELECT grp, sum(round(s * r.rate, 6)) AS revenue FROM (
    SELECT grp, currency, sum(revenue) AS s FROM g
    WHERE event_type = 'conversion' AND revenue IS NOT NULL GROUP BY ALL) x
  JOIN (VALUES {rates_values}) r(code, rate) ON r.code = x.currency GROUP BY grp)
SELECT t.name AS tier, coalesce(delivered, 0) AS delivered, coalesce(opens, 0) AS opens, coalesce(clicks, 0) AS clicks,
  coalesce(conversions, 0) AS conversions, coalesce(bounces, 0) AS bounces, coalesce(unsubscribes, 0) AS unsubscribes,
  coalesce(holdouts, 0) AS holdouts, coalesce(reach, 0) AS reach, coalesce(engaged, 0) AS engaged,
  {rate.format(n='opens', d='delivered')} AS open_rate, {rate.format(n='clicks', d='delivered')} AS ctr,
  {rate.format(n='conversions', d='delivered')} AS conversion_rate, {rate.format(n='bounces', d='delivered')} AS bounce_rate,
  {rate.format(n='unsubscribes', d='delivered')} AS unsubscribe_rate, {rate.format(n='engaged', d='reach')} AS engagement_rate,
  round(coalesce(revenue, 0), 2) AS revenue
FROM (VALUES {tiers_values}) t(name, ord) LEFT JOIN counts ON counts.grp = t.name LEFT JOIN money ON money.grp = t.name
ORDER BY t.ord) TO '{out}/metrics_by_tier.csv' (HEADER)
""")
rule_columns = ", ".join(f"count(v.rule) FILTER (WHERE v.rule = '{r}') AS {r}" for r in RULES)
db.execute(f"""
COPY (
WITH per_use AS (
  SELECT c.seq, c.tier, c.is_checked, count(v.rule) AS n, {rule_columns}
  FROM checked c LEFT JOIN violations v USING (seq) GROUP BY ALL),
g AS (SELECT *, tier AS grp FROM per_use UNION ALL SELECT *, 'all' AS grp FROM per_use)
SELECT t.name AS tier, count(g.seq) AS uses, count(g.seq) FILTER (WHERE is_checked) AS checked_uses,
  count(g.seq) FILTER (WHERE n > 0) AS violating_uses, coalesce(sum(n), 0) AS violations,
  CASE WHEN count(g.seq) FILTER (WHERE is_checked) = 0 THEN NULL ELSE
    round(1 - (count(g.seq) FILTER (WHERE is_checked AND n > 0))::DECIMAL(38,10) / count(g.seq) FILTER (WHERE is_checked), 6) END AS consent_coverage,
  {", ".join(f"coalesce(sum({r}), 0) AS {r}" for r in RULES)}
FROM (VALUES {tiers_values}) t(name, ord) LEFT JOIN g ON g.grp = t.name GROUP BY t.name, t.ord ORDER BY t.ord
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
