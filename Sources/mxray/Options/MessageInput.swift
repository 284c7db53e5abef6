import Foundation
import MXRayMessage

/// Messages named on the command line: files, mbox files (split into messages), or `-` for stdin.
struct MessageInput {
    var label: String
    var bytes: [UInt8]

    static func read(_ paths: [String]) throws -> [MessageInput] {
        var inputs: [MessageInput] = []
        for path in paths.isEmpty ? ["-"] : paths {
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
                data = d
            }
            guard data.count <= Message.maxBytes else {
                throw CLIError("\(path): larger than \(Message.maxBytes) bytes")
            }
            let bytes = Array(data)
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
