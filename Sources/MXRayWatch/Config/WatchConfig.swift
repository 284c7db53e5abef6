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
/// ```
public struct WatchConfig: Sendable, Codable, Equatable {
    public var domains: [String]
    public var interval: Int = 3600
    public var db: String?
    public var webhook: Webhook?
    public var summaryThreshold: Int = 10
    public var dns = DNS()
    public var mtaSTS = MTASTS()

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
        case domains, interval, db, webhook, summaryThreshold = "summary_threshold", dns, mtaSTS = "mta_sts"
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
