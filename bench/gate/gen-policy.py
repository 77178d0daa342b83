#!/usr/bin/env python3
"""Writes a policy with N exceptions for the gate benchmark (deterministic).

    python3 bench/gate/gen-policy.py --exceptions 1000 --report trivy-100k.json \
        --baseline baseline.json --output policy-1000.yml

A realistic mix: exceptions by CVE (some narrowed by package or image), by
CWE narrowed by package, by fingerprint (taken from the gate's JSON output
given as --baseline), and stale ones that match nothing; with expiry dates,
owners and tickets. new_only is on, budgets and overrides are set.
"""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exceptions", type=int, default=1000)
    ap.add_argument("--report", required=True, help="the Trivy report (to pick real CVEs and packages)")
    ap.add_argument("--baseline", help="secgate JSON output (to pick real fingerprints)")
    ap.add_argument("--output", required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    report = json.load(open(a.report))
    vulns = [(v["VulnerabilityID"], v["PkgName"]) for r in report["Results"] for v in r.get("Vulnerabilities") or []]
    fps = []
    if a.baseline:
        base = json.load(open(a.baseline))
        fps = [j["finding"]["fingerprint"] for j in base["findings"]]
    lines = [
        "version: 1",
        "fail_on: high",
        "budgets: {medium: 100000}",
        "new_only: true",
        "warn_expiring_days: 30",
        "ignore_unfixed: false",
        "categories:",
        "  container_scanning: {fail_on: high}",
        "scanners:",
        "  trivy: {min_confidence: low}",
        "exceptions:",
    ]
    seen = set()
    i = 0
    while i < a.exceptions:
        kind = i % 5
        exp = "20%02d-%02d-%02d" % (27 + i % 3, 1 + i % 12, 1 + i % 28)
        start = len(lines)
        meta = ["    reason: benchmark exception %d, accepted risk" % i, "    owner: team-%d" % (i % 17), "    ticket: SEC-%d" % (1000 + i), "    expires: %s" % exp]
        if kind == 0 or kind == 1:
            cve, pkg = rng.choice(vulns)
            lines.append("  - id: %s" % cve)
            if kind == 1:
                lines.append("    package: %s" % pkg)
        elif kind == 2:
            _, pkg = rng.choice(vulns)
            lines.append("  - id: CWE-%d" % rng.choice([20, 79, 89, 787, 125]))
            lines.append("    package: %s" % pkg)
            lines.append("    image: registry.example.com/acme/*")
        elif kind == 3 and fps:
            lines.append("  - fingerprint: %s" % rng.choice(fps))
        else:
            lines.append("  - id: CVE-1999-%04d" % (i + 1000))  # stale
        key = tuple(l for l in lines[start:])
        if key in seen:
            del lines[start:]
            rng.random()
            continue
        seen.add(key)
        lines.extend(meta)
        i += 1
    open(a.output, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
