#!/usr/bin/env python3
"""How far mxray and parsedmarc (PyPI) agree on the same report files.

    Scripts/parsedmarc_agreement.py MXRAY_BINARY FILE...

Each file is read by `mxray reports parse` and by parsedmarc.parse_report_file(offline=True).
Prints one JSON object: the files both read, those they read alike (reporter, report id, domain,
period, and every record's source, count, disposition and aligned results; for TLS reports every
policy's counts and failures), the differences, and the files only one of them read, with the
other's reason."""
import calendar, json, os, subprocess, sys, time

import parsedmarc


def utc(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


def ours(binary, path):
    run = subprocess.run([binary, "reports", "parse", path], capture_output=True, text=True, timeout=60)
    if run.returncode != 0 or not run.stdout.strip():
        return None, run.stderr.strip().split("\n")[-1]
    return json.loads(run.stdout.splitlines()[0]), None


def totals(rows):
    """Messages per (source, disposition, aligned DKIM, aligned SPF): parsedmarc splits a report that
    spans several days into daily shares, so rows are compared by their sums."""
    out = {}
    for ip, count, *rest in rows:
        out[(ip, *rest)] = out.get((ip, *rest), 0) + count
    return sorted(out.items())


def dmarc_view(r):
    # parsedmarc's own normalisations, applied to ours before comparing: the reporter's name in
    # lower case (and a domain-like name cut to its base domain), the report id before any "@".
    return {
        "org": r["orgName"].lower(), "id": r["reportID"].split("@")[0], "domain": r["published"]["domain"],
        "begin": r["begin"],
        "records": totals((x["sourceIP"], x["count"], x["disposition"], x["dkimAligned"], x["spfAligned"])
                          for x in r["records"]),
    }


def parsedmarc_dmarc_view(r):
    m = r["report_metadata"]
    return {
        "org": m["org_name"].lower(), "id": m["report_id"], "domain": r["policy_published"]["domain"].lower(),
        "begin": utc(m["begin_date"]),
        "records": totals((x["source"]["ip_address"], x["count"], (x["policy_evaluated"]["disposition"] or ""),
                           (x["policy_evaluated"]["dkim"] or ""), (x["policy_evaluated"]["spf"] or ""))
                          for x in r["records"]),
    }


def tls_view(r):
    return {
        "org": r["orgName"], "id": r["reportID"],
        "policies": sorted((p["domain"], p["type"], p["successCount"], p["failureCount"],
                            sorted((f["resultType"], f["sessionCount"]) for f in p["failures"]))
                           for p in r["policies"]),
    }


def parsedmarc_tls_view(r):
    return {
        "org": r["organization_name"], "id": r["report_id"],
        "policies": sorted((p["policy_domain"].lower(), p["policy_type"], p["successful_session_count"],
                            p["failed_session_count"],
                            sorted((f["result_type"].lower(), f["failed_session_count"])
                                   for f in p.get("failure_details", [])))
                           for p in r["policies"]),
    }


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    out = {"files": len(files), "both": 0, "agree": 0, "differ": [], "only_mxray": [], "only_parsedmarc": [],
           "neither": []}
    for path in files:
        name = os.path.basename(path)
        mine, my_error = ours(binary, path)
        try:
            theirs, their_error = parsedmarc.parse_report_file(path, offline=True), None
        except Exception as e:  # parsedmarc raises its own errors for malformed reports
            theirs, their_error = None, str(e)[:160]
        if mine is None and theirs is None:
            out["neither"].append(name)
            continue
        if mine is None:
            out["only_parsedmarc"].append({"file": name, "mxray": my_error})
            continue
        if theirs is None:
            out["only_mxray"].append({"file": name, "parsedmarc": their_error})
            continue
        out["both"] += 1
        if "dmarc" in mine and theirs["report_type"] == "aggregate":
            a, b = dmarc_view(mine["dmarc"]), parsedmarc_dmarc_view(theirs["report"])
        elif "tls" in mine and theirs["report_type"] == "smtp_tls":
            a, b = tls_view(mine["tls"]), parsedmarc_tls_view(theirs["report"])
        else:
            out["differ"].append({"file": name, "fields": ["report type"]})
            continue
        fields = [k for k in a if a[k] != b.get(k)
                  and not (k == "org" and "." in a[k] and a[k].endswith("." + str(b.get(k))))]
        if fields:
            out["differ"].append({"file": name, "fields": fields, "mxray": {k: a[k] for k in fields},
                                  "parsedmarc": {k: b[k] for k in fields}})
        else:
            out["agree"] += 1
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
