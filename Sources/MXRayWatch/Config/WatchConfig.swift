import Foundation
import Yams

/// `mxray watch --config FILE` (YAML). Only `domains` is required.
///
/// ```yaml
/// domains: [example.com, example.org]
/// interval: 3600            # seconds between cycles
/// db: /var/lib/mxray/reports.sqlite   # or postgres://...
/// webhook: {url: https://hooks.example/mxray, attempts: 4, timeout: 10, backoff: 1, ca_file: null}
/// summary_threshold: 10     # more domains changed at once than this: one summary alert
/// dns: {nameservers: [], zone_files: [], timeout: 2, attempts: 2}
/// mta_sts: {offline: false, port: 443, ca_file: null, timeout: 10}
/// probe: {interval: 86400, port: 25, timeout: 10, ca_file: null, helo: null, rcpt: [],
///         expiry_days: [30, 14, 7, 3, 1, 0]}   # absent: no SMTP probe
/// tls_report_days: 7        # days of stored TLS-RPT reports compared run to run; 0: none
/// ```
public struct WatchConfig: Sendable, Codable, Equatable {
    public var domains: [String]
    public var interval: Int = 3600
    public var db: String?
    public var webhook: Webhook?
    public var summaryThreshold: Int = 10
    public var dns = DNS()
    public var mtaSTS = MTASTS()
    public var probe: Probe?
    public var tlsReportDays = 7

    /// The SMTP probe (never DATA), at its own slower schedule, for certificate expiry and parity.
    public struct Probe: Sendable, Codable, Equatable {
        public var interval = 86_400
        public var port = 25
        public var timeout: Double = 10
        public var caFile: String?
        public var helo: String?
        public var rcpt: [String] = []
        public var expiryDays = [30, 14, 7, 3, 1, 0]
        enum CodingKeys: String, CodingKey {
            case interval, port, timeout, caFile = "ca_file", helo, rcpt, expiryDays = "expiry_days"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            interval = try c.decodeIfPresent(Int.self, forKey: .interval) ?? 86_400
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 25
            timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 10
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            helo = try c.decodeIfPresent(String.self, forKey: .helo)
            rcpt = try c.decodeIfPresent([String].self, forKey: .rcpt) ?? []
            expiryDays = try c.decodeIfPresent([Int].self, forKey: .expiryDays) ?? [30, 14, 7, 3, 1, 0]
        }
    }

    public struct Webhook: Sendable, Codable, Equatable {
        public var url: String
        public var attempts: Int = 4
        public var timeout: Double = 10
        public var backoff: Double = 1
        public var caFile: String?
        enum CodingKeys: String, CodingKey { case url, attempts, timeout, backoff, caFile = "ca_file" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 4
            timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 10
            backoff = try c.decodeIfPresent(Double.self, forKey: .backoff) ?? 1
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        }
    }
    public struct DNS: Sendable, Codable, Equatable {
        public var nameservers: [String] = []
        public var zoneFiles: [String] = []
        public var timeout: Double = 2
        public var attempts: Int = 2
        enum CodingKeys: String, CodingKey { case nameservers, zoneFiles = "zone_files", timeout, attempts }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            nameservers = try c.decodeIfPresent([String].self, forKey: .nameservers) ?? []
            zoneFiles = try c.decodeIfPresent([String].self, forKey: .zoneFiles) ?? []
            timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 2
            attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 2
        }
    }
    public struct MTASTS: Sendable, Codable, Equatable {
        public var offline = false
        public var port = 443
        public var caFile: String?
        public var timeout: Double = 10
        enum CodingKeys: String, CodingKey { case offline, port, caFile = "ca_file", timeout }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            offline = try c.decodeIfPresent(Bool.self, forKey: .offline) ?? false
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 443
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 10
        }
    }
    enum CodingKeys: String, CodingKey {
        case domains, interval, db, webhook, summaryThreshold = "summary_threshold", dns, mtaSTS = "mta_sts", probe
        case tlsReportDays = "tls_report_days"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domains = try c.decode([String].self, forKey: .domains)
        interval = try c.decodeIfPresent(Int.self, forKey: .interval) ?? 3600
        db = try c.decodeIfPresent(String.self, forKey: .db)
        webhook = try c.decodeIfPresent(Webhook.self, forKey: .webhook)
        summaryThreshold = try c.decodeIfPresent(Int.self, forKey: .summaryThreshold) ?? 10
        dns = try c.decodeIfPresent(DNS.self, forKey: .dns) ?? DNS()
        mtaSTS = try c.decodeIfPresent(MTASTS.self, forKey: .mtaSTS) ?? MTASTS()
        probe = try c.decodeIfPresent(Probe.self, forKey: .probe)
        tlsReportDays = try c.decodeIfPresent(Int.self, forKey: .tlsReportDays) ?? 7
    }

    public static func load(path: String) throws -> WatchConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WatchConfigError("cannot read \(path)")
        }
        let config: WatchConfig
        do {
            config = try YAMLDecoder().decode(WatchConfig.self, from: String(decoding: data, as: UTF8.self))
        } catch {
            throw WatchConfigError("\(path): \(error)")
        }
        guard !config.domains.isEmpty else { throw WatchConfigError("\(path): no domains to watch") }
        guard (10...604_800).contains(config.interval) else {
            throw WatchConfigError("\(path): interval must be 10 to 604800 seconds")
        }
        if let hook = config.webhook {
            guard (1...20).contains(hook.attempts), hook.timeout > 0, hook.timeout <= 120, hook.backoff >= 0 else {
                throw WatchConfigError("\(path): webhook attempts 1-20, timeout (0, 120], backoff >= 0")
            }
        }
        if let probe = config.probe {
            guard probe.interval >= config.interval, (1...65535).contains(probe.port), probe.timeout > 0,
                probe.timeout <= 300, !probe.expiryDays.isEmpty,
                probe.expiryDays.allSatisfy({ (0...3650).contains($0) }),
                probe.rcpt.allSatisfy({ $0.contains("@") })
            else {
                throw WatchConfigError(
                    "\(path): probe interval at least the cycle interval, port 1-65535, timeout (0, 300], "
                        + "expiry_days 0-3650 (at least one), rcpt addresses")
            }
        }
        guard (0...366).contains(config.tlsReportDays) else {
            throw WatchConfigError("\(path): tls_report_days must be 0 to 366")
        }
        return config
    }
}

public struct WatchConfigError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
