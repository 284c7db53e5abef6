import Foundation
import MXRayMessage

/// One input to ingest: a file, one message of an mbox or Maildir, standard input, or an IMAP
/// message. A source that must be acknowledged (an IMAP message moved) is acknowledged by its
/// caller once `ReportIngester.ingestBatch` has returned, that is, once the batch is committed.
public struct IngestInput: Sendable {
    public var source: String
    public var bytes: [UInt8]

    public init(source: String, bytes: [UInt8]) {
        self.source = source
        self.bytes = bytes
    }
}

/// Inputs from paths, read one at a time as they are needed: a file (an mbox file yields each of
/// its messages), a Maildir (`cur/` and `new/`), any other directory (its files, sorted, recursively),
/// or `-` for standard input. A path that cannot be read is reported, never skipped silently.
public struct PathInputs: Sequence, Sendable {
    public var paths: [String]
    public var maxBytes: Int

    public init(paths: [String], maxBytes: Int = FeedbackLimits.standard.maxDocumentBytes) {
        self.paths = paths
        self.maxBytes = maxBytes
    }

    public enum Item: Sendable {
        case input(IngestInput)
        case unreadable(source: String, reason: String)
    }

    public func makeIterator() -> Iterator { Iterator(paths: paths[...], maxBytes: maxBytes) }

    public struct Iterator: IteratorProtocol {
        var paths: ArraySlice<String>
        let maxBytes: Int
        var pending: [Item] = []
        var pendingIndex = 0

        public mutating func next() -> Item? {
            while true {
                if pendingIndex < pending.count {
                    defer { pendingIndex += 1 }
                    return pending[pendingIndex]
                }
                pending = []
                pendingIndex = 0
                guard let path = paths.popFirst() else { return nil }
                expand(path)
            }
        }

        private mutating func expand(_ path: String) {
            if path == "-" {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                pending = [read(source: "stdin", bytes: [UInt8](data))].flatMap { $0 }
                return
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                pending = [.unreadable(source: path, reason: "no such file or directory")]
                return
            }
            if isDirectory.boolValue {
                paths = ArraySlice(Self.files(in: path)) + paths
                return
            }
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? Int
            else {
                pending = [.unreadable(source: path, reason: "cannot be read")]
                return
            }
            guard size <= maxBytes else {
                pending = [.unreadable(source: path, reason: "\(size) bytes exceed the \(maxBytes)-byte input limit")]
                return
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                pending = [.unreadable(source: path, reason: "cannot be read")]
                return
            }
            pending = read(source: path, bytes: [UInt8](data))
        }

        /// An mbox file is its messages; anything else is one input.
        private func read(source: String, bytes: [UInt8]) -> [Item] {
            guard bytes.count <= maxBytes else {
                return [.unreadable(source: source, reason: "\(bytes.count) bytes exceed the input limit")]
            }
            guard Mbox.isMbox(bytes) else { return [.input(IngestInput(source: source, bytes: bytes))] }
            return Mbox.split(bytes).enumerated().map { n, message in
                .input(IngestInput(source: "\(source) message \(n + 1)", bytes: message))
            }
        }

        /// A Maildir's `cur/` and `new/`; otherwise every regular file below, sorted by path.
        static func files(in directory: String) -> [String] {
            let fm = FileManager.default
            var isDirectory: ObjCBool = false
            let isMaildir = ["cur", "new"].allSatisfy {
                fm.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory) && isDirectory.boolValue
            }
            let roots = isMaildir ? [directory + "/cur", directory + "/new"] : [directory]
            var out: [String] = []
            for root in roots {
                guard let walker = fm.enumerator(atPath: root) else { continue }
                var found: [String] = []
                while let relative = walker.nextObject() as? String {
                    let full = root + "/" + relative
                    guard fm.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else {
                        continue
                    }
                    if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                    found.append(full)
                }
                out += found.sorted()
            }
            return out
        }
    }
}
