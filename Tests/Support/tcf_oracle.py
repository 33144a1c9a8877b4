#!/usr/bin/env python3
"""Independent TC string decoder for the tests: iab-tcf (PyPI) decodes each argument.

Prints one JSON object per argument, one per line, with the fields named as
`tierwatch consent decode` names them. Times are whole seconds since the epoch (iab-tcf
truncates the deciseconds). Installed by `make test` (python3 -m pip install iab-tcf).
"""
import calendar
import json
import sys

from iab_tcf import decode_v2


def ids(bitfield):
    return sorted(i for i, on in bitfield.items() if on)


def expand(ranges):
    return sorted({i for start, end in ranges for i in range(start, end + 1)})


def vendors(consent, prefix):
    if getattr(consent, f"is_{prefix}_range_encoding"):
        return expand(getattr(consent, "consented_vendors_range" if prefix == "consent" else "interests_vendors_range"))
    return ids(getattr(consent, "consented_vendors" if prefix == "consent" else "interests_vendors"))


for text in sys.argv[1:]:
    c = decode_v2(text)
    out = {
        "version": c.version,
        "created": calendar.timegm(c.created.timetuple()),
        "last_updated": calendar.timegm(c.last_updated.timetuple()),
        "cmp_id": c.cmp_id,
        "cmp_version": c.cmp_version,
        "consent_screen": c.consent_screen,
        "consent_language": c.consent_language.decode(),
        "vendor_list_version": c.vendor_list_version,
        "tcf_policy_version": c.tcf_policy_version,
        "is_service_specific": c.is_service_specific,
        "use_non_standard_texts": c.use_non_standard_stacks,
        "special_feature_opt_ins": ids(c.special_features_optin),
        "purposes_consent": ids(c.purposes_consent),
        "purposes_li_transparency": ids(c.purposes_legitimate_interests),
        "purpose_one_treatment": c.purpose_one_treatment,
        "publisher_cc": c.publisher_cc.decode(),
        "vendor_consents": {"max_vendor_id": c.max_consent_vendor_id, "ids": vendors(c, "consent")},
        "vendor_legitimate_interests": {"max_vendor_id": c.max_interests_vendor_id, "ids": vendors(c, "interests")},
        "publisher_restrictions": [
            {"purpose_id": e.purpose_id, "restriction_type": e.restriction_type, "vendor_ids": expand(e.restrictions_range)}
            for e in c.pub_restriction_entries
        ],
        "disclosed_vendors": ids(c.oob_disclosed_vendors) if hasattr(c, "oob_disclosed_vendors") else None,
    }
    if hasattr(c, "publisher_tc"):
        p = c.publisher_tc
        out["publisher_tc"] = {
            "pub_purposes_consent": ids(p.purposes_consent),
            "pub_purposes_li_transparency": ids(p.purposes_lit_transparency),
            "num_custom_purposes": len(p.custom_purposes_consent),
            "custom_purposes_consent": ids(p.custom_purposes_consent),
            "custom_purposes_li_transparency": ids(p.custom_purposes_lit_transparency),
        }
    else:
        out["publisher_tc"] = None
    print(json.dumps(out, sort_keys=True))
