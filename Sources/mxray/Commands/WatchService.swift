import Foundation
import Logging
import MXRayFeedback
import MXRayWatch
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// The watch as a swift-service-lifecycle service: a cycle every `interval` seconds until a graceful
/// shutdown (SIGTERM, SIGINT), which is honoured between domains and during the wait; SIGHUP sets a
/// flag, and the configuration is read again before the next cycle (a bad file keeps the old one).
struct WatchService: Service {
    let configPath: String
    let settings: WatchConfig
    let database: any ReportDatabase
    let once: Bool
    let logger: Logger

    func run() async throws {
        let reload = NIOLockedValueBox(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { reload.withLockedValue { $0 = true } }
            }
            defer { group.cancelAll() }
            try await cycles(reload: reload)
        }
    }

    private func cycles(reload: NIOLockedValueBox<Bool>) async throws {
        var settings = settings
        while true {
            if reload.withLockedValue({ r in
                defer { r = false }
                return r
            }) {
                do {
                    settings = try WatchRunCommand.load(configPath)
                    logger.info("configuration reloaded", metadata: ["domains": "\(settings.domains.count)"])
                } catch { logger.error("reload failed, keeping the previous configuration: \(error)") }
            }
            let cycle = try WatchRunCommand.cycle(settings, store: WatchStore(db: database), logger: logger)
            let outcomes = try await cycle.run(settings.domains) { Task.isShuttingDownGracefully }
            WatchRunCommand.record(outcomes)
            logger.info(
                "cycle done",
                metadata: [
                    "domains": "\(outcomes.count)", "changes": "\(outcomes.reduce(0) { $0 + $1.changes.count })",
                    "dns_failures": "\(outcomes.filter { !$0.complete }.count)",
                    "probed": "\(outcomes.filter(\.probed).count)",
                ])
            if once || Task.isShuttingDownGracefully { return }
            // Wait in one-second steps, cut short by a shutdown; a reload starts the next cycle at once.
            let end = ContinuousClock.now + .seconds(settings.interval)
            while ContinuousClock.now < end && !Task.isShuttingDownGracefully && !reload.withLockedValue({ $0 }) {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
            if Task.isShuttingDownGracefully { return }
        }
    }
}
