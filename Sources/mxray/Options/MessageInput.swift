import Foundation
import MXRayMessage

/// Messages named on the command line: files, mbox files (split into messages), or `-` for stdin.
struct MessageInput: Sendable {
    var label: String
    var bytes: [UInt8]

    static func read(_ paths: [String]) throws -> [MessageInput] {
        var inputs: [MessageInput] = []
        for path in paths.isEmpty ? ["-"] : paths {
            let bytes: [UInt8]
            if path == "-" {
                // Read under the same bound as a pipe, not whole before the size is checked.
                bytes = try readStream(STDIN_FILENO, path: "stdin", limit: Message.maxBytes)
            } else {
                bytes = try readFile(path, limit: Message.maxBytes)
            }
            let name = path == "-" ? "stdin" : path
            let parts = Mbox.split(bytes)
            if Mbox.isMbox(bytes) && parts.count > 1 {
                for (i, part) in parts.enumerated() {
                    inputs.append(MessageInput(label: "\(name) #\(i + 1)", bytes: part))
                }
            } else {
                inputs.append(MessageInput(label: name, bytes: parts.first ?? bytes))
            }
        }
        return inputs
    }

    /// The line ending the input uses, so that added header fields match it.
    var newline: String {
        if let lf = bytes.firstIndex(of: 0x0A), lf > 0, bytes[lf - 1] == 0x0D { return "\r\n" }
        return bytes.contains(0x0A) ? "\n" : "\r\n"
    }

    /// The original bytes with `fields` added on top, in the input's own line-ending style.
    func prepending(_ fields: [HeaderField]) -> [UInt8] {
        var out: [UInt8] = []
        for f in fields {
            let text = String(decoding: f.raw, as: UTF8.self).replacingOccurrences(of: "\r\n", with: newline)
            out += Array((text + newline).utf8)
        }
        return out + bytes
    }
}

func writeToStandardOutput(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
}

/// The bytes of a file, read straight into one array (no `Data` to copy out of); a file larger than
/// `limit` is refused before it is read. A pipe or device (`<(...)`, /dev/stdin) is read to its end.
func readFile(_ path: String, limit: Int) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw CLIError("cannot read \(path)") }
    guard (status.st_mode & S_IFMT) == S_IFREG else { return try readStream(fd, path: path, limit: limit) }
    let size = Int(status.st_size)
    guard size <= limit else { throw CLIError("\(path): larger than \(limit) bytes") }
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        // A file that grows while it is read is read to its size when opened.
        while count < size {
            let n = read(fd, buffer.baseAddress! + count, size - count)
            if n > 0 {
                count += n
            } else if n == 0 || errno != EINTR {
                failure = n == 0 ? 0 : errno
                break
            }
        }
    }
    guard failure == 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(failure)))") }
    return bytes
}

/// Reads a descriptor whose size is not known in advance to its end, refusing more than `limit` bytes.
private func readStream(_ fd: Int32, path: String, limit: Int) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n == 0 { return bytes }
        if n < 0 {
            guard errno == EINTR else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
            continue
        }
        bytes += chunk[..<n]
        guard bytes.count <= limit else { throw CLIError("\(path): larger than \(limit) bytes") }
    }
}
