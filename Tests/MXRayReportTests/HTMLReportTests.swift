import Foundation
import MXRayAudit
import MXRayDNS
import MXRayInbound
import MXRayMessage
import MXRayProbe
import MXRayTrace
import Testing

@testable import MXRayReport

let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Examples")

func exampleText(_ name: String) throws -> String {
    try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
}

func zoneResolver(_ texts: [String]) throws -> ZoneResolver {
    ZoneResolver(zones: try texts.map { try ZoneFile(parsing: Array($0.utf8)) })
}

func auditReport(_ domain: String, zones: [String], policy: String? = nil) async throws -> AuditReport {
    let fetcher = policy.map { FilePolicyFetcher(text: $0, path: "policy") }
    let gatherer = FactGatherer(resolver: try zoneResolver(zones), policyFetcher: fetcher)
    return await Auditor(gatherer: gatherer).audit(domain)
}

/// Reads the page's structure back: the data attributes the templates write on every box, arrow
/// and badge.
struct PageStructure {
    let html: String

    func count(_ needle: String) -> Int { html.components(separatedBy: needle).count - 1 }
    func arrows(_ kind: String, from: String? = nil, to: String? = nil) -> Int {
        var needle = "data-arrow=\"\(kind)\""
        if let from { needle += " data-from=\"\(from)\"" } else { return count(needle) }
        if let to { needle += " data-to=\"\(to)\"" }
        return count(needle)
    }
    func box(_ id: String) -> String? {
        guard let start = html.range(of: "data-box=\"\(id)\"") else { return nil }
        let end = html.range(of: "</g>\n</g>", range: start.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
        let open = html[..<start.lowerBound].range(of: "<g class=", options: .backwards)?.lowerBound ?? start.lowerBound
        return String(html[open..<end])
    }
}

@Suite struct AuditPageTests {
    let pages = try! HTMLReport.bundled.get()

    @Test func coldBackupDrawsTheBypassAndTheAttacker() async throws {
        let report = try await auditReport("example.com", zones: [try exampleText("cold-backup.zone")])
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        #expect(page.count("data-tier=\"10\"") == 2 && page.count("data-tier=\"100\"") == 1)
        #expect(page.count("data-kind=\"gateway\"") == 2 && page.count("data-kind=\"mailbox\"") == 1)
        // Senders reach the gateways the normal way, the backup as a bypass; the gateways relay.
        #expect(page.arrows("normal", from: "senders") == 2)
        #expect(page.arrows("bypass", from: "senders", to: "host-100-0") == 1)
        #expect(page.arrows("normal", from: "host-10-0", to: "mailboxes") == 1)
        #expect(page.arrows("bypass", from: "host-100-0", to: "mailboxes") == 1)
        #expect(page.arrows("attacker", from: "attacker", to: "host-100-0") == 1)
        #expect(page.arrows("failover") == 0 && page.box("endpoint") == nil)
        #expect(page.box("mailboxes")?.contains(">Microsoft 365<") == true)
        #expect(page.html.contains("data-banner=\"critical\""))
        #expect(page.html.contains("data-finding=\"backup-mx-bypasses-gateway\""))
        // No policy was fetched: coverage is absent, not failed.
        #expect(page.count("data-badge=\"MTA-STS –\"") == 3 && page.count("data-badge=\"MTA-STS ✗\"") == 0)
        // Self-contained: no scripts, no fetches (the SVG namespace is a name, not a fetch).
        for fetch in ["<script", "src=", "<link", "url(http", "@import"] { #expect(!page.html.contains(fetch)) }
    }

    @Test func partialPolicyMarksTheUncoveredTier() async throws {
        let report = try await auditReport(
            "example.org", zones: [try exampleText("two-vendors-partial-mta-sts.zone")],
            policy: try exampleText("two-vendors-partial-mta-sts.policy.txt"))
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        let covered = report.facts.hosts.filter { $0.coveredByMTASTS == true }.count
        let uncovered = report.facts.hosts.filter { $0.coveredByMTASTS == false }.count
        #expect(covered > 0 && uncovered > 0)
        #expect(page.count("data-badge=\"MTA-STS ✓\"") == covered)
        #expect(page.count("data-badge=\"MTA-STS ✗\"") == uncovered)
        // Two gateway vendors: a failover tier that still passes a gateway, and no bypass.
        #expect(page.arrows("failover") > 0 && page.arrows("bypass") == 0 && page.arrows("attacker") == 0)
        #expect(page.box("attacker") == nil)
        #expect(page.html.contains("data-finding=\"mta-sts-mx-not-covered\""))
    }

    @Test func healthyActiveActiveHasOneTierAndNoDanger() async throws {
        let report = try await auditReport(
            "example.net", zones: [try exampleText("healthy-two-vendor.zone")],
            policy: try exampleText("healthy-two-vendor.policy.txt"))
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        #expect(report.facts.tiers.count == 1)
        #expect(page.arrows("normal", from: "senders") == report.facts.hosts.count)
        #expect(page.arrows("failover") == 0 && page.arrows("bypass") == 0 && page.arrows("attacker") == 0)
        #expect(page.count("data-badge=\"MTA-STS ✓\"") == report.facts.hosts.count)
    }

    @Test func directEndpointOutsideTheMXGetsTheAttackerPath() async throws {
        let zone = """
            $ORIGIN example.com.
            @ SOA ns hm 1 1 1 1 60
            @ MX 10 eu-smtp-inbound-1.mimecast.com.
            @ TXT "v=spf1 include:spf.protection.outlook.com -all"
            @ TXT "MS=ms12345678"
            eu-smtp-inbound-1.mimecast.com. A 198.51.100.11
            example-com.mail.protection.outlook.com. A 203.0.113.25
            spf.protection.outlook.com. TXT "v=spf1 ip4:203.0.113.0/24 -all"
            """
        let report = try await auditReport("example.com", zones: [zone])
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        let endpoint = try #require(page.box("endpoint"))
        #expect(endpoint.contains("example-com.mail.protection.outlook.com") || endpoint.contains("example-com."))
        #expect(page.arrows("attacker", from: "attacker", to: "endpoint") == 1)
        #expect(page.arrows("bypass", from: "endpoint", to: "mailboxes") == 1)
        #expect(page.arrows("bypass", from: "senders") == 0)
    }

    @Test func nullMXDrawsNoArrows() async throws {
        let zone = "$ORIGIN example.com.\n@ SOA ns hm 1 1 1 1 60\n@ MX 0 .\n"
        let report = try await auditReport("example.com", zones: [zone])
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        #expect(page.box("no-mx")?.contains("Null MX") == true)
        #expect(page.count("data-arrow=") == 0)
    }

    @Test func whatTheZoneSaysIsEscaped() async throws {
        let zone = """
            $ORIGIN example.com.
            @ SOA ns hm 1 1 1 1 60
            @ MX 10 mx.example.com.
            mx A 192.0.2.1
            _dmarc TXT "v=DMARC1; p=none; rua=mailto:<script>alert(1)</script>@example.com"
            """
        let report = try await auditReport("example.com", zones: [zone])
        let html = try pages.audit(report, generated: "<b>")
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;") && !html.contains("<b>"))
    }

    @Test func probeResultsBecomeBadgesAndAGrid() async throws {
        var report = try await auditReport("example.com", zones: [try exampleText("cold-backup.zone")])
        let json = """
            {"domain":"example.com","hosts":[],"findings":[],"matrix":[
             {"tier":10,"host":"eu-smtp-inbound-1.mimecast.com","address":"198.51.100.11",
              "values":{"reachable":"yes","STARTTLS":"yes","TLS 1.2+":"yes","cert valid for name":"no",
                        "recipient accepted":"deferred"}}]}
            """
        report.probe = try JSONDecoder().decode(ProbeReport.self, from: Data(json.utf8))
        let page = PageStructure(html: try pages.audit(report, generated: "test"))
        let host = try #require(page.box("host-10-0"))
        #expect(host.contains("data-badge=\"SMTP ✓\"") && host.contains("data-badge=\"TLS ✓\""))
        #expect(host.contains("data-badge=\"cert ✗\"") && host.contains("data-badge=\"RCPT ↻\""))
        #expect(page.box("host-10-1")?.contains("data-badge=\"not probed\"") == true)
        #expect(page.html.contains("id=\"parity\"") && page.count("class=\"cell-bad\"") == 1)
    }

    @Test func indexLinksEveryPageAndFileNamesStayInTheDirectory() async throws {
        let report = try await auditReport("example.com", zones: [try exampleText("cold-backup.zone")])
        let html =
            try pages.indexHead(generated: "t") + pages.indexRow(report, file: HTMLReport.fileName(for: report.domain))
            + pages.indexTail(count: 1)
        #expect(html.contains("<a href=\"example.com.html\">example.com</a>") && html.hasSuffix("</html>\n"))
        #expect(HTMLReport.fileName(for: "../../etc/passwd") == "_.._etc_passwd.html")
        #expect(HTMLReport.fileName(for: "index") == "_index.html")
        #expect(HTMLReport.fileName(for: "a/b") == "a_b.html")
    }
}

@Suite struct FlowLayoutTests {
    @Test func boxesNeverOverlapAndStayInside() async throws {
        for (domain, file) in [
            ("example.com", "cold-backup.zone"), ("example.org", "two-vendors-partial-mta-sts.zone"),
            ("example.net", "healthy-two-vendor.zone"),
        ] {
            let report = try await auditReport(domain, zones: [try exampleText(file)])
            let picture = FlowPicture(AuditPage.flowFacts(report))
            let boxes = picture.boxes.filter { $0.kind != "mailboxes" }
            for (i, a) in boxes.enumerated() {
                #expect(a.x >= 0 && a.y >= 0 && a.right <= picture.width && a.y + a.height <= picture.height)
                for b in boxes[(i + 1)...] {
                    let apart =
                        a.right <= b.x || b.right <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y
                    #expect(apart, "\(file): \(a.id) overlaps \(b.id)")
                }
                for badge in a.badges {
                    #expect(badge.x + badge.width <= a.right && badge.y + 17 <= a.y + a.height, "\(a.id) \(badge.text)")
                }
            }
            let ids = Set(picture.boxes.map(\.id))
            #expect(picture.arrows.allSatisfy { ids.contains($0.from) && ids.contains($0.to) })
        }
    }

    @Test func hostNamesWrapAtDotsAndJoinBack() {
        for name in [
            "example-com.mail.protection.outlook.com", "a.b", "x", "averyveryveryveryverylonglabelwithoutdots.example",
            "",
        ] {
            let lines = wrapHostName(name, width: 12)
            #expect(lines.joined() == name)
            #expect(lines.allSatisfy { $0.count <= 12 })
        }
        #expect(wrapHostName("eu-smtp-inbound-1.mimecast.com", width: 20) == ["eu-smtp-inbound-1.", "mimecast.com"])
    }
}

@Suite struct TracePageTests {
    let pages = try! HTMLReport.bundled.get()
    static let now: Int64 = 1_795_943_000

    func trace(_ text: String) async throws -> (TraceReport, PageStructure) {
        let tracer = PathTracer(resolver: try zoneResolver([try exampleText("cold-backup.zone")]), now: Self.now)
        let report = await tracer.trace(try Message(bytes: Array(text.utf8)), recipientDomain: "example.com")
        return (report, PageStructure(html: try pages.trace(report, source: "test.eml", generated: "test")))
    }

    @Test func bypassingMessageEntersAtTheMailboxTier() async throws {
        let (report, page) = try await trace(try exampleText("received-bypass.eml"))
        #expect(report.verdict == .bypassedGateway)
        #expect(page.arrows("message", from: "senders", to: "host-100-0") == 1)
        #expect(page.box("host-100-0")?.contains("box-mailbox entry") == true)
        #expect(page.box("host-100-0")?.contains("hop 1 ← entry") == true)
        #expect(page.html.contains("data-banner=\"critical\"") && page.html.contains("class=\"hop-entry\""))
        #expect(page.box("senders")?.contains("192.0.2.66") == true)
    }

    @Test func messageThroughTheGatewayEntersAtTierTen() async throws {
        let message = """
            Received: from eu-smtp-inbound-1.mimecast.com (eu-smtp-inbound-1.mimecast.com [198.51.100.11])
             by DB5EUR01FT044.mail.protection.outlook.com with ESMTPS id 2; Thu, 26 Nov 2026 10:00:02 +0000
            Received: from mail.sender.example (mail.sender.example [192.0.2.10])
             by eu-smtp-inbound-1.mimecast.com with ESMTPS id 1; Thu, 26 Nov 2026 10:00:00 +0000
            From: a@sender.example
            To: b@example.com
            Subject: hi

            hello

            """.replacingOccurrences(of: "\n", with: "\r\n")
        let (report, page) = try await trace(message)
        #expect(report.verdict == .viaPrimaryTier)
        #expect(page.arrows("message", from: "senders", to: "host-10-0") == 1)
        #expect(page.box("host-10-0")?.contains(" entry\"") == true)
        #expect(page.box("host-100-0")?.contains(" entry\"") == false)
        #expect(page.html.contains("data-banner=\"ok\""))
    }
}
