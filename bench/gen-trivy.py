#!/usr/bin/env python3
"""Writes a big, deterministic Trivy JSON report (SchemaVersion 2) for benchmarks.

    python3 bench/gen-trivy.py --findings 100000 --output /tmp/trivy-100k.json

The same arguments always give the same bytes (seeded PRNG, fixed timestamps).
Findings are spread over an OS-package result and several language-package
results, with realistic fields: Title, a long Description, References,
CVSS (nvd + vendor), VendorSeverity, CweIDs, Status, FixedVersion, PURLs,
Layer and DataSource. Vulnerability ids are unique per (package, version) so
every finding gets a distinct fingerprint.

`--compact` writes the same findings smaller (a 3-8 word Description, one
Reference, nvd CVSS only, no Layer DiffID nor Trivy Fingerprint, no
indentation): about 1 KB per finding, so 100,000 findings make a report of
about 100 MB (the parser benchmark's size; 10,000 give 9.9 MB). Without it,
about 2.8 KB per finding, indented (the default, unchanged).
"""
import argparse
import json
import random
import sys

SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
SEV_WEIGHTS = [5, 20, 45, 25, 5]
SEV_NUM = {"CRITICAL": 4, "HIGH": 3, "MEDIUM": 2, "LOW": 1, "UNKNOWN": 0}
SEV_SCORE = {"CRITICAL": (9.0, 10.0), "HIGH": (7.0, 8.9), "MEDIUM": (4.0, 6.9), "LOW": (0.1, 3.9), "UNKNOWN": (0.0, 0.0)}
STATUSES = ["fixed", "fixed", "fixed", "affected", "will_not_fix", "fix_deferred", "end_of_life", "under_investigation"]
VENDORS = ["nvd", "redhat", "ubuntu", "debian", "amazon", "oracle-oval", "photon", "ghsa"]
CWES = [20, 22, 78, 79, 89, 119, 125, 190, 200, 269, 287, 330, 352, 400, 416, 434, 476, 502, 611, 787, 798, 918]
WORDS = ("buffer overflow heap use-after-free out-of-bounds read write integer denial of service "
         "remote attacker crafted request memory corruption information disclosure privilege escalation "
         "certificate validation bypass null pointer dereference race condition path traversal injection "
         "allows cause via function parser handling improper input validation library component").split()
OS_PKGS = ["openssl", "libcrypto3", "libssl3", "zlib", "busybox", "musl", "curl", "libcurl", "expat", "sqlite-libs",
           "libxml2", "pcre2", "ncurses-libs", "libtasn1", "gnutls", "krb5-libs", "libx11", "freetype", "libpng", "tiff"]
LANG = [
    ("jar", "app/lib/{name}.jar", "pkg:maven/org.example/{name}@{ver}", ["log4j-core", "jackson-databind", "spring-core", "netty-codec", "snakeyaml", "commons-text", "guava", "tomcat-embed-core"]),
    ("npm", "app/package-lock.json", "pkg:npm/{name}@{ver}", ["lodash", "minimist", "axios", "express", "semver", "tough-cookie", "json5", "qs", "ws", "undici"]),
    ("pip", "app/requirements.txt", "pkg:pypi/{name}@{ver}", ["django", "requests", "urllib3", "jinja2", "pyyaml", "cryptography", "pillow", "flask"]),
    ("gomod", "app/go.mod", "pkg:golang/{name}@{ver}", ["golang.org/x/net", "golang.org/x/crypto", "github.com/gin-gonic/gin", "google.golang.org/grpc"]),
]
IMAGE = "registry.example.com/acme/big-app:1.0"


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def version(rng):
    return "%d.%d.%d" % (rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 50))


def vuln(rng, i, pkg, ver, purl, pkg_id, compact=False):
    sev = rng.choices(SEVERITIES, SEV_WEIGHTS)[0]
    lo, hi = SEV_SCORE[sev]
    score = round(rng.uniform(lo, hi), 1)
    year = 2015 + (i % 11)
    vid = "CVE-%d-%d" % (year, 10000 + i)
    status = rng.choice(STATUSES)
    fixed = version(rng) if status == "fixed" else ""
    vendors = rng.sample(VENDORS, 3)
    v = {
        "VulnerabilityID": vid,
        "PkgID": pkg_id,
        "PkgName": pkg,
        "PkgIdentifier": {"PURL": purl, "UID": "%016x" % rng.getrandbits(64)},
        "InstalledVersion": ver,
    }
    if fixed:
        v["FixedVersion"] = fixed
    v.update({
        "Status": status,
        "Layer": {"Digest": "sha256:%064x" % rng.getrandbits(256), "DiffID": "sha256:%064x" % rng.getrandbits(256)},
        "SeveritySource": vendors[0],
        "PrimaryURL": "https://avd.aquasec.com/nvd/%s" % vid.lower(),
        "DataSource": {"ID": vendors[0], "Name": vendors[0].title() + " Security Data", "URL": "https://security.example.org/%s" % vendors[0]},
        "Fingerprint": "sha256:%064x" % rng.getrandbits(256),
        "Title": "%s: %s" % (pkg, sentence(rng, 6)),
        "Description": sentence(rng, rng.randint(3, 8) if compact else rng.randint(40, 120)).capitalize() + ".",
        "Severity": sev,
        "CweIDs": ["CWE-%d" % c for c in rng.sample(CWES, rng.randint(1, 2))],
        "VendorSeverity": {vd: SEV_NUM[sev] if k == 0 else rng.randint(1, 4) for k, vd in enumerate(vendors)},
        "CVSS": {
            "nvd": {
                "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "V3Score": score,
            },
            vendors[1]: {
                "V3Vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
                "V3Score": round(max(0.0, score - 1.0), 1),
            },
        },
        "References": ["https://nvd.nist.gov/vuln/detail/%s" % vid]
        + ["https://security.example.org/advisories/%s/%d" % (vid, k) for k in range(0 if compact else rng.randint(2, 8))],
        "PublishedDate": "%d-0%d-1%dT17:15:00Z" % (year, rng.randint(1, 9), rng.randint(0, 9)),
        "LastModifiedDate": "2024-01-1%dT22:15:00Z" % rng.randint(0, 9),
    })
    if compact:
        del v["Layer"]["DiffID"]
        del v["Fingerprint"]
        del v["CVSS"][vendors[1]]
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, required=True, help="number of vulnerabilities")
    ap.add_argument("--seed", type=int, default=1, help="PRNG seed (default 1)")
    ap.add_argument("--output", "-o", default="-", help="output file (default stdout)")
    ap.add_argument("--image", default=IMAGE, help="ArtifactName (default %s)" % IMAGE)
    ap.add_argument("--compact", action="store_true",
                    help="shorter descriptions, fewer references, no indentation (100k findings: about 100 MB)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = args.findings
    os_n = n // 2
    results = [{"Target": "%s (alpine 3.19.1)" % args.image, "Class": "os-pkgs", "Type": "alpine", "Vulnerabilities": []}]
    for i in range(os_n):
        pkg = OS_PKGS[i % len(OS_PKGS)]
        ver = "%s-r%d" % (version(rng), i // len(OS_PKGS))
        purl = "pkg:apk/alpine/%s@%s?arch=x86_64&distro=3.19.1" % (pkg, ver)
        results[0]["Vulnerabilities"].append(vuln(rng, i, pkg, ver, purl, "%s@%s" % (pkg, ver), args.compact))
    lang_results = []
    for typ, target, purl_fmt, names in LANG:
        lang_results.append({"Target": target.format(name=names[0]), "Class": "lang-pkgs", "Type": typ, "Vulnerabilities": []})
    for i in range(os_n, n):
        k = i % len(LANG)
        typ, target, purl_fmt, names = LANG[k]
        name = names[(i // len(LANG)) % len(names)]
        ver = version(rng) + "-b%d" % i
        lang_results[k]["Vulnerabilities"].append(vuln(rng, i, name, ver, purl_fmt.format(name=name, ver=ver), "%s@%s" % (name, ver), args.compact))
    results.extend(r for r in lang_results if r["Vulnerabilities"])
    report = {
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.50.1"},
        "ReportID": "019000000-bench-%d-%d" % (args.seed, n),
        "CreatedAt": "2024-03-01T12:00:00.000000000Z",
        "ArtifactName": args.image,
        "ArtifactType": "container_image",
        "Metadata": {
            "OS": {"Family": "alpine", "Name": "3.19.1"},
            "ImageID": "sha256:%064x" % rng.getrandbits(256),
            "RepoTags": [args.image],
            "RepoDigests": ["registry.example.com/acme/big-app@sha256:%064x" % rng.getrandbits(256)],
        },
        "Results": results,
    }
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    if args.compact:
        json.dump(report, out, separators=(",", ":"))
    else:
        json.dump(report, out, indent=2)
    out.write("\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
