import Foundation
import MXRayDNS

/// Checks made on report XML before any parser sees it: a byte-order mark is dropped, a DTD is
/// refused (so no entity, internal or external, can be declared: XXE and "billion laughs"), and
/// elements are counted so a report's size is bounded before a tree is built.
enum XMLSafety {
    static func strippingBOM(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    }

    /// One pass over the markup: whether a DTD is declared (`<!DOCTYPE` or `<!ENTITY` anywhere,
    /// case-insensitively), and how many opening tags `<record>` or `<record ...>` (any namespace
    /// prefix) the document holds.
    static func scan(_ bytes: ArraySlice<UInt8>) -> (documentType: String?, records: Int) {
        let record = Array("record".utf8)
        var records = 0
        var i = bytes.startIndex
        while let lt = bytes[i...].firstIndex(of: UInt8(ascii: "<")) {
            var j = lt + 1
            guard j < bytes.endIndex else { break }
            if bytes[j] == UInt8(ascii: "!") {
                let word = bytes[(j + 1)..<min(j + 8, bytes.endIndex)].map { $0 | 0x20 }
                if word.starts(with: Array("doctype".utf8)) { return ("a DOCTYPE", records) }
                if word.starts(with: Array("entity".utf8)) { return ("an ENTITY", records) }
            } else if bytes[j] != UInt8(ascii: "/") {
                // Skip a namespace prefix: `<dmarc:record>`.
                var k = j
                while k < bytes.endIndex, k - j < 32, bytes[k] != UInt8(ascii: ":"), bytes[k] != UInt8(ascii: ">"),
                    bytes[k] != UInt8(ascii: " ")
                {
                    k += 1
                }
                if k < bytes.endIndex, bytes[k] == UInt8(ascii: ":") { j = k + 1 }
                if bytes[j...].starts(with: record) {
                    let after = j + record.count
                    if after < bytes.endIndex, [UInt8(ascii: ">"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]) {
                        records += 1
                    }
                }
            }
            i = lt + 1
        }
        return (nil, records)
    }
}

extension XMLSafety {
    /// The XML parser's error codes (libxml2's `xmlParserErrors`, which Foundation's XMLParser
    /// passes on) for the mistakes reporters make; others by number.
    static func libxml2Reason(_ code: Int) -> String {
        switch code {
        case 4: "the document is empty"
        case 5: "extra content after the root element, or a tag in the wrong place"
        case 9: "a character that XML does not allow"
        case 26: "an undeclared entity"
        case 68: "a name was expected (an unescaped `<` or `&`)"
        case 73: "`>` expected"
        case 76: "a closing tag does not match its opening tag"
        case 77: "the document ends inside a tag (truncated)"
        case -1: "elements nested deeper than \(FeedbackXMLReader.maxDepth)"
        default: "parser error \(code)"
        }
    }
}

/// Report timestamps: seconds since the epoch (DMARC), written by some reporters with a fraction.
enum Timestamp {
    static func seconds(_ text: String?, field: String) throws(FeedbackError) -> Int64 {
        guard let t = text.nonEmpty else { throw FeedbackError("\(field) is missing") }
        if let v = Int64(t) { return v }
        if let d = Double(t), d.isFinite, abs(d) < 1e15 { return Int64(d) }
        throw FeedbackError("\(field) \"\(t.prefix(40))\" is not a time in seconds")
    }

    /// RFC 3339 date-time (TLS-RPT §4.4), with or without fractional seconds; also a bare date.
    static func rfc3339(_ text: String?, field: String) throws(FeedbackError) -> Int64 {
        guard let t = text.nonEmpty else { throw FeedbackError("\(field) is missing") }
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        let normalised = t.replacingOccurrences(of: " ", with: "T")
        // A date-time without a zone is read as UTC, as the report's period is (RFC 8460 §4.4).
        for text in [normalised, normalised + "Z"] {
            for f in [plain, full, day] {
                if let d = f.date(from: text) { return Int64(d.timeIntervalSince1970.rounded(.down)) }
            }
        }
        throw FeedbackError("\(field) \"\(t.prefix(40))\" is not an RFC 3339 date-time")
    }
}

/// Address text as reports carry it: IPv4 or IPv6. Kept as written when it is address-shaped but
/// not canonical (a draft's example writes `::ffff:092.168.4.4`); anything else is not an address.
enum IPText {
    static func isAddressLike(_ text: String) -> Bool {
        if IPAddress(text) != nil { return true }
        return text.count <= 64 && text.contains(where: { $0 == "." || $0 == ":" })
            && text.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
    }
}
