#!/usr/bin/env python3
"""Independent oracle for Tierwatch's uplift statistics, computed with SciPy.

Reads JSON from stdin:
  {"lift": [[xt, nt, xc, nc], ...], "srm": [[treated, control, share], ...], "bh": [[p, ...], ...]}
and prints JSON with, per case:
  lift: [relative lift, CI low, CI high, two-sided p] from scipy.stats.contingency.relative_risk
        (Katz log method) and the normal distribution;
  srm:  [chi-square, p] from scipy.stats.chisquare against the expected split;
  bh:   adjusted p-values from scipy.stats.false_discovery_control (Benjamini-Hochberg).
"""
import json
import math
import sys

from scipy import stats
from scipy.stats.contingency import relative_risk

cases = json.load(sys.stdin)
out = {"lift": [], "srm": [], "bh": []}
for xt, nt, xc, nc in cases["lift"]:
    rr = relative_risk(xt, nt, xc, nc)
    ci = rr.confidence_interval(confidence_level=0.95)
    se = math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc)
    z = math.log(rr.relative_risk) / se
    out["lift"].append([rr.relative_risk - 1, ci.low - 1, ci.high - 1, 2 * stats.norm.sf(abs(z))])
for treated, control, share in cases["srm"]:
    total = treated + control
    result = stats.chisquare([treated, control], f_exp=[total * (1 - share), total * share])
    out["srm"].append([float(result.statistic), float(result.pvalue)])
for ps in cases["bh"]:
    out["bh"].append([float(q) for q in stats.false_discovery_control(ps, method="bh")])
json.dump(out, sys.stdout)
