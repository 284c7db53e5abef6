import ArgumentParser
import Foundation
import MXRayAudit
import MXRayAuth
import MXRayDNS
import MXRayInbound

/// `mxray audit`: a domain's inbound posture from DNS, tier by tier.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit domains' inbound mail posture: MX tiers and operators, MTA-STS, TLS-RPT, DANE, SPF, DMARC.",
        discussion: """
            Prints the tiers (preference, host, addresses, operator, role), the architecture pattern and \
            the findings by severity, each with evidence and remediation. --json prints one JSON object \
            per domain per line, as each domain finishes. Exit status: 0 when no finding reaches \
            --fail-on (default high), 1 when one does, 2 when the audit could not run.
            """
    )

    @Argument(help: "Domains to audit.") var domains: [String] = []
    @Option(help: ArgumentHelp("A file with one domain per line (# comments allowed).", valueName: "FILE"))
    var domainsFile: String?
    @OptionGroup var resolverOptions: ResolverOptions
    @Option(help: ArgumentHelp("PEM file of CA certificates to trust for MTA-STS policy hosts.", valueName: "PEM"))
    var caFile: String?
    @Option(
        help: ArgumentHelp(
            "An operator catalog to add to the bundled one (YAML, see `mxray catalog --help`, "
                + "or lines of PATTERN ROLE VENDOR).",
            valueName: "FILE"))
    var catalog: String?
    @Option(
        help: ArgumentHelp(
            "Read the MTA-STS policy from this file instead of fetching it (one domain only): audit a planned policy.",
            valueName: "FILE"))
    var mtaStsPolicy: String?
    @Flag(help: "Open no connections: do not fetch MTA-STS policies.") var offline = false
    @Option(
        help: ArgumentHelp(
            "Port of MTA-STS policy hosts (443; another port is for test servers on loopback).", valueName: "N"))
    var mtaStsPort: Int = 443
    @Option(help: ArgumentHelp("Seconds allowed for each MTA-STS policy fetch.", valueName: "SECONDS"))
    var fetchTimeout: Double = 10
    @Option(help: ArgumentHelp("Domains audited at the same time.", valueName: "N")) var concurrency: Int = 16
    @OptionGroup var dmarcOptions: DMARCOptions
    @Option(
        help: ArgumentHelp(
            "Exit 1 when a finding is at least this severe: \(Severity.spelledOut); `never` for bulk jobs.",
            valueName: "SEVERITY"))
    var failOn: String = "high"
    @Flag(name: .long, help: "Print JSON: one object per domain per line.") var json = false
    @Option(
        help: ArgumentHelp(
            "Also write the report as a self-contained HTML page with the mail-flow picture: to PATH for one "
                + "domain; for several, a page per domain and index.html in the directory PATH.", valueName: "PATH"))
    var html: String?
    @Option(
        help: ArgumentHelp(
            "Audit only share K of N (1-based) of the domains, chosen by a stable hash of each name, so that N "
                + "machines together audit each domain once; K may be `job` to take JOB_COMPLETION_INDEX + 1 "
                + "(a Kubernetes Indexed Job).", valueName: "K/N"))
    var shard: String?
    @Flag(help: "Also probe every MX host over SMTP (see mxray probe) and add its facts and findings.") var probe =
        false
    @Option(
        help: ArgumentHelp(
            "Add findings from the stored DMARC and TLS reports (see mxray reports): a SQLite file or postgres:// URL.",
            valueName: "DB"))
    var reports: String?
    @Option(help: ArgumentHelp("Stored reports considered by --reports: the last N days.", valueName: "DAYS"))
    var reportsDays: Int = 30
    @Option(
        help: ArgumentHelp(
            "With --reports: a DMARC failure share above this (0-1) raises a finding.", valueName: "SHARE"))
    var dmarcFailureThreshold: Double = 0.1
    @Option(
        help: ArgumentHelp(
            "Also store each domain's result in this database (the reports database: a SQLite file or "
                + "postgres:// URL), in the table audit_result.", valueName: "DB"))
    var db: String?
    @Option(
        help: ArgumentHelp(
            "With --db: the run's label, the same on every shard (default: audit-YYYY-MM-DD, UTC).",
            valueName: "LABEL"))
    var dbLabel: String?
    @OptionGroup var probeOptions: ProbeOptions
    @Flag(help: "At the end, print the DNS query outcome counts to standard error.") var dnsStats = false

    /// Domains one task audits in turn at most. A new task allocates about ten blocks for its frames,
    /// past malloc's small-block cache; one that goes on to the next domain reuses them.
    static let domainsPerTask = 8

    func validate() throws {
        guard failOn == "never" || Severity(rawValue: failOn) != nil else {
            throw ValidationError("--fail-on must be \(Severity.spelledOut), or never")
        }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1-10000") }
        guard (1...65535).contains(mtaStsPort) else { throw ValidationError("--mta-sts-port must be 1-65535") }
        guard fetchTimeout > 0 && fetchTimeout <= 120 else {
            throw ValidationError("--fetch-timeout must be in (0, 120] seconds")
        }
        guard (1...3650).contains(reportsDays) else { throw ValidationError("--reports-days must be 1-3650") }
        guard (0...1).contains(dmarcFailureThreshold) else {
            throw ValidationError("--dmarc-failure-threshold must be from 0 to 1")
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard !domains.isEmpty || domainsFile != nil else {
                throw CLIError("no domain to audit: name one, or give --domains-file")
            }
            if mtaStsPolicy != nil && (domains.count != 1 || domainsFile != nil) {
                throw CLIError("--mta-sts-policy applies to one domain named on the command line")
            }
            // Arguments first, then the file, read as the audit goes: memory does not grow with it.
            let file = try domainsFile.map(LineFileReader.init(path:))
            var arguments = domains.makeIterator()
            let share = try shard.map { try Shard(parsing: $0) }
            func nextDomain() throws -> String? {
                while let domain = try arguments.next() ?? file?.next() {
                    if share?.contains(domain) ?? true { return domain }
                }
                return nil
            }
            // The count is known when the domains are all on the command line and none is left out.
            let total: Int? = file == nil && share == nil ? domains.count : nil
            let several = domains.count > 1 || file != nil

            let resolver = try resolverOptions.makeResolver()
            let vendors = try loadCatalog(catalog)
            var fetcher: (any PolicyFetching)?
            if let mtaStsPolicy {
                guard let data = FileManager.default.contents(atPath: mtaStsPolicy) else {
                    throw CLIError("cannot read \(mtaStsPolicy)")
                }
                fetcher = FilePolicyFetcher(text: String(decoding: data, as: UTF8.self), path: mtaStsPolicy)
            } else if !offline {
                if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                    throw CLIError("cannot read --ca-file \(caFile)")
                }
                fetcher = HTTPSPolicyFetcher(
                    resolver: resolver, port: mtaStsPort, caFile: caFile,
                    timeout: .milliseconds(Int64(fetchTimeout * 1000)))
            }
            // One domain at a time, its wait is what the user feels; many at once, the CPU sets the pace.
            let gatherer = FactGatherer(
                resolver: resolver, catalog: vendors, policyFetcher: fetcher, dmarcMode: dmarcOptions.mode,
                overlapping: !several || concurrency == 1)
            if probe && offline {
                throw CLIError("--probe opens SMTP connections; it cannot be combined with --offline")
            }
            let prober = probe ? probeOptions.prober(caFile: caFile, now: Int64(Date().timeIntervalSince1970)) : nil
            let auditor = Auditor(gatherer: gatherer, prober: prober)
            let feedback: AuditReportsFindings? =
                if let reports { try await AuditReportsFindings.open(reports, days: reportsDays) } else { nil }
            let results: AuditResultsWriter? =
                if let db { try await AuditResultsWriter.open(db, label: dbLabel) } else { nil }
            let threshold = Severity(rawValue: failOn)
            let pages = try html.map { try HTMLAuditWriter(path: $0, several: several) }
            let showProgress = !json && several && isatty(STDERR_FILENO) != 0
            var reached = false
            var done = 0
            func emit(_ report: AuditReport) async throws {
                done += 1
                if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                let line = json || results != nil ? ((try? compactJSON(report)) ?? "{}") : ""
                try await results?.add(report, json: line)
                if json {
                    print(line)
                } else {
                    print(AuditText.render(report, failOn: threshold))
                    if several { print("") }
                }
                try pages?.write(report)
                if let s = report.highestSeverity, let threshold, s >= threshold { reached = true }
                if showProgress {
                    FileHandle.standardError.write(Data("audited \(done)\(total.map { "/\($0)" } ?? "")".utf8))
                }
            }
            // Bounded concurrency: each task audits up to `domainsPerTask` domains in turn, taking the next
            // only when it is ready for it, and hands their reports back together; each is printed as
            // soon as its task ends, then dropped.
            let failureShare = dmarcFailureThreshold
            let source = SharedSource(nextDomain)
            try await runBounded(width: concurrency, inOrder: false, next: { source.isFinished ? nil : () }) { _ in
                var reports: [AuditReport] = []
                while reports.count < Self.domainsPerTask, let domain = source.next() {
                    var report = await auditor.audit(domain)
                    if let feedback { await feedback.add(to: &report, threshold: failureShare) }
                    reports.append(report)
                }
                return reports
            } emit: { reports in
                for report in reports { try await emit(report) }
            }
            try source.check()
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            try pages?.finish()
            try await results?.finish()
            await feedback?.close()
            if let stub = resolver as? StubResolverShutdown {
                if dnsStats { printToStandardError(await stub.statistics().summary) }
                await stub.shutdownResolver()
            }
            if reached { throw ExitCode(1) }
        }
    }
}

func compactJSON<T: Encodable>(_ value: T) throws -> String {
    try FastJSONEncoder().encode(value)
}

/// One share of a domain list for `--shard K/N`: a domain belongs to share `hash(name) mod N + 1`,
/// with FNV-1a over the lower-cased name, so the split is the same on every machine and every run.
struct Shard {
    var index: Int
    var count: Int

    init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let n = Int(parts[1]), (1...100_000).contains(n) else {
            throw CLIError("--shard must be K/N with N from 1 to 100000")
        }
        var k: Int
        if parts[0] == "job" {
            guard let job = ProcessInfo.processInfo.environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) else {
                throw CLIError("--shard job/N needs JOB_COMPLETION_INDEX in the environment")
            }
            k = job + 1
        } else {
            guard let given = Int(parts[0]) else { throw CLIError("--shard \(text): K is not a number") }
            k = given
        }
        guard (1...n).contains(k) else { throw CLIError("--shard \(text): K must be 1 to \(n)") }
        index = k
        count = n
    }

    func contains(_ domain: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var name = domain.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count)) + 1 == index
    }
}
