import Foundation

/// A DKIM-style tag list (RFC 6376 §3.2), used by DKIM-Signature, DKIM key records and the ARC
/// header fields (RFC 8617 §4.1). Tag names are case-sensitive; a duplicated tag is an error.
public struct TagList: Sendable, Equatable {
    public private(set) var tags: [(name: String, value: String)] = []

    public static func == (l: TagList, r: TagList) -> Bool {
        l.tags.map(\.name) == r.tags.map(\.name) && l.tags.map(\.value) == r.tags.map(\.value)
    }

    public subscript(name: String) -> String? { tags.first { $0.name == name }?.value }

    /// A list built from tags this code writes itself (already well formed).
    init(_ pairs: [(String, String)]) { tags = pairs.map { (name: $0.0, value: $0.1) } }

    /// Parses `tag=value; tag=value[;]`. Whitespace (including folding) around names, `=`,
    /// values and semicolons is ignored; whitespace inside a value is kept. With
    /// `allowingEmptyTags`, an empty spec (`;;`) is skipped, as DMARC receivers do.
    public init(parsing text: String, allowingEmptyTags: Bool = false) throws(TagListError) {
        var text = text
        let parsed: Result<[(name: String, value: String)], TagListError> = text.withUTF8 { p in
            var out: [(name: String, value: String)] = []
            var segmentStart = 0
            let n = p.count
            var index = 0
            var segmentNumber = 0
            while index <= n {
                guard index == n || p[index] == UInt8(ascii: ";") else {
                    index += 1
                    continue
                }
                defer {
                    segmentStart = index + 1
                    index += 1
                    segmentNumber += 1
                }
                var a = segmentStart, b = index
                while a < b && Self.isFWS(p[a]) { a += 1 }
                while b > a && Self.isFWS(p[b - 1]) { b -= 1 }
                if a == b {
                    // Only a single trailing semicolon may leave an empty spec (RFC 6376 §3.2).
                    if (index == n && segmentNumber > 0) || allowingEmptyTags { continue }
                    return .failure(.emptyTag)
                }
                var eq = a
                while eq < b && p[eq] != UInt8(ascii: "=") { eq += 1 }
                guard eq < b else {
                    return .failure(
                        .missingEquals(String(decoding: UnsafeBufferPointer(rebasing: p[a..<b]), as: UTF8.self)))
                }
                var nameEnd = eq
                while nameEnd > a && Self.isFWS(p[nameEnd - 1]) { nameEnd -= 1 }
                var valueStart = eq + 1
                while valueStart < b && Self.isFWS(p[valueStart]) { valueStart += 1 }
                let name = String(decoding: UnsafeBufferPointer(rebasing: p[a..<nameEnd]), as: UTF8.self)
                guard Self.isTagName(name) else { return .failure(.badTagName(name)) }
                guard !out.contains(where: { $0.name == name }) else { return .failure(.duplicate(name)) }
                out.append((name, String(decoding: UnsafeBufferPointer(rebasing: p[valueStart..<b]), as: UTF8.self)))
            }
            return .success(out)
        }
        switch parsed {
        case .success(let t): tags = t
        case .failure(let e): throw e
        }
    }

    @inline(__always) static func isFWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    /// RFC 6376 §3.2: tag-name = ALPHA *ALNUMPUNC, where ALNUMPUNC is ALPHA / DIGIT / "_".
    static func isTagName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isLetter(first) else { return false }
        return s.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
    }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
}

public enum TagListError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyTag
    case missingEquals(String)
    case badTagName(String)
    case duplicate(String)

    public var description: String {
        switch self {
        case .emptyTag: "empty tag between semicolons"
        case .missingEquals(let s): "tag \"\(s.prefix(30))\" has no '='"
        case .badTagName(let s): "\"\(s.prefix(30))\" is not a valid tag name"
        case .duplicate(let s): "tag \(s)= appears more than once"
        }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (folding white space).
    var trimmingFWS: String {
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end && TagList.isFWS(bytes[start]) { start += 1 }
        while end > start && TagList.isFWS(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// Base64 as DKIM writes it (RFC 6376 §2.4): folding white space anywhere is ignored, any other
/// character outside the alphabet makes the value invalid. Foundation's decoder has no such
/// mode, so decoding is ours; its encoder writes what DKIM writes.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decodes base64 (RFC 4648 §4), skipping the folding whitespace DKIM allows inside tag values
    /// (RFC 6376 §3.5); any other character, or data after padding, is an error.
    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { input in Self.table.withUnsafeBufferPointer { decode(input, $0) } }
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>, _ table: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // Each 6-bit value in turn, into `bits`; each full group of four out as three bytes.
        var bits: UInt32 = 0
        var count = 0
        var padding = 0
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { out, written in
            var w = 0
            for c in input {
                if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { continue }
                if c == UInt8(ascii: "=") {
                    padding += 1
                    continue
                }
                let v = table[Int(c)]
                guard padding == 0, v != 0xFF else {
                    failed = true
                    break
                }
                bits = bits << 6 | UInt32(v)
                count += 1
                if count & 3 == 0 {
                    out[w] = UInt8(truncatingIfNeeded: bits >> 16)
                    out[w + 1] = UInt8(truncatingIfNeeded: bits >> 8)
                    out[w + 2] = UInt8(truncatingIfNeeded: bits)
                    w += 3
                    bits = 0
                }
            }
            // A final group of two or three values holds one or two bytes.
            let rest = count & 3
            if !failed && rest >= 2 {
                bits <<= 6 * UInt32(4 - rest)
                out[w] = UInt8(truncatingIfNeeded: bits >> 16)
                w += 1
                if rest == 3 {
                    out[w] = UInt8(truncatingIfNeeded: bits >> 8)
                    w += 1
                }
            }
            written = w
        }
        guard !failed, padding <= 2, (count + padding) % 4 == 0 || padding == 0, count % 4 != 1 else { return nil }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
