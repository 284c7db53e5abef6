import Foundation
import MXRayMessage

/// The leaf parts of a MIME message (RFC 2045, RFC 2046 §5.1), decoded from base64 or
/// quoted-printable, with their media type and file name. Nesting and the number of parts are bounded.
struct MIMEPart {
    var mediaType: String
    var fileName: String?
    var content: [UInt8]
}

enum MIMEParts {
    static let maxDepth = 8

    static func leaves(of message: Message, limit: Int) throws(FeedbackError) -> [MIMEPart] {
        var out: [MIMEPart] = []
        try collect(message, depth: 0, limit: limit, into: &out)
        return out
    }

    private static func collect(_ message: Message, depth: Int, limit: Int, into out: inout [MIMEPart])
        throws(FeedbackError)
    {
        guard depth <= maxDepth else { throw FeedbackError("MIME parts nested deeper than \(maxDepth)") }
        let type = HeaderParameters(message.fields(named: "Content-Type").first?.value ?? "text/plain")
        if type.value.hasPrefix("multipart/") {
            guard let boundary = type["boundary"], !boundary.isEmpty else {
                throw FeedbackError("a \(type.value) part has no boundary")
            }
            for bytes in split(message.body, boundary: Array(boundary.utf8)) {
                guard out.count < limit else { throw FeedbackError("more than \(limit) MIME parts") }
                guard let part = try? Message(bytes: bytes) else { continue }
                try collect(part, depth: depth + 1, limit: limit, into: &out)
            }
            return
        }
        let disposition = message.fields(named: "Content-Disposition").first.map { HeaderParameters($0.value) }
        let name = disposition?["filename"] ?? type["name"]
        let encoding = message.fields(named: "Content-Transfer-Encoding").first?.value
            .trimmingCharacters(in: .whitespaces).lowercased()
        let content: [UInt8]
        switch encoding {
        case "base64":
            guard let data = Data(base64Encoded: Data(message.body), options: .ignoreUnknownCharacters) else {
                throw FeedbackError("a base64 part\(name.map { " (\($0))" } ?? "") does not decode")
            }
            content = [UInt8](data)
        case "quoted-printable":
            content = QuotedPrintable.decode(message.body)
        default:
            content = message.body
        }
        out.append(MIMEPart(mediaType: type.value, fileName: name, content: content))
    }

    /// The bodies between `--boundary` delimiter lines, up to the closing `--boundary--`.
    static func split(_ body: [UInt8], boundary: [UInt8]) -> [[UInt8]] {
        let delimiter: [UInt8] = [0x2D, 0x2D] + boundary
        var parts: [[UInt8]] = []
        var current: [UInt8]? = nil
        var i = 0
        while i < body.count {
            var end = i
            while end < body.count && body[end] != 0x0A { end += 1 }
            var line = body[i..<end]
            if line.last == 0x0D { line = line.dropLast() }
            let next = min(end + 1, body.count)
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let closing = rest.starts(with: [0x2D, 0x2D])
                if closing || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    if let c = current { parts.append(trimmingLastLineBreak(c)) }
                    current = closing ? nil : []
                    if closing { break }
                    i = next
                    continue
                }
            }
            current?.append(contentsOf: body[i..<next])
            i = next
        }
        return parts
    }

    /// The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    private static func trimmingLastLineBreak(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        if b.last == 0x0A { b.removeLast() }
        if b.last == 0x0D { b.removeLast() }
        return b
    }
}

/// `type/subtype; name=value; name="quoted value"` (RFC 2045 §5.1); names are case-insensitive.
struct HeaderParameters {
    var value: String
    var parameters: [String: String] = [:]

    init(_ text: String) {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for ch in text {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" && quoted {
                escaped = true
            } else if ch == "\"" {
                quoted.toggle()
            } else if ch == ";" && !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        pieces.append(current)
        value = pieces[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            var name = piece[..<eq].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            // RFC 2231 `filename*=utf-8''report.xml.gz`: the charset and language are dropped.
            var v = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if name.hasSuffix("*") {
                name.removeLast()
                if let tick = v.range(of: "''") { v = String(v[tick.upperBound...]).removingPercentEncoding ?? v }
            }
            parameters[name] = v
        }
    }

    subscript(name: String) -> String? { parameters[name] }
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` octets, soft line breaks; anything malformed is kept as is.
enum QuotedPrintable {
    static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "=") else {
                out.append(b)
                i += 1
                continue
            }
            if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A {
                i += 3
            } else if i + 1 < bytes.count, bytes[i + 1] == 0x0A {
                i += 2
            } else if i + 2 < bytes.count, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
