import Foundation
import Logging

/// Sends the stored changes that no webhook has taken yet: one alert per change, or one summary
/// when more than `summaryThreshold` domains changed in the same batch (no alert storm). Each POST
/// is tried `attempts` times with doubling waits; a change is marked sent only once a 2xx came back.
public struct Alerter: Sendable {
    public var store: WatchStore
    public var poster: WebhookPoster?
    public var attempts: Int
    public var backoff: Duration
    public var summaryThreshold: Int
    public var logger: Logger

    public init(
        store: WatchStore, poster: WebhookPoster?, attempts: Int = 4, backoff: Duration = .seconds(1),
        summaryThreshold: Int = 10, logger: Logger
    ) {
        self.store = store
        self.poster = poster
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.summaryThreshold = summaryThreshold
        self.logger = logger
    }

    /// Returns how many changes were delivered.
    @discardableResult
    public func deliverPending() async throws -> Int {
        let pending = try await store.pendingAlerts()
        guard !pending.isEmpty else { return 0 }
        guard let poster else {
            // No webhook: the log line is the alert.
            try await store.markAlerted(pending)
            return pending.count
        }
        let domains = Set(pending.map(\.change.domain))
        if domains.count > summaryThreshold {
            var kinds: [String: Int] = [:]
            for c in pending { kinds[c.change.kind.rawValue, default: 0] += 1 }
            let summary: [String: Any] = [
                "type": "summary", "source": "mxray watch", "domains": domains.sorted(), "changes": pending.count,
                "kinds": kinds,
            ]
            if try await send(try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), poster) {
                try await store.markAlerted(pending)
                return pending.count
            }
            return 0
        }
        var delivered = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let formatter = ISO8601DateFormatter()
        for c in pending {
            let body = try encoder.encode(
                Alert(
                    type: "change", source: "mxray watch", domain: c.change.domain, kind: c.change.kind.rawValue,
                    subject: c.change.subject, before: c.change.before, after: c.change.after,
                    finding: c.change.finding,
                    runAt: formatter.string(
                        from: Date(timeIntervalSince1970: Double(c.runAt) / 1000))))
            guard try await send(body, poster) else { break }
            try await store.markAlerted([c])
            delivered += 1
        }
        return delivered
    }

    struct Alert: Encodable {
        var type, source, domain, kind, subject: String
        var before, after, finding: String?
        var runAt: String
    }

    /// One POST with its retries; false when every attempt failed (the alert stays pending).
    func send(_ body: Data, _ poster: WebhookPoster) async throws -> Bool {
        var wait = backoff
        for attempt in 1...attempts {
            do {
                let status = try await poster.post([UInt8](body))
                if (200..<300).contains(status) { return true }
                logger.warning("webhook answered \(status)", metadata: ["attempt": "\(attempt)"])
            } catch {
                logger.warning("webhook failed: \(error)", metadata: ["attempt": "\(attempt)"])
            }
            if attempt < attempts {
                try await Task.sleep(for: wait)
                wait = wait * 2
            }
        }
        return false
    }
}
