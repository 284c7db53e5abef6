import ArgumentParser
import Foundation
import MXRayDNS
import MXRayFeedback
import MXRayInbound

/// `mxray reports`: DMARC aggregate and TLS-RPT reports, ingested into a database and viewed.
struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Ingest DMARC aggregate (RFC 7489) and SMTP TLS (RFC 8460) reports, and view them by MX tier.",
        discussion: """
            Reports are stored in SQLite (--db FILE; by default $MXRAY_REPORTS_DB, else \
            ~/.local/share/mxray/reports.sqlite) or PostgreSQL (--db postgres://user@host/db). The same \
            report (reporter and report id) is stored once; a report that cannot be read is kept aside in \
            the database with the reason.
            """,
        subcommands: [
            ReportsIngestCommand.self, ReportsSummaryCommand.self, ReportsTLSCommand.self, ReportsParseCommand.self,
        ]
    )
}

/// The database every reports command opens.
struct ReportsDatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "SQLite file or postgres:// URL (default: $MXRAY_REPORTS_DB or ~/.local/share/mxray/reports.sqlite).",
            valueName: "DB"))
    var db: String?

    var location: String { db ?? ReportDatabases.defaultLocation(environment: ProcessInfo.processInfo.environment) }

    func open() async throws -> any ReportDatabase {
        do { return try await ReportDatabases.open(location) } catch let error as ReportDatabaseError {
            throw CLIError(error.description)
        }
    }

    /// Runs `body` with the database open, and closes it however `body` ends.
    func with<T>(_ body: (any ReportDatabase) async throws -> T) async throws -> T {
        let db = try await open()
        do {
            let result = try await body(db)
            try? await db.close()
            return result
        } catch {
            try? await db.close()
            throw error
        }
    }
}

/// The window and format options of the views.
struct ReportsViewOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only this domain.", valueName: "DOMAIN")) var domain: String?
    @Option(
        help: ArgumentHelp("Reports whose period begins on or after this day (YYYY-MM-DD, or 30d).", valueName: "DAY"))
    var since: String?
    @Option(help: ArgumentHelp("Reports whose period begins before this day (YYYY-MM-DD, or 0d).", valueName: "DAY"))
    var until: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV with a header row.") var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
    }

    func window() throws -> ReportWindow {
        let now = Int64(Date().timeIntervalSince1970)
        func day(_ text: String?, _ name: String) throws -> Int64? {
            guard let text else { return nil }
            guard let v = ReportDates.parse(text, now: now) else {
                throw CLIError("--\(name) \(text): give YYYY-MM-DD or a number of days such as 30d")
            }
            return v
        }
        return ReportWindow(
            since: try day(since, "since") ?? 0, until: try day(until, "until") ?? Int64.max / 2, domain: domain)
    }
}

struct ReportsIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store the reports found in files, messages, Maildir and mbox folders, or standard input.",
        discussion: """
            SOURCE is a report (.xml, .json, gzip or zip), a message carrying reports as attachments \
            (.eml; base64 or quoted-printable), an mbox file, a Maildir or any directory (read \
            recursively), or - for standard input (for Postfix's pipe transport). Exit status: 0 when \
            every input was stored or kept aside, 1 when an input could not be read, 75 (EX_TEMPFAIL: \
            the MTA retries) when the database failed, so nothing is acknowledged that was not stored.
            """
    )

    @Argument(help: ArgumentHelp("Files, folders, or - for standard input.", valueName: "SOURCE"))
    var sources: [String] = []
    @OptionGroup var database: ReportsDatabaseOptions
    @Flag(help: "Print what became of each report as a JSON line, and the totals as JSON.") var json = false
    @Flag(name: .shortAndLong, help: "Print one line per report found.") var verbose = false
    @Option(help: ArgumentHelp("Inputs parsed together and stored in one transaction.", valueName: "N"))
    var batch: Int = 256
    @OptionGroup var imapOptions: IMAPOptions

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1-10000") }
    }

    func run() async throws {
        try await reportingErrors {
            guard !sources.isEmpty || imapOptions.imap != nil else {
                throw CLIError("nothing to ingest: name files, folders or -, or give --imap HOST")
            }
            let imapSource = try imapOptions.source()
            let db: any ReportDatabase
            do { db = try await database.open() } catch let error as CLIError {
                // Not stored, so not acknowledged: a pipe transport keeps the message and retries.
                printToStandardError("error: \(error)")
                throw ExitCode(75)
            }
            let ingester = ReportIngester(store: ReportStore(db: db), batchSize: batch)
            var summary = IngestSummary()
            let show: (IngestEvent) -> Void = { event in
                if json {
                    print((try? compactJSON(event)) ?? "{}")
                } else if verbose || event.result == .unreadable || event.result == .keptAside {
                    print(ReportsText.event(event))
                }
            }
            do {
                if !sources.isEmpty { summary = try await ingester.ingest(PathInputs(paths: sources), onEvent: show) }
                if let imapSource {
                    do {
                        summary.add(try await imapSource.ingest(with: ingester, onEvent: show))
                    } catch let error as IMAPError {
                        try? await db.close()
                        printToStandardError("error: IMAP: \(error)")
                        throw ExitCode(75)
                    }
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                try? await db.close()
                printToStandardError("error: the reports database failed: \(error)")
                throw ExitCode(75)
            }
            try? await db.close()
            if json {
                print(try compactJSON(summary))
            } else {
                print(ReportsText.summary(summary, location: database.location))
            }
            if summary.unreadable > 0 { throw ExitCode(1) }
        }
    }
}

struct ReportsSummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "DMARC per domain and period: volume, pass rate, alignment, policy applied, failing sources.",
        discussion: """
            Failing sources are named by their reverse DNS name and, when the operator catalog knows it, \
            the vendor (--no-names skips the lookups).
            """
    )

    @OptionGroup var database: ReportsDatabaseOptions
    @OptionGroup var view: ReportsViewOptions
    @Option(help: ArgumentHelp("Group by day, week, or all (one row per domain).", valueName: "PERIOD"))
    var period: String = "all"
    @Option(help: ArgumentHelp("Failing sources listed per row.", valueName: "N")) var top: Int = 5
    @Flag(help: "Do not look up the failing sources' reverse names.") var noNames = false
    @OptionGroup var resolverOptions: ResolverOptions

    func validate() throws {
        guard PeriodGrouping(rawValue: period) != nil else {
            throw ValidationError("--period must be day, week or all")
        }
        guard (0...100).contains(top) else { throw ValidationError("--top must be 0-100") }
    }

    func run() async throws {
        try await reportingErrors {
            let window = try view.window()
            var rows = try await database.with { db in
                try await ReportQueries(db: db).dmarcSummary(
                    window, period: PeriodGrouping(rawValue: period)!, topSources: top)
            }
            if !noNames {
                let resolver = try resolverOptions.makeResolver()
                let namer = SourceNamer(resolver: resolver)
                // A source failing in several periods is looked up once.
                var names: [String: FailingSource] = [:]
                for i in rows.indices {
                    for j in rows[i].topFailingSources.indices {
                        let source = rows[i].topFailingSources[j]
                        var named = names[source.sourceIP]
                        if named == nil { named = await namer.name(source) }
                        names[source.sourceIP] = named
                        rows[i].topFailingSources[j].reverseName = named?.reverseName
                        rows[i].topFailingSources[j].vendor = named?.vendor
                    }
                }
                if let stub = resolver as? StubResolverShutdown { await stub.shutdownResolver() }
            }
            if view.json {
                print(try renderJSON(rows))
            } else if view.csv {
                print(ReportsText.summaryCSV(rows), terminator: "")
            } else {
                print(ReportsText.summary(rows))
            }
        }
    }
}

struct ReportsTLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "TLS-RPT failures by result type per receiving MX host, placed on the domain's current MX tiers.",
        discussion: """
            The tiers come from the domain's MX records now (--nameserver or --zone as for audit; \
            --no-tiers skips the lookups). A host no MX record names any more shows as `not in MX`.
            """
    )

    @OptionGroup var database: ReportsDatabaseOptions
    @OptionGroup var view: ReportsViewOptions
    @Flag(help: "Do not look up the domains' MX tiers.") var noTiers = false
    @OptionGroup var resolverOptions: ResolverOptions

    func run() async throws {
        try await reportingErrors {
            let window = try view.window()
            var (rows, totals) = try await database.with { db in
                let queries = ReportQueries(db: db)
                return (try await queries.tlsFailures(window), try await queries.tlsTotals(window))
            }
            if !noTiers {
                let resolver = try resolverOptions.makeResolver()
                let gatherer = MXTierGatherer(resolver: resolver)
                var placed: [TLSFailureRow] = []
                for domain in Set(rows.map(\.domain)).sorted() {
                    let tiers = await gatherer.gather(domain)
                    placed += TierPlacement.place(rows.filter { $0.domain == domain }, tiers: tiers)
                }
                rows = placed
                if let stub = resolver as? StubResolverShutdown { await stub.shutdownResolver() }
            }
            if view.json {
                print(try renderJSON(TLSView(totals: totals, failures: rows)))
            } else if view.csv {
                print(ReportsText.tlsCSV(rows), terminator: "")
            } else {
                print(ReportsText.tls(totals: totals, failures: rows))
            }
        }
    }

    struct TLSView: Encodable {
        var totals: [TLSPolicyTotals]
        var failures: [TLSFailureRow]
    }
}

struct ReportsParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print the reports found in files, messages or folders as JSON lines, without storing them.",
        discussion:
            "Exit status: 0 when every part was read, 1 when a part could not be (its reason on standard error)."
    )

    @Argument(help: ArgumentHelp("Files, folders, or - for standard input.", valueName: "SOURCE"))
    var sources: [String] = []

    func run() async throws {
        try await reportingErrors {
            guard !sources.isEmpty else { throw CLIError("nothing to parse: name files, folders or -") }
            var failed = false
            for item in PathInputs(paths: sources) {
                switch item {
                case .unreadable(let source, let reason):
                    printToStandardError("\(source): \(reason)")
                    failed = true
                case .input(let input):
                    for found in ReportUnpacker.reports(in: input.bytes, name: input.source) {
                        switch found.outcome {
                        case .success(.dmarc(let r)): print(try compactJSON(ParsedReport(part: found.part, dmarc: r)))
                        case .success(.tls(let r)): print(try compactJSON(ParsedReport(part: found.part, tls: r)))
                        case .failure(let error):
                            printToStandardError("\(found.part): \(error.description)")
                            failed = true
                        }
                    }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct ParsedReport: Encodable {
        var part: String
        var dmarc: DMARCAggregateReport?
        var tls: TLSReport?
    }
}

/// `--imap`: report messages from a mailbox over TLS; the password never on the command line.
struct IMAPOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also read report messages from this IMAP server over TLS.", valueName: "HOST[:PORT]"))
    var imap: String?
    @Option(help: ArgumentHelp("IMAP user (else $MXRAY_IMAP_USER).", valueName: "USER")) var imapUser: String?
    @Option(
        help: ArgumentHelp("File holding the IMAP password (else $MXRAY_IMAP_PASSWORD).", valueName: "FILE"))
    var imapPasswordFile: String?
    @Option(help: ArgumentHelp("Folder to read.", valueName: "FOLDER")) var imapFolder = "INBOX"
    @Option(help: ArgumentHelp("Folder stored messages are moved to.", valueName: "FOLDER")) var imapArchive = "Archive"
    @Option(help: ArgumentHelp("Folder messages with a part kept aside are moved to.", valueName: "FOLDER"))
    var imapFailed = "Invalid"
    @Option(help: ArgumentHelp("PEM file of CA certificates to trust for the IMAP server.", valueName: "PEM"))
    var imapCaFile: String?
    @Option(help: ArgumentHelp("Seconds allowed for each IMAP response.", valueName: "SECONDS"))
    var imapTimeout: Double = 30

    func source() throws -> IMAPReportSource? {
        guard let imap else { return nil }
        let environment = ProcessInfo.processInfo.environment
        guard let user = imapUser ?? environment["MXRAY_IMAP_USER"], !user.isEmpty else {
            throw CLIError("--imap needs --imap-user or $MXRAY_IMAP_USER")
        }
        var password = environment["MXRAY_IMAP_PASSWORD"]
        if let file = imapPasswordFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("cannot read --imap-password-file \(file)")
            }
            password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        guard let password else { throw CLIError("--imap needs --imap-password-file or $MXRAY_IMAP_PASSWORD") }
        guard imapTimeout > 0 && imapTimeout <= 600 else { throw CLIError("--imap-timeout must be in (0, 600]") }
        var host = imap
        var port = 993
        if let colon = imap.lastIndex(of: ":"), let p = Int(imap[imap.index(after: colon)...]), !imap.hasSuffix("]") {
            host = String(imap[..<colon])
            port = p
        }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard (1...65535).contains(port), !host.isEmpty else {
            throw CLIError("--imap \(imap): give HOST or HOST:PORT")
        }
        let account = IMAPAccount(
            host: host, port: port, user: user, password: password, caFile: imapCaFile,
            timeout: .milliseconds(Int64(imapTimeout * 1000)))
        return IMAPReportSource(account: account, folder: imapFolder, archive: imapArchive, failed: imapFailed)
    }
}
