/// Report messages from an IMAP mailbox, as parsedmarc reads them: each message is fetched
/// without marking it seen, the batch is stored, and only then is each message moved: to the
/// archive folder when it was stored, to the failed folder when a part of it was kept aside. A stop
/// midway leaves unstored messages in the folder, to be read again next time (stored once).
public struct IMAPReportSource: Sendable {
    public var account: IMAPAccount
    public var folder: String
    public var archive: String
    public var failed: String

    public init(account: IMAPAccount, folder: String = "INBOX", archive: String, failed: String) {
        self.account = account
        self.folder = folder
        self.archive = archive
        self.failed = failed
    }

    public func ingest(with ingester: ReportIngester, onEvent: (IngestEvent) -> Void = { _ in }) async throws
        -> IngestSummary
    {
        try await IMAPConversation.withSession(account, maxMessageBytes: ingester.limits.maxDocumentBytes) { imap in
            try await imap.create(archive)
            try await imap.create(failed)
            try await imap.select(folder)
            var summary = IngestSummary()
            let uids = try await imap.allUIDs()
            var start = 0
            while start < uids.count {
                let chunk = uids[start..<min(start + ingester.batchSize, uids.count)]
                start += chunk.count
                var inputs: [IngestInput] = []
                var fetched: [UInt32] = []
                for uid in chunk {
                    guard let bytes = try await imap.fetch(uid: uid) else {
                        summary.unreadable += 1
                        onEvent(
                            IngestEvent(
                                source: "imap:\(folder)/\(uid)", part: "imap:\(folder)/\(uid)", result: .unreadable,
                                reason: "the server returned no message body"))
                        continue
                    }
                    inputs.append(IngestInput(source: "imap:\(folder)/\(uid)", bytes: bytes))
                    fetched.append(uid)
                }
                let keptAside = try await ingester.ingestBatch(inputs, summary: &summary, onEvent: onEvent)
                for (uid, kept) in zip(fetched, keptAside) {
                    try await imap.move(uid: uid, to: kept ? failed : archive)
                }
            }
            return summary
        }
    }
}
