#!/usr/bin/env python3
"""Writes the example reports in Examples/reports/ (run once; the output is committed).

The reports are for example.com of Examples/cold-backup.zone, as Google, Yahoo and Microsoft send
them: a DMARC aggregate report gzipped, one zipped, and a TLS report (gzip) attached to a message.
Addresses are from the documentation ranges of RFC 5737 and RFC 3849."""
import base64, gzip, io, json, sys, zipfile

out = sys.argv[1] if len(sys.argv) > 1 else "Examples/reports"
BEGIN, END = 1795737600, 1795823999  # 2026-11-27, UTC


def record(ip, count, disposition, dkim, spf, dkim_results, spf_results, reasons=()):
    x = ["  <record>", "    <row>", f"      <source_ip>{ip}</source_ip>", f"      <count>{count}</count>",
         "      <policy_evaluated>", f"        <disposition>{disposition}</disposition>",
         f"        <dkim>{dkim}</dkim>", f"        <spf>{spf}</spf>"]
    for t, c in reasons:
        x += ["        <reason>", f"          <type>{t}</type>", f"          <comment>{c}</comment>", "        </reason>"]
    x += ["      </policy_evaluated>", "    </row>", "    <identifiers>",
          "      <header_from>example.com</header_from>", "    </identifiers>", "    <auth_results>"]
    for d, s, r in dkim_results:
        x += ["      <dkim>", f"        <domain>{d}</domain>", f"        <selector>{s}</selector>",
              f"        <result>{r}</result>", "      </dkim>"]
    for d, r in spf_results:
        x += ["      <spf>", f"        <domain>{d}</domain>", f"        <result>{r}</result>", "      </spf>"]
    return x + ["    </auth_results>", "  </record>"]


def feedback(org, email, report_id, records):
    x = ['<?xml version="1.0" encoding="UTF-8" ?>', "<feedback>", "  <report_metadata>",
         f"    <org_name>{org}</org_name>", f"    <email>{email}</email>", f"    <report_id>{report_id}</report_id>",
         "    <date_range>", f"      <begin>{BEGIN}</begin>", f"      <end>{END}</end>", "    </date_range>",
         "  </report_metadata>", "  <policy_published>", "    <domain>example.com</domain>",
         "    <adkim>r</adkim>", "    <aspf>r</aspf>", "    <p>quarantine</p>", "    <sp>quarantine</sp>",
         "    <pct>100</pct>", "  </policy_published>"]
    for r in records:
        x += r
    return ("\n".join(x + ["</feedback>"]) + "\n").encode()


google = feedback("google.com", "noreply-dmarc-support@google.com", "11782394512094511873", [
    record("203.0.113.30", 1180, "none", "pass", "pass", [("example.com", "rsa2026", "pass")],
           [("example.com", "pass")]),
    record("198.51.100.40", 240, "none", "pass", "pass", [("example.com", "ed2026", "pass")],
           [("example.com", "pass")]),
    record("192.0.2.140", 12, "none", "fail", "fail", [("lists.example.org", "s1", "pass")],
           [("lists.example.org", "pass")], [("local_policy", "arc=pass as[2].d=lists.example.org cv=pass")]),
    record("192.0.2.66", 37, "quarantine", "fail", "fail", [], [("lookalike.example", "softfail")]),
])
with open(f"{out}/google.com!example.com!{BEGIN}!{END}.xml.gz", "wb") as f:
    f.write(gzip.compress(google, mtime=0))

yahoo = feedback("Yahoo", "dmarchelp@yahooinc.com", "1795823999.418262", [
    record("203.0.113.31", 310, "none", "pass", "pass", [("example.com", "rsa2026", "pass")],
           [("example.com", "pass")]),
    record("192.0.2.66", 9, "quarantine", "fail", "fail", [], [("lookalike.example", "fail")]),
])
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo(f"yahoo.com!example.com!{BEGIN}!{END}.xml", date_time=(2026, 11, 28, 0, 0, 0))
    z.writestr(info, yahoo, zipfile.ZIP_DEFLATED)
with open(f"{out}/yahoo.com!example.com!{BEGIN}!{END}.zip", "wb") as f:
    f.write(buffer.getvalue())

tls = {
    "organization-name": "Microsoft Corporation",
    "date-range": {"start-datetime": "2026-11-27T00:00:00Z", "end-datetime": "2026-11-27T23:59:59Z"},
    "contact-info": "tlsrpt-noreply@microsoft.com",
    "report-id": "134089632000000000+example.com",
    "policies": [{
        "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce",
                   "mx: eu-smtp-inbound-1.mimecast.com", "mx: eu-smtp-inbound-2.mimecast.com", "max_age: 604800"],
                   "policy-domain": "example.com",
                   "mx-host": ["eu-smtp-inbound-1.mimecast.com", "eu-smtp-inbound-2.mimecast.com"]},
        "summary": {"total-successful-session-count": 1412, "total-failure-session-count": 58},
        "failure-details": [
            {"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:4::25",
             "receiving-mx-hostname": "eu-smtp-inbound-2.mimecast.com", "receiving-ip": "198.51.100.12",
             "failed-session-count": 51},
            {"result-type": "validation-failure", "sending-mta-ip": "2001:db8:4::26",
             "receiving-mx-hostname": "example-com.mail.protection.outlook.com", "receiving-ip": "203.0.113.25",
             "failed-session-count": 7, "failure-reason-code": "MX host not listed in the MTA-STS policy"},
        ]}]}
attachment = base64.encodebytes(gzip.compress(json.dumps(tls, indent=1).encode(), mtime=0)).decode()
message = f"""From: TLS Reports <tlsrpt-noreply@microsoft.com>\r
To: tls-reports@example.com\r
Subject: Report Domain: example.com Submitter: microsoft.com Report-ID: <134089632000000000+example.com>\r
Date: Sat, 28 Nov 2026 04:12:09 +0000\r
TLS-Report-Domain: example.com\r
TLS-Report-Submitter: microsoft.com\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type="tlsrpt"; boundary="tlsrpt-boundary-1"\r
\r
--tlsrpt-boundary-1\r
Content-Type: text/plain; charset="us-ascii"\r
\r
This is an aggregate TLS report from microsoft.com (RFC 8460).\r
--tlsrpt-boundary-1\r
Content-Type: application/tlsrpt+gzip; name="microsoft.com!example.com!{BEGIN}!{END}.json.gz"\r
Content-Disposition: attachment; filename="microsoft.com!example.com!{BEGIN}!{END}.json.gz"\r
Content-Transfer-Encoding: base64\r
\r
{attachment.replace(chr(10), chr(13) + chr(10))}--tlsrpt-boundary-1--\r
"""
with open(f"{out}/tls-report-microsoft.eml", "wb") as f:
    f.write(message.encode())
