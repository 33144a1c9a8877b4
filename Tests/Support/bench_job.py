"""The weekly job file the benchmark scripts run (bench_compare.py, bench_shards.py, phases.py)."""

KINDS = ["events", "consents", "erasures", "surveys"]


def job(paths):
    """A weekly job over `paths` (input kind -> path or glob), in UTC, never failing on violations."""
    return ('{"schemaVersion": 1, "period": "weekly", "timezone": "UTC", "inputs": {'
            + ", ".join(f'"{kind}": {{"path": "{path}"}}' for kind, path in paths.items())
            + '}, "currency": {"reporting": "EUR", "rates": {"SEK": 0.087, "GBP": 1.15, "USD": 0.92}}, "fail_on": "never"}')


def generated(data):
    """The paths of a `tierwatch generate` data set in `data`."""
    return {"events": f"{data}/events/events-*.csv", "consents": f"{data}/consents.csv",
            "erasures": f"{data}/erasures.csv", "surveys": f"{data}/surveys.csv"}
