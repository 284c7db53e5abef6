import Foundation

/// Lines of a list file (`--domains-file`, `--files-from`; `-` is standard input), read a chunk at
/// a time so that a list of a million entries costs the memory of one chunk, not of the list:
/// one entry per line, `#` comments and blank lines skipped.
final class LineFileReader {
    /// Bytes read per call.
    static let chunkSize = 64 * 1024
    /// A longer line is neither a domain name (253 octets at most) nor a sensible path (PATH_MAX
    /// is 4096); it is an error, not a guess.
    static let maxLineLength = 4096

    private let handle: FileHandle
    private let ownsHandle: Bool
    private let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private(set) var lineNumber = 0

    init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            ownsHandle = false
        } else {
            guard let file = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
            handle = file
            ownsHandle = true
        }
        self.path = path == "-" ? "standard input" : path
    }

    deinit { if ownsHandle { try? handle.close() } }

    /// The next entry, nil at the end of the file.
    func next() throws -> String? {
        while let line = try nextLine() {
            let text = String(decoding: line, as: UTF8.self)
            let domain = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if !domain.isEmpty { return domain }
        }
        return nil
    }

    private func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[position..<newline]
                position = newline + 1
                lineNumber += 1
                return line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            }
            guard buffer.count - position <= Self.maxLineLength else {
                throw CLIError("\(path) line \(lineNumber + 1) is longer than \(Self.maxLineLength) bytes")
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                position = buffer.count
                lineNumber += 1
                return line
            }
            buffer.removeFirst(position)
            position = 0
            let chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
