"""The statistics of GET /metrics/referrers and /metrics/orders/detail computed by SciPy from
the file's own rows, for tests/integration/statistics.rs to hold xcc's against.

    python statistics.py FILE.db [FROM_US TO_US]

Reads the sessions (those that started in [FROM_US, TO_US) when given) and the order rows
with Python's sqlite3, and prints JSON: the Kruskal-Wallis test across referrer hosts
(scipy.stats.kruskal), each host's Mann-Whitney U test against "(direct)"
(scipy.stats.mannwhitneyu, method="asymptotic", two-sided, continuity corrected) with Holm's
correction done here, and each median's exact 95% interval from scipy.stats.binom.
"""

import json
import sqlite3
import sys

from scipy import stats

DIRECT = "(direct)"


def median_ci95(values):
    """[x(k), x(n + 1 - k)] with k the largest integer such that P(B <= k - 1) <= 0.025 for
    B ~ Binomial(n, 1/2); None when there is no such k."""
    values = sorted(values)
    n = len(values)
    k = 0
    while k < n and stats.binom.cdf(k, n, 0.5) <= 0.025:
        k += 1
    return None if k == 0 else [values[k - 1], values[n - k]]


def holm(p_values):
    """Holm's step-down adjustment of {name: p}: the i-th smallest of m (from 0) becomes
    max over j <= i of min(1, (m - j) p(j))."""
    m = len(p_values)
    adjusted, running = {}, 0.0
    for j, (name, p) in enumerate(sorted(p_values.items(), key=lambda item: item[1])):
        running = max(running, min(1.0, (m - j) * p))
        adjusted[name] = running
    return adjusted


def main():
    conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    bounds = [int(b) for b in sys.argv[2:4]] or [None, None]
    groups = {}
    for host, minutes in conn.execute(
        "SELECT COALESCE(referrer_host, ?), duration_seconds / 60.0 FROM sessions "
        "WHERE (?2 IS NULL OR started_us >= ?2) AND (?3 IS NULL OR started_us < ?3)",
        [DIRECT, *bounds],
    ):
        groups.setdefault(host, []).append(minutes)
    kruskal = stats.kruskal(*groups.values()) if len(groups) >= 2 else None
    tests = {
        host: stats.mannwhitneyu(values, groups[DIRECT], method="asymptotic")
        for host, values in groups.items()
        if host != DIRECT and DIRECT in groups
    }
    adjusted = holm({host: float(t.pvalue) for host, t in tests.items()})
    visits = [v for (v,) in conn.execute("SELECT visits_before_order FROM v_order_visits")]
    minutes = [m for (m,) in conn.execute("SELECT minutes_before_first_order FROM v_first_order")]
    json.dump(
        {
            "difference": {
                "groups": len(groups),
                "sessions": sum(len(v) for v in groups.values()),
                "h": None if kruskal is None else float(kruskal.statistic),
                "p_value": None if kruskal is None else float(kruskal.pvalue),
            },
            "referrers": {
                host: {
                    "median_minutes_ci95": median_ci95(values),
                    "vs_direct": None
                    if host not in tests
                    else {"u": float(tests[host].statistic), "p_value_holm": adjusted[host]},
                }
                for host, values in groups.items()
            },
            "p50_ci95": {
                "visits_before_order": median_ci95(visits),
                "minutes_before_first_order": median_ci95(minutes),
            },
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
