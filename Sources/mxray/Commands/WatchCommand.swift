import ArgumentParser
import Foundation
import Logging
import MXRayAudit
import MXRayFeedback
import MXRayInbound
import MXRayMilter
import MXRayProbe
import MXRayWatch
import Metrics
import NIOCore
import ServiceLifecycle

/// `mxray watch`: the inbound posture over time, with alerts when it drifts.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Audit domains on a schedule, store each run, and alert on what changed between runs.",
        subcommands: [WatchRunCommand.self, WatchHistoryCommand.self],
        defaultSubcommand: WatchRunCommand.self
    )
}

struct WatchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the watch (the default): a cycle every `interval` seconds until SIGTERM or SIGINT.",
        discussion: """
            Each cycle audits every configured domain, stores the run in the database (the reports \
            database: SQLite or PostgreSQL), compares it with the domain's last complete run and stores \
            the changes, logs each change on standard error, and POSTs each one to the webhook (retried \
            with backoff; an alert not taken is sent again next cycle). A run with a DNS failure is \
            stored but never compared. With a `probe` section, the MX hosts are probed over SMTP when the \
            last probe is older than its interval, and certificate expiry is compared against its \
            thresholds; stored TLS-RPT reports are compared run to run. SIGTERM or SIGINT stops after the \
            domain being audited (swift-service-lifecycle's graceful shutdown); SIGHUP reloads the \
            configuration before the next cycle.
            """
    )

    @Option(help: ArgumentHelp("The configuration file (YAML; see the README).", valueName: "FILE")) var config: String
    @Flag(help: "Run one cycle and exit.") var once = false
    @Flag(help: "Check the configuration and exit.") var checkConfig = false
    @Option(help: ArgumentHelp("The database, overriding the file's `db`.", valueName: "DB")) var db: String?
    @Option(
        help: ArgumentHelp("Serve Prometheus metrics at http://ADDR:PORT/metrics.", valueName: "ADDR:PORT"))
    var metrics: String?

    func run() async throws {
        try await reportingErrors {
            let settings = try Self.load(config)
            if checkConfig {
                let probe = settings.probe.map { ", probe every \($0.interval) s" } ?? ", no probe"
                print("# \(config): valid, \(settings.domains.count) domains, every \(settings.interval) s" + probe)
                return
            }
            MilterServeCommand.bootstrapLogging()
            let logger = Logger(label: "mxray.watch")
            let metricsChannel: (any Channel)? =
                if let metrics { try await MilterServeCommand.serveMetrics(at: metrics) } else { nil }
            let database = try await openDatabase(db ?? settings.db)
            let service = WatchService(
                configPath: config, settings: settings, database: database, once: once, logger: logger)
            // As for the milter: the default actions off, so only the dispatch sources see these signals.
            for number in [SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_IGN) }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            var exitError: Error?
            do { try await group.run() } catch { exitError = error }
            try? await database.close()
            try? await metricsChannel?.close()
            if let exitError { throw CLIError("watch: \(exitError)") }
        }
    }

    /// Per domain: findings by severity, tiers, audit duration, the time of the last complete run;
    /// per cycle: runs with a DNS failure.
    static func record(_ outcomes: [WatchCycle.Outcome]) {
        for o in outcomes {
            for severity in ["critical", "high", "medium", "low", "info"] {
                Gauge(label: "mxray_watch_findings", dimensions: [("domain", o.domain), ("severity", severity)])
                    .record(o.findingsBySeverity[severity] ?? 0)
            }
            Gauge(label: "mxray_watch_tiers", dimensions: [("domain", o.domain)]).record(o.tiers)
            Gauge(label: "mxray_watch_audit_seconds", dimensions: [("domain", o.domain)]).record(o.seconds)
            if o.complete {
                Gauge(label: "mxray_watch_last_complete_run_timestamp_seconds", dimensions: [("domain", o.domain)])
                    .record(Date().timeIntervalSince1970)
            } else {
                Counter(label: "mxray_watch_dns_failures_total", dimensions: [("domain", o.domain)]).increment()
            }
            Counter(label: "mxray_watch_changes_total", dimensions: [("domain", o.domain)]).increment(
                by: o.changes.count)
            for (host, days) in o.certificateDaysLeft {
                Gauge(label: "mxray_watch_certificate_expiry_days", dimensions: [("domain", o.domain), ("host", host)])
                    .record(days)
            }
        }
    }

    static func load(_ path: String) throws -> WatchConfig {
        do { return try WatchConfig.load(path: path) } catch { throw CLIError("\(error)") }
    }

    func openDatabase(_ location: String?) async throws -> any ReportDatabase {
        let where_ = location ?? ReportDatabases.defaultLocation(environment: ProcessInfo.processInfo.environment)
        do { return try await ReportDatabases.open(where_) } catch { throw CLIError("\(error)") }
    }

    static func cycle(_ settings: WatchConfig, store: WatchStore, logger: Logger) throws -> WatchCycle {
        let resolver = try makeDNSResolver(
            zones: settings.dns.zoneFiles, nameservers: settings.dns.nameservers, timeout: settings.dns.timeout,
            attempts: settings.dns.attempts)
        let fetcher: (any PolicyFetching)? =
            settings.mtaSTS.offline
            ? nil
            : HTTPSPolicyFetcher(
                resolver: resolver, port: settings.mtaSTS.port, caFile: settings.mtaSTS.caFile,
                timeout: .milliseconds(Int64(settings.mtaSTS.timeout * 1000)))
        let auditor = Auditor(gatherer: FactGatherer(resolver: resolver, catalog: .bundled, policyFetcher: fetcher))
        var poster: WebhookPoster?
        if let hook = settings.webhook {
            guard let url = URL(string: hook.url) else { throw CLIError("webhook url \(hook.url) is not a URL") }
            do {
                poster = try WebhookPoster(
                    url: url, timeout: .milliseconds(Int64(hook.timeout * 1000)), caFile: hook.caFile)
            } catch { throw CLIError("\(error)") }
        }
        let alerter = Alerter(
            store: store, poster: poster, attempts: settings.webhook?.attempts ?? 1,
            backoff: .milliseconds(Int64((settings.webhook?.backoff ?? 1) * 1000)),
            summaryThreshold: settings.summaryThreshold, logger: logger)
        var cycle = WatchCycle(auditor: auditor, store: store, alerter: alerter, logger: logger)
        cycle.tlsReportDays = settings.tlsReportDays
        if let p = settings.probe {
            var o = Prober.Options(
                recipients: p.rcpt, helo: p.helo ?? ProbeOptions.defaultHELO, now: Int64(Date().timeIntervalSince1970))
            o.port = p.port
            o.timeout = .milliseconds(Int64(p.timeout * 1000))
            o.caFile = p.caFile
            cycle.probe = (Prober(options: o), Int64(p.interval))
            cycle.expiryDays = p.expiryDays
        }
        return cycle
    }
}

struct WatchHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The changes the watch recorded for a domain, oldest first.")

    @Argument(help: "The domain.") var domain: String
    @OptionGroup var database: ReportsDatabaseOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let changes = try await database.with { db in try await WatchStore(db: db).history(domain) }
            if json {
                print(try renderJSON(changes))
                return
            }
            guard !changes.isEmpty else {
                print("no changes recorded for \(domain)")
                return
            }
            var rows = [["WHEN (UTC)", "CHANGE", "SUBJECT", "BEFORE", "AFTER", "ALERTED"]]
            let formatter = ISO8601DateFormatter()
            for c in changes {
                rows.append([
                    formatter.string(from: Date(timeIntervalSince1970: Double(c.runAt) / 1000)), c.change.kind.rawValue,
                    c.change.subject, c.change.before ?? "-", c.change.after ?? "-", c.alerted ? "yes" : "pending",
                ])
            }
            print(AuditText.table(rows).joined(separator: "\n"))
        }
    }
}
