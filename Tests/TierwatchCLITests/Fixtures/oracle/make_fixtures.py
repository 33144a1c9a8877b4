#!/usr/bin/env python3
"""Writes the hand-chosen oracle inputs. Every row is deliberate; see NOTES.md.

Rows are written as raw CSV text so that quoting, blank lines, BOM, CRLF and
deliberately broken rows are exactly as intended.
"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))

EV_HEADER = ("event_id,occurred_at,subject_id,campaign_id,campaign_name,tier,channel,"
             "event_type,revenue,currency,data_categories,purpose,jurisdiction")


def q(v):
    """RFC 4180 quoting when needed."""
    if any(c in v for c in ',"\r\n') :
        return '"' + v.replace('"', '""') + '"'
    return v


def ev(eid, ts, subj, camp, name, tier, chan, etype, rev="", cur="", cats="", purpose="", jur="EU"):
    if subj and not purpose:
        purpose = "personalization"
    return ",".join(q(x) for x in [eid, ts, subj, camp, name, tier, chan, etype, rev, cur, cats, purpose, jur])


P = "personalization"
A = "advertising"

# ---------------------------------------------------------------- events-a.csv (UTF-8 BOM, LF)
a = [EV_HEADER]
# --- group A1: one_to_all (C01), period start boundary, exemption, anonymous events
a += [
    ev("a-001", "2026-11-09T00:00:00+01:00", "u_a3", "C01", "Autumn newsletter", "one_to_all", "email", "delivered", purpose=A),  # == period start, included; exempt (no advertising consent)
    ev("a-002", "2026-11-10T08:00:00Z", "u_a1", "C01", "Autumn newsletter v2", "one_to_all", "email", "delivered", purpose=A),  # later name ignored
    ev("a-003", "2026-11-10T08:00:01Z", "u_a2", "C01", "", "one_to_all", "email", "delivered", purpose=A),
    ev("a-004", "2026-11-10T08:00:02Z", "", "C01", "", "one_to_all", "email", "delivered"),  # anonymous
    ev("a-005", "2026-11-10T08:00:03Z", "", "C01", "", "one_to_all", "email", "delivered", cats="location"),  # anonymous with category: not a use, no rule 5
    ev("a-006", "2026-11-10T08:00:04Z", "u_erased_before", "C01", "", "one_to_all", "email", "delivered", purpose=A),  # after_erasure only (exempt from rule 2)
    ev("a-007", "2026-11-10T08:00:05Z", "u_cat_all", "C01", "", "one_to_all", "email", "delivered", cats="location", purpose=A),  # not exempt: no_consent + category_not_allowed
    ev("a-008", "2026-11-10T08:00:06Z", "u_usother_dev", "C01", "", "one_to_all", "email", "delivered", cats="device", purpose=A, jur="US-other"),  # category_not_allowed only
    ev("a-009", "2026-11-10T09:00:00Z", "", "C01", "", "one_to_all", "email", "bounce"),
    ev("a-010", "2026-11-10T09:10:00Z", "u_a1", "C01", "", "one_to_all", "email", "open", purpose=A),
    ev("a-011", "2026-11-10T09:11:00Z", "u_a1", "C01", "", "one_to_all", "email", "open", purpose=A),  # same subject opens twice
    ev("a-012", "2026-11-10T09:12:00Z", "u_a1", "C01", "", "one_to_all", "email", "click", purpose=A),
    ev("a-013", "2026-11-10T09:20:00Z", "u_a2", "C01", "", "one_to_all", "email", " open ", purpose=A),  # spaces around enum
    ev("a-014", "2026-11-10T10:00:00Z", "u_a2", "C01", "", "one_to_all", "email", "conversion", rev="20.005", cur="EUR", purpose=A),
    ev("a-015", "2026-11-10T10:05:00Z", "u_a2", "C01", "", "one_to_all", "email", "unsubscribe", purpose=A),
    ev("a-016", "2026-11-10T10:06:00Z", "", "C01", "", "one_to_all", "web", "conversion", rev=" 5.00 ", cur="EUR"),  # spaces around number
]
a += [""]  # blank line (not a row, but counts as a physical line)
# --- group R-a: rejected rows (in-period timestamps where parseable)
a += [
    ev("a-bad-ts", "2026-13-10T10:00:00Z", "u_a1", "C01", "", "one_to_all", "email", "delivered", purpose=A),  # month 13
    ev("a-bad-tier", "2026-11-10T10:10:00Z", "u_a1", "C01", "", "one_to_two", "email", "delivered", purpose=A),  # unknown tier
    "a-bad-fields,2026-11-10T10:11:00Z,u_a1,C01,,one_to_all,email,delivered,,,,advertising",  # 12 fields
]
# --- group B: period boundaries (C07 has only out-of-period rows -> no campaign row)
a += [
    ev("a-017", "2026-11-08T22:59:59.999Z", "u_erased_before", "C07", "Old campaign", "one_to_many", "email", "delivered", cats="location"),  # 1 ms before start
    ev("a-018", "2026-11-16T00:00:00+01:00", "u_cat_all", "C07", "Old campaign", "one_to_many", "email", "delivered", cats="location"),  # == end, excluded
]
# --- group A2: one_to_many (C02, C06): currencies, opt-in states, erasure edges, US-CA
a += [
    ev("a-020", "2026-11-10T11:00:00Z", "u_a1", "C02", "Segment push", "one_to_many", "push", "delivered", cats="location"),
    ev("a-021", "2026-11-10T11:00:01Z", "u_a2", "C02", "", "one_to_many", "push", "delivered", cats="device"),
    ev("a-022", "2026-11-10T11:00:02Z", "u_a3", "C02", "", "one_to_many", "push", "delivered", cats="location;demographics", jur="EU "),
    ev("a-023", "2026-11-10T11:30:00Z", "u_a2", "C02", "", "one_to_many", "push", "open", cats="device"),
    ev("a-024", "2026-11-10T11:31:00Z", "u_a2", "C02", "", "one_to_many", "push", "click", cats="device"),
    ev("a-025", "2026-11-10T11:32:00Z", "u_a2", "C02", "", "one_to_many", "push", "click", cats="device"),  # second click, same subject
    ev("a-026", "2026-11-10T12:00:00Z", "u_a1", "C02", "", "one_to_many", "push", "conversion", rev="123.3908", cur="SEK", cats="location"),
    ev("a-027", "2026-11-10T12:01:00Z", "u_a2", "C02", "", "one_to_many", "push", "conversion", rev="50.50", cur="USD", cats="device"),
    ev("a-028", "2026-11-10T12:02:00Z", "", "C02", "", "one_to_many", "web", "conversion", rev="10.00", cur="EUR"),
    ev("a-029", "2026-11-10T13:00:00Z", "u_uk_none", "C02", "", "one_to_many", "push", "delivered", cats="location", jur="UK"),  # no_consent
    ev("a-030", "2026-11-10T13:00:01Z", "u_uk_denied", "C02", "", "one_to_many", "push", "delivered", cats="location", jur="UK"),  # consent_denied
    ev("a-031", "2026-11-10T13:00:02Z", "u_eu_withdrawn", "C02", "", "one_to_many", "push", "delivered", cats="location"),  # consent_withdrawn
    ev("a-032", "2026-11-10T13:00:03Z", "u_eu_expired", "C02", "", "one_to_many", "push", "delivered", cats="location"),  # consent_expired
    ev("a-033", "2026-11-11T10:00:00+01:00", "u_er_exact", "C02", "", "one_to_many", "push", "delivered", cats="location"),  # erasure == t
    ev("a-034", "2026-11-11T12:00:00.500Z", "u_er_after", "C02", "", "one_to_many", "push", "delivered", cats="location"),  # erasure 1 ms later
    ev("a-035", "2026-11-10 14:00:00+0100", "u_ca_denied", "C02", "", "one_to_many", "push", "delivered", cats="location", jur="US-CA"),  # opted_out
    ev("a-036", "2026-11-10T13:00:05Z", "u_ca_denied", "C02", "", "one_to_many", "push", "holdout", jur="US-CA"),  # holdout is a use: opted_out
    ev("a-037", "2026-11-10T13:00:06Z", "u_ca_withdrawn", "C02", "", "one_to_many", "push", "delivered", jur="US-CA"),  # opted_out
    ev("a-038", "2026-11-10T13:00:07Z", "u_ca_none", "C02", "", "one_to_many", "push", "delivered", jur="US-CA"),  # ok
    ev("a-039", "2026-11-10T13:00:08Z", "u_ca_granted", "C02", "", "one_to_many", "push", "delivered", jur="US-CA"),  # ok
    ev("a-040", "2026-11-10T13:00:09Z", "u_ca_expired", "C02", "", "one_to_many", "push", "delivered", jur="US-CA"),  # ok (expired is not opt-out)
    ev("a-041", "2026-11-10T13:00:10Z", "u_other_bad", "C02", "", "one_to_many", "push", "delivered", cats="browsing_behavior", jur="other"),  # after_erasure + category_not_allowed
    ev("a-042", "2026-11-12T07:00:00Z", "u_a3", "C06", "+Winter promo", "one_to_many", "push", "delivered", cats="device"),  # formula-injection name
    ev("a-043", "2026-11-12T07:00:01Z", "u_a1", "C06", "", "one_to_many", "push", "holdout", cats="device"),
    ev("a-044", "2026-11-12T07:00:02Z", "", "C06", "", "one_to_many", "push", "holdout"),
    ev("a-045", "2026-11-12T07:00:03Z", "u_a3", "C06", "", "one_to_many", "push", "bounce", cats="device"),
    ev("a-046", "2026-11-15T23:59:59.999+01:00", "u_a3", "C02", "", "one_to_many", "push", "open", cats="device"),  # last ms of period
]
# --- group A3: one_to_some (C03): consent-state edge cases, sensitive categories
a += [
    ev("a-050", "2026-11-10T15:00:00Z", "u_a1", "C03", "Browse retarget", "one_to_some", "web", "delivered", cats="browsing_behavior"),
    ev("a-051", "2026-11-10T15:00:01Z", "u_a2", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),
    ev("a-052", "2026-11-10T15:00:02Z", "u_a3", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),
    ev("a-053", "2026-11-10T16:00:00.125+01:00", "u_rec_eq", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # grant recorded exactly at t -> granted
    ev("a-054", "2026-11-10T15:10:00.200Z", "u_rec_after", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # withdrawal 1 ms after t -> granted
    ev("a-055", "2026-11-10T15:20:00.300Z", "u_rec_after2", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # only grant is 1 ms after t -> no_consent
    ev("a-056", "2026-11-10T15:30:00Z", "u_tie_gd", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # tie granted+denied -> consent_denied
    ev("a-057", "2026-11-10T15:30:01Z", "u_tie_gw", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # tie granted+withdrawn -> consent_withdrawn
    ev("a-058", "2026-11-10T15:30:02Z", "u_tie_dw", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # tie denied+withdrawn -> consent_withdrawn
    ev("a-059", "2026-11-10T15:30:03Z", "u_tie_ge", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # tie of grants, one expired -> consent_expired
    ev("a-060", "2026-11-12T09:15:30.250+01:00", "u_exp_eq", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # expires_at == t -> consent_expired
    ev("a-061", "2026-11-12T08:20:00Z", "u_exp_gt", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # expires_at = t + 1 ms -> granted
    ev("a-062", "2026-11-12T08:30:00Z", "u_regrant", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # grant after withdrawal -> granted
    ev("a-063", "2026-11-12T08:31:00Z", "u_regrant_old_expiry", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # newer grant supersedes expired one
    ev("a-064", "2026-11-12T08:32:00Z", "u_other_purpose", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior"),  # only other purposes granted -> no_consent
    ev("a-065", "2026-11-12T09:00:00Z", "u_a1", "C03", "", "one_to_some", "web", "open", cats="browsing_behavior"),
    ev("a-066", "2026-11-12T09:01:00Z", "u_a1", "C03", "", "one_to_some", "web", "click", cats="browsing_behavior"),
    ev("a-067", "2026-11-12T09:02:00Z", "u_a2", "C03", "", "one_to_some", "web", "open", rev="99.99", cur="EUR", cats="browsing_behavior"),  # revenue on non-conversion: ignored
    ev("a-068", "2026-11-12T09:03:00Z", "u_a3", "C03", "", "one_to_some", "web", "conversion", cats="browsing_behavior"),  # conversion without revenue
    ev("a-069", "2026-11-12T10:00:00Z", "u_sens_granted_eu", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior;health"),  # sensitive+granted: only category_not_allowed
    ev("a-070", "2026-11-12T10:00:01Z", "u_sens_uk_denied", "C03", "", "one_to_some", "web", "delivered", cats="health", jur="UK"),  # consent_denied + sensitive + category
    ev("a-071", "2026-11-12T10:00:02Z", "u_sens_ca_none", "C03", "", "one_to_some", "web", "delivered", cats="religion", jur="US-CA"),  # sensitive + category (no opted_out for none)
    ev("a-072", "2026-11-12T10:00:03Z", "u_usother_health", "C03", "", "one_to_some", "web", "delivered", cats="health", jur="US-other"),  # category only (no rule 4 in US-other)
    ev("a-073", "2026-11-12T10:00:04Z", "u_other_ok", "C03", "", "one_to_some", "web", "delivered", cats="browsing_behavior", jur="other"),  # ok, not checked
    ev("a-074", "2026-11-12T11:00:00Z", "u_a1", "C03", "", "one_to_some", "web", "conversion", rev="15.00", cur="GBP", cats="browsing_behavior"),
    ev("a-075", "2026-11-12T11:01:00Z", "u_a2", "C03", "", "one_to_some", "web", "conversion", rev="4.10", cur="EUR", cats="browsing_behavior"),
]
# --- group C: campaign naming across files (C08: first row here has an empty name)
a += [
    ev("a-080", "2026-11-13T09:00:00Z", "u_a1", "C08", "", "one_to_many", "email", "delivered", cats="location"),
    ev("a-081", "2026-11-13T09:00:01Z", "u_a1 ", "C08", "", "one_to_many", "email", "delivered", cats="location"),  # id with trailing space is another subject -> no_consent
]

# ---------------------------------------------------------------- events-b.csv.gz (CRLF, gzip)
b = [EV_HEADER]
# --- group A4: one_to_few (C04, also one_to_some rows -> multi-tier campaign), profiling
b += [
    ev("b-001", "2026-11-13T10:00:00Z", "u_a1", "C04", "Predictive cohort", "one_to_few", "app", "delivered", cats="purchase_history"),
    ev("b-002", "2026-11-13T10:00:01Z", "u_a2", "C04", "", "one_to_some", "app", "delivered", cats="browsing_behavior"),
    ev("b-003", "2026-11-13T10:00:02Z", "u_prof_none", "C04", "", "one_to_few", "app", "delivered", cats="purchase_history"),  # profiling none
    ev("b-004", "2026-11-13T10:00:03Z", "u_prof_denied", "C04", "", "one_to_few", "app", "delivered", cats="purchase_history"),  # profiling denied
    ev("b-005", "2026-11-13T10:00:04Z", "u_profP_ok", "C04", "", "one_to_few", "app", "delivered", cats="inferred_interests", purpose="profiling"),  # P=profiling granted: ok
    ev("b-006", "2026-11-13T10:00:05Z", "u_profP_wd", "C04", "", "one_to_few", "app", "delivered", cats="inferred_interests", purpose="profiling"),  # P=profiling withdrawn: consent_withdrawn only
    ev("b-007", "2026-11-13T10:00:06Z", "u_uk_few", "C04", "", "one_to_few", "app", "delivered", cats="purchase_history", jur="UK"),  # no_consent + profiling
    ev("b-008", "2026-11-13T10:00:07Z", "u_ca_few", "C04", "", "one_to_few", "app", "delivered", cats="purchase_history", jur="US-CA"),  # ok: no profiling rule in US-CA
    ev("b-009", "2026-11-13T10:00:08.042Z", "u_multi", "C04", "", "one_to_few", "app", "delivered", cats="health;biometric;purchase_history;unknown_cat"),  # 5 rules at once
    ev("b-010", "2026-11-13T11:00:00Z", "u_a1", "C04", "", " one_to_few", "app", "open", cats="purchase_history"),
    ev("b-011", "2026-11-13T11:05:00Z", "u_a2", "C04", "", "one_to_few", "app", "conversion", rev="30.00", cur="GBP", cats="purchase_history"),
    ev("b-012", "2026-11-13T11:06:00Z", "u_a1", "C04", "", "one_to_few", "app", "conversion", rev="2000", cur="SEK", cats="purchase_history"),
    ev("b-013", "2026-11-13T11:07:00Z", "", "C04", "", "one_to_few", "app", "unsubscribe"),
    ev("b-014", "2026-11-13T11:08:00Z", "u_a2", "C04", "", "one_to_some", "app", "click", cats="browsing_behavior"),
]
# --- group A5: one_to_one (C05): zero delivered in period, precise_location
b += [
    ev("b-020", "2026-11-08T12:00:00Z", "u_a1", "C05", "Next best offer", "one_to_one", "app", "delivered", cats="precise_location"),  # before period
    ev("b-021", "2026-11-14T09:00:00Z", "u_a1", "C05", "Next best offer", "one_to_one", "app", "open", cats="precise_location"),  # sensitive+allowed+granted: ok; same name as b-020
    ev("b-022", "2026-11-14T09:01:00Z", "u_a1", "C05", "", "one_to_one", "app", "click", cats="precise_location"),
    ev("b-023", "2026-11-14T09:02:00Z", "u_pl_expired", "C05", "", "one_to_one", "app", "open", cats="precise_location"),  # consent_expired + sensitive
    ev("b-024", "2026-11-14T09:03:00Z", "u_prof_wd", "C05", "", "one_to_one", "app", "open", cats="location", jur="UK"),  # profiling withdrawn
    ev("b-025", "2026-11-14T09:04:00Z", "u_sens_ca_granted", "C05", "", "one_to_one", "app", "open", cats="precise_location", jur="US-CA"),  # ok
    ev("b-026", "2026-11-14T09:05:00Z", "u_sens_ca_pl_none", "C05", "", "one_to_one", "app", "open", cats="precise_location", jur="US-CA"),  # sensitive (none)
    ev("b-027", "2026-11-14T09:06:00Z", "u_usother_pl", "C05", "", "one_to_one", "app", "open", cats="precise_location;health", jur="US-other"),  # category (health)
    ev("b-028", "2026-11-14T10:00:00Z", "u_a1", "C05", "", "one_to_one", "app", "conversion", rev="4.00", cur="EUR", cats="precise_location"),
    ev("b-029", "2026-11-14T10:01:00Z", "u_a2", "C05", "", "one_to_one", "app", "conversion", rev="6.01", cur="EUR"),  # aov 10.01/2 = 5.005 -> 5.01
    ev("b-030", "2026-11-14T10:02:00Z", "u_ca_denied", "C05", "", "one_to_one", "app", "holdout", jur="US-CA"),  # opted_out on a holdout
    ev("b-031", "2026-11-14T10:03:00Z", "", "C05", "", "one_to_one", "app", "holdout"),
]
b += [""]  # blank line
# --- group C (cont.): C08 name comes from this file; a later name has an embedded newline
b += [
    ev("b-040", "2026-11-14T11:00:00Z", "u_a2", "C08", 'Late name, "quoted"', "one_to_many", "email", "delivered", cats="device"),
    ev("b-041", "2026-11-14T11:00:01Z", "u_a3", "C08", "Other\nname", "one_to_many", "email", "open", cats="device"),  # spans 2 physical lines
]
# --- group R-b: rejected rows
b += [
    'b-bad"q,2026-11-14T12:00:00Z,u_a1,C08,,one_to_many,email,open,,,device,personalization,EU',  # quote inside unquoted field
    ev("b-bad-purpose", "2026-11-14T12:00:01Z", "u_a1", "C08", "", "one_to_many", "email", "open", cats="device", purpose="-").replace(",-,", ",,"),  # subject set, purpose empty
    ev("b-bad-jur", "2026-11-14T12:00:02Z", "u_a1", "C08", "", "one_to_many", "email", "open", jur="FR"),  # unknown jurisdiction
    ev("b-bad-type", "2026-11-14T12:00:03Z", "u_a1", "C08", "", "one_to_many", "email", "view"),  # unknown event_type
    ev("b-bad-rev", "2026-11-14T12:00:04Z", "u_a1", "C08", "", "one_to_many", "email", "conversion", rev="12.1234567", cur="EUR"),  # 7 fractional digits
    ev("b-bad-cur", "2026-11-14T12:00:05Z", "u_a1", "C08", "", "one_to_many", "email", "conversion", rev="12.00"),  # revenue without currency
    ev("b-bad-offset", "2026-11-14T12:00:06", "u_a1", "C08", "", "one_to_many", "email", "open"),  # no Z / offset
    ev("", "2026-11-14T12:00:07Z", "u_a1", "C08", "", "one_to_many", "email", "open"),  # empty event_id
]
b += [
    ev("b-050", "2026-11-15T22:59:59.999Z", "u_a2", "C08", "", "one_to_many", "email", "click", cats="device"),  # last ms (UTC form)
]

# ---------------------------------------------------------------- consents.csv (BOM, LF)
CH = "subject_id,purpose,status,recorded_at,source,jurisdiction,expires_at"
OLD = "2026-01-15T08:00:00Z"


def c(s, p, st, at, src="web_form", jur="EU", exp=""):
    return ",".join(q(x) for x in [s, p, st, at, src, jur, exp])


cons = [CH]
cons += [  # baseline subjects
    c("u_a1", P, "granted", OLD), c("u_a1", "profiling", "granted", OLD),
    c("u_a2", P, " granted ", OLD), c("u_a2", "profiling", "granted", OLD),
    c("u_a3", P, "granted", OLD, jur="UK"),  # consent jurisdiction is evidence only
    c("u_erased_before", P, "granted", OLD), c("u_er_exact", P, "granted", OLD), c("u_er_after", P, "granted", OLD),
]
cons += [  # opt-in states
    c("u_uk_none", "profiling", "granted", OLD, jur="UK"),  # other purpose only
    c("u_uk_denied", P, "denied", "2026-05-01T00:00:00Z", jur="UK"),
    c("u_eu_withdrawn", P, "granted", OLD), c("u_eu_withdrawn", P, "withdrawn", "2026-10-01T00:00:00Z"),
    c("u_eu_expired", P, "granted", OLD, exp="2026-06-30T00:00:00Z"),
]
cons += [  # recorded_at vs t (milliseconds)
    c("u_rec_eq", P, "denied", "2026-02-01T00:00:00Z"), c("u_rec_eq", P, "granted", "2026-11-10T15:00:00.125Z"),
    c("u_rec_after", P, "granted", "2026-02-01T00:00:00Z"), c("u_rec_after", P, "withdrawn", "2026-11-10T15:10:00.201Z"),
    c("u_rec_after2", P, "granted", "2026-11-10T16:20:00.301+01:00"),
]
cons += [  # ties at the greatest recorded_at, written in different offsets
    c("u_tie_gd", P, "granted", "2026-11-01T10:00:00Z"), c("u_tie_gd", P, "denied", "2026-11-01T12:00:00+02:00"),
    c("u_tie_gw", P, "withdrawn", "2026-11-01T05:00:00-05:00"), c("u_tie_gw", P, "granted", "2026-11-01T10:00:00Z"),
    c("u_tie_dw", P, "granted", OLD), c("u_tie_dw", P, "denied", "2026-11-02T09:00:00.000Z"), c("u_tie_dw", P, "withdrawn", "2026-11-02 10:00:00+0100"),
    c("u_tie_ge", P, "granted", "2026-03-01T00:00:00Z", exp="2026-07-01T00:00:00Z"), c("u_tie_ge", P, "granted", "2026-03-01T01:00:00+01:00"),
]
cons += [  # expiry vs t, re-grants, other purposes
    c("u_exp_eq", P, "granted", OLD, exp="2026-11-12T08:15:30.250Z"),
    c("u_exp_gt", P, "granted", OLD, exp="2026-11-12T08:20:00.001Z"),
    c("u_regrant", P, "granted", OLD), c("u_regrant", P, "withdrawn", "2026-03-01T00:00:00Z"), c("u_regrant", P, "granted", "2026-06-01T00:00:00Z"),
    c("u_regrant_old_expiry", P, "granted", OLD, exp="2026-03-01T00:00:00Z"), c("u_regrant_old_expiry", P, "granted", "2026-04-01T00:00:00Z"),
    c("u_other_purpose", A, "granted", OLD), c("u_other_purpose", "analytics", "granted", OLD),
]
cons += [  # US-CA
    c("u_ca_denied", P, "denied", "2026-04-01T00:00:00Z", jur="US-CA"),
    c("u_ca_withdrawn", P, "granted", OLD, jur="US-CA"), c("u_ca_withdrawn", P, "withdrawn", "2026-09-01T00:00:00Z", jur="US-CA"),
    c("u_ca_granted", P, "granted", OLD, jur="US-CA"),
    c("u_ca_expired", P, "granted", OLD, jur="US-CA", exp="2026-05-01T00:00:00Z"),
    c("u_ca_few", P, "granted", OLD, jur="US-CA"),
    c("u_sens_ca_granted", P, "granted", OLD, jur="US-CA"),
]
cons += [  # sensitive / profiling
    c("u_sens_granted_eu", P, "granted", OLD),
    c("u_sens_uk_denied", P, "denied", OLD, jur="UK"),
    c("u_pl_expired", P, "granted", OLD, exp="2026-10-31T23:00:00Z"), c("u_pl_expired", "profiling", "granted", OLD),
    c("u_prof_none", P, "granted", OLD),
    c("u_prof_denied", P, "granted", OLD), c("u_prof_denied", "profiling", "denied", OLD),
    c("u_prof_wd", P, "granted", OLD, jur="UK"), c("u_prof_wd", "profiling", "granted", OLD, jur="UK"), c("u_prof_wd", "profiling", "withdrawn", "2026-08-01T00:00:00Z", jur="UK"),
    c("u_profP_ok", "profiling", "granted", OLD),
    c("u_profP_wd", "profiling", "granted", OLD), c("u_profP_wd", "profiling", "withdrawn", "2026-10-15T00:00:00Z"),
    c("u_multi", P, "granted", OLD), c("u_multi", P, "withdrawn", "2026-09-15T00:00:00Z"),
]

# ---------------------------------------------------------------- erasures.csv
er = ["subject_id,requested_at",
      "u_erased_before,2026-11-01T00:00:00Z",
      "u_er_exact,2026-11-11T09:00:00Z",          # == t of a-033 (written +01:00)
      "u_er_after,2026-11-11T12:00:00.501Z",      # 1 ms after a-034
      "u_multi,2026-10-01T00:00:00+02:00",
      "u_other_bad,2026-11-09T08:00:00Z",
      "u_ca_granted,2026-12-01T00:00:00Z",        # future erasure: no effect
      ]

# ---------------------------------------------------------------- surveys.csv (LF)
SH = "response_id,submitted_at,subject_id,campaign_id,tier,csat,nps,felt_intrusive"


def s(rid, ts, subj, camp, tier, csat="", nps="", fi=""):
    return ",".join(q(x) for x in [rid, ts, subj, camp, tier, csat, nps, fi])


sv = [SH]
sv += [  # one_to_all
    s("s-01", "2026-11-09T00:00:00+01:00", "u_a1", "C01", "one_to_all", "5", "10", "0"),  # == start
    s("s-02", "2026-11-10T10:00:00Z", "u_a2", "C01", "one_to_all", "4", "8", "0"),
    s("s-03", "2026-11-10T11:00:00Z", "", "", "one_to_all", "", "3", ""),  # blank subject/campaign/csat/felt_intrusive
    s("s-04", "2026-11-10T12:00:00Z", "u_a3", "C01", "one_to_all", "", "", "0"),
]
sv += [  # one_to_many
    s("s-05", "2026-11-11T10:00:00Z", "u_a1", "C02", "one_to_many", "5", "9", "0"),
    s("s-06", "2026-11-11T10:01:00Z", "u_a2", "C02", "one_to_many", " 4 ", " 9 ", " 1 "),  # spaces around numbers
    s("s-07", "2026-11-11T10:02:00Z", "u_a3", "C02", "one_to_many", "3", "7", "0"),
    s("s-08", "2026-11-11T10:03:00Z", "", "C06", "one_to_many", "", "", ""),  # all optional blank: still a response
    s("s-09", "2026-11-11T10:04:00.500+01:00", "u_uk_none", "C02", "one_to_many", "1", "0", "1"),
]
sv += [  # one_to_some
    s("s-10", "2026-11-12T10:00:00Z", "u_a1", "C03", "one_to_some", "5", "10", "0"),
    s("s-11", "2026-11-12T10:01:00Z", "u_a2", "C03", "one_to_some", "5", "10", ""),
    s("s-12", "2026-11-12T10:02:00Z", "u_a3", "C03", "one_to_some", "4", "6", "0"),
    s("s-13", "2026-11-12 11:03:00+0100", "u_rec_eq", "C03", "one_to_some", "", "", "1"),
    s("s-14", "2026-11-12T10:04:00Z", "u_tie_gd", "C03", "one_to_some", "", "9", ""),
]
sv += [  # one_to_few
    s("s-15", "2026-11-13T10:00:00Z", "u_a1", "C04", "one_to_few", "4", "9", "1"),
    s("s-16", "2026-11-13T10:01:00Z", "u_prof_none", "C04", "one_to_few", "2", "4", "1"),
    s("s-17", "2026-11-13T10:02:00Z", "u_uk_few", "C04", " one_to_few ", "", "8", "0"),
]
sv += [  # one_to_one: negative NPS
    s("s-18", "2026-11-14T10:00:00Z", "u_a1", "C05", "one_to_one", "2", "2", "1"),
    s("s-19", "2026-11-14T10:01:00Z", "u_a2", "C05", "one_to_one", "1", "5", "1"),
    s("s-20", "2026-11-14T10:02:00Z", "u_pl_expired", "C05", "one_to_one", "4", "6", "1"),
    s("s-21", "2026-11-14T10:03:00Z", "u_prof_wd", "C05", "one_to_one", "5", "9", "0"),
    s("s-22", "2026-11-14T10:04:00Z", "", "C05", "one_to_one", "", "10", ""),
    s("s-23", "2026-11-15T22:59:59.999Z", "u_sens_ca_granted", "C05", "one_to_one", "3", "0", ""),  # last ms
]
sv += [  # outside the period (valid rows, not counted)
    s("s-30", "2026-11-16T00:00:00+01:00", "u_a1", "C01", "one_to_all", "1", "0", "1"),  # == end
    s("s-31", "2026-11-08T22:59:59.999Z", "u_a2", "C02", "one_to_many", "1", "0", "1"),  # 1 ms before start
]
sv += [  # rejected rows
    s("s-bad-csat", "2026-11-12T12:00:00Z", "u_a1", "C03", "one_to_some", "6", "10", "0"),
    s("s-bad-nps", "2026-11-12T12:01:00Z", "u_a1", "C03", "one_to_some", "4", "11", "0"),
    s("s-bad-fi", "2026-11-12T12:02:00Z", "u_a1", "C03", "one_to_some", "4", "10", "2"),
    s("s-bad-tier", "2026-11-12T12:03:00Z", "u_a1", "C03", "", "4", "10", "0"),
]


def write(name, lines, bom=False, eol="\n", gz=False):
    data = (eol.join(lines) + eol).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = os.path.join(HERE, name)
    if gz:
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


write("events-a.csv", a, bom=True)
write("events-b.csv.gz", b, eol="\r\n", gz=True)
write("consents.csv", cons, bom=True)
write("erasures.csv", er)
write("surveys.csv", sv)
print("events rows (incl. bad):", len(a) - 1 - a.count(""), len(b) - 1 - b.count(""))
print("consents:", len(cons) - 1, "erasures:", len(er) - 1, "surveys:", len(sv) - 1)
