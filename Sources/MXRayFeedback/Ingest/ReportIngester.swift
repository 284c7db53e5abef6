import Foundation

/// What became of one part of one input.
public struct IngestEvent: Sendable, Codable {
    public enum Result: String, Sendable, Codable {
        case stored, duplicate, keptAside = "kept-aside", unreadable
    }
    public var source: String
    public var part: String
    public var result: Result
    /// `dmarc` or `tls` for a report.
    public var kind: String?
    public var key: String?
    public var reason: String?
}

/// Totals for one ingest run.
public struct IngestSummary: Sendable, Codable, Equatable {
    public var inputs = 0
    public var dmarcStored = 0
    public var tlsStored = 0
    public var duplicates = 0
    public var keptAside = 0
    public var unreadable = 0
    public init() {}

    public mutating func add(_ other: IngestSummary) {
        inputs += other.inputs
        dmarcStored += other.dmarcStored
        tlsStored += other.tlsStored
        duplicates += other.duplicates
        keptAside += other.keptAside
        unreadable += other.unreadable
    }
}

/// Reads inputs in batches: each batch is unpacked and parsed on all cores, then stored in one
/// transaction; a caller acknowledges its inputs only after that. A stop midway loses nothing: an
/// input is either committed and acknowledged, or neither. Memory is bounded by two batches.
public struct ReportIngester: Sendable {
    public var store: ReportStore
    public var limits: FeedbackLimits
    public var batchSize: Int
    public var concurrency: Int

    public init(
        store: ReportStore, limits: FeedbackLimits = .standard, batchSize: Int = 256,
        concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.store = store
        self.limits = limits
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
    }

    public func ingest<S: Sequence>(_ items: S, onEvent: (IngestEvent) -> Void = { _ in }) async throws
        -> IngestSummary where S.Element == PathInputs.Item
    {
        var summary = IngestSummary()
        var iterator = items.makeIterator()
        /// The next batch of inputs; unreadable paths are reported as they are met.
        func nextBatch() -> [IngestInput] {
            var batch: [IngestInput] = []
            while batch.count < batchSize, let item = iterator.next() {
                switch item {
                case .unreadable(let source, let reason):
                    summary.unreadable += 1
                    onEvent(IngestEvent(source: source, part: source, result: .unreadable, reason: reason))
                case .input(let input):
                    batch.append(input)
                }
            }
            return batch
        }
        // Two batches in flight: the next one is read and parsed while this one is stored, so the
        // database's thread and the parsing cores work at the same time. Memory: two batches.
        var batch = nextBatch()
        var parsed = await unpackAll(batch)
        while !batch.isEmpty {
            let following = nextBatch()
            async let parsingFollowing = unpackAll(following)
            try await storeBatch(batch, parsed: parsed, summary: &summary, onEvent: onEvent)
            batch = following
            parsed = await parsingFollowing
        }
        return summary
    }

    /// One batch: parse in parallel, store in one transaction. Returns, per input, whether any part
    /// of it was kept aside; once it returns the caller may acknowledge the inputs (file each one).
    @discardableResult
    public func ingestBatch(_ inputs: [IngestInput], summary: inout IngestSummary, onEvent: (IngestEvent) -> Void)
        async throws -> [Bool]
    {
        try await storeBatch(inputs, parsed: await unpackAll(inputs), summary: &summary, onEvent: onEvent)
    }

    /// Stores what was found in a batch in one transaction.
    func storeBatch(
        _ inputs: [IngestInput], parsed: [[UnpackedReport]], summary: inout IngestSummary,
        onEvent: (IngestEvent) -> Void
    ) async throws -> [Bool] {
        var events: [IngestEvent] = []
        var keptAside = Array(repeating: false, count: inputs.count)
        try await store.db.transaction {
            // Reports first, all together; then the kept-aside inputs; events in input order.
            var reports: [(FeedbackReport, String)] = []
            for (index, input) in inputs.enumerated() {
                for found in parsed[index] {
                    if case .success(let report) = found.outcome { reports.append((report, input.source)) }
                }
            }
            var outcomes = try await store.storeAll(reports).makeIterator()
            events = []
            for (index, input) in inputs.enumerated() {
                for found in parsed[index] {
                    switch found.outcome {
                    case .success(let report):
                        let outcome = outcomes.next() ?? .duplicate
                        let kind = if case .dmarc = report { "dmarc" } else { "tls" }
                        events.append(
                            IngestEvent(
                                source: input.source, part: found.part,
                                result: outcome == .stored ? .stored : .duplicate, kind: kind, key: report.key))
                    case .failure(let error):
                        try await store.keepAside(
                            content: input.bytes, source: input.source, part: found.part, reason: error.description)
                        keptAside[index] = true
                        events.append(
                            IngestEvent(
                                source: input.source, part: found.part, result: .keptAside, reason: error.description))
                    }
                }
            }
        }
        summary.inputs += inputs.count
        for event in events {
            switch event.result {
            case .stored: if event.kind == "dmarc" { summary.dmarcStored += 1 } else { summary.tlsStored += 1 }
            case .duplicate: summary.duplicates += 1
            case .keptAside: summary.keptAside += 1
            case .unreadable: summary.unreadable += 1
            }
            onEvent(event)
        }
        return keptAside
    }

    /// Unpacks every input, at most `concurrency` at a time, results in input order.
    func unpackAll(_ inputs: [IngestInput]) async -> [[UnpackedReport]] {
        let limits = limits
        return await withTaskGroup(of: (Int, [UnpackedReport]).self) { group in
            var results = Array(repeating: [UnpackedReport](), count: inputs.count)
            var next = 0
            func add() {
                let index = next
                let input = inputs[index]
                group.addTask { (index, ReportUnpacker.reports(in: input.bytes, name: input.source, limits: limits)) }
                next += 1
            }
            while next < min(concurrency, inputs.count) { add() }
            for await (index, reports) in group {
                results[index] = reports
                if next < inputs.count { add() }
            }
            return results
        }
    }
}
