import ArgumentParser
import Dispatch
import Foundation
import Logging
import MXRayAudit
import MXRayFeedback
import MXRayInbound
import MXRayMilter
import MXRayWatch
import Metrics
import NIOConcurrencyHelpers
import NIOCore

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
            stored but never compared. SIGTERM or SIGINT stops after the domain being audited; SIGHUP \
            reloads the configuration before the next cycle.
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
            var settings = try Self.load(config)
            if checkConfig {
                print("# \(config): valid, \(settings.domains.count) domains, every \(settings.interval) s")
                return
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
            let logger = Logger(label: "mxray.watch")
            let metricsChannel: (any Channel)? =
                if let metrics { try await MilterServeCommand.serveMetrics(at: metrics) } else { nil }
            let database = try await openDatabase(db ?? settings.db)
            let stop = NIOLockedValueBox(false)
            let reload = NIOLockedValueBox(false)
            let signals = Self.installSignals(stop: stop, reload: reload)
            defer { for s in signals { s.cancel() } }
            var exitError: Error?
            do {
                while true {
                    if reload.withLockedValue({ r in
                        defer { r = false }
                        return r
                    }) {
                        do {
                            settings = try Self.load(config)
                            logger.info("configuration reloaded", metadata: ["domains": "\(settings.domains.count)"])
                        } catch { logger.error("reload failed, keeping the previous configuration: \(error)") }
                    }
                    let cycle = try Self.cycle(settings, store: WatchStore(db: database), logger: logger)
                    let outcomes = try await cycle.run(settings.domains) { stop.withLockedValue { $0 } }
                    Self.record(outcomes)
                    let changed = outcomes.reduce(0) { $0 + $1.changes.count }
                    let failed = outcomes.filter { !$0.complete }.count
                    logger.info(
                        "cycle done",
                        metadata: [
                            "domains": "\(outcomes.count)", "changes": "\(changed)", "dns_failures": "\(failed)",
                        ])
                    if once || stop.withLockedValue({ $0 }) { break }
                    // Sleep in one-second steps, so a stop signal is honoured within a second.
                    for _ in 0..<settings.interval
                    where !stop.withLockedValue({ $0 }) && !reload.withLockedValue({ $0 }) {
                        try await Task.sleep(for: .seconds(1))
                    }
                    if stop.withLockedValue({ $0 }) { break }
                }
            } catch { exitError = error }
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
        return WatchCycle(auditor: auditor, store: store, alerter: alerter, logger: logger)
    }

    static func installSignals(stop: NIOLockedValueBox<Bool>, reload: NIOLockedValueBox<Bool>)
        -> [any DispatchSourceSignal]
    {
        var sources: [any DispatchSourceSignal] = []
        for (number, flag) in [(SIGTERM, stop), (SIGINT, stop), (SIGHUP, reload)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.withLockedValue { $0 = true } }
            source.resume()
            sources.append(source)
        }
        return sources
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
