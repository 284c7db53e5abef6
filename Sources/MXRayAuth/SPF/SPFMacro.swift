import Foundation
import MXRayDNS

/// SPF macro strings (RFC 7208 §7): validation when a record is parsed, expansion when it is
/// evaluated.
enum SPFMacro {
    static let delimiters: Set<Character> = [".", "-", "+", ",", "/", "_", "="]
    /// RFC 7208 §7.3: letters allowed everywhere, and those only allowed in explanations.
    static let letters: Set<Character> = ["s", "l", "o", "d", "i", "p", "h", "v"]
    static let explanationLetters: Set<Character> = ["c", "r", "t"]

    /// What expansion needs to know about the check.
    struct Context: Sendable {
        var sender: String
        var localPart: String
        var senderDomain: String
        var domain: String
        var ip: IPAddress
        var helo: String
        var receiver = "unknown"
        var now: Int64
    }

    /// Checks the syntax; an error is a permerror of the record.
    static func validate(_ s: String, allowsExplanationLetters: Bool, term: String) throws(SPFError) {
        _ = try parse(s, allowsExplanationLetters: allowsExplanationLetters, allowsSpaces: false, term: term)
    }

    enum Piece {
        case literal(String)
        case macro(letter: Character, uppercase: Bool, digits: Int?, reverse: Bool, delimiters: Set<Character>)
    }

    static func parse(_ s: String, allowsExplanationLetters: Bool, allowsSpaces: Bool, term: String) throws(SPFError)
        -> [Piece]
    {
        var pieces: [Piece] = []
        var literal = ""
        let chars = Array(s)
        var i = 0
        func bad(_ why: String) -> SPFError { .syntax("\(term): \(why)") }
        while i < chars.count {
            let c = chars[i]
            if c != "%" {
                // macro-literal: visible ASCII except '%'; explanations may also hold spaces.
                guard let ascii = c.asciiValue, (ascii >= 0x21 && ascii <= 0x7E) || (allowsSpaces && ascii == 0x20)
                else {
                    throw bad(
                        "character "
                            + c.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined()
                            + " is not allowed"
                    )
                }
                literal.append(c)
                i += 1
                continue
            }
            guard i + 1 < chars.count else { throw bad("'%' at the end") }
            let next = chars[i + 1]
            switch next {
            case "%":
                literal.append("%")
                i += 2
                continue
            case "_":
                literal.append(" ")
                i += 2
                continue
            case "-":
                literal.append("%20")
                i += 2
                continue
            case "{": break
            default: throw bad("'%\(next)' is not a macro")
            }
            guard let close = chars[(i + 2)...].firstIndex(of: "}") else { throw bad("unterminated macro") }
            let body = chars[(i + 2)..<close]
            guard let letterChar = body.first else { throw bad("empty macro") }
            let letter = Character(letterChar.lowercased())
            guard letters.contains(letter) || (allowsExplanationLetters && explanationLetters.contains(letter)) else {
                throw bad("macro letter '\(letterChar)' is not allowed here")
            }
            var j = body.index(after: body.startIndex)
            var digitText = ""
            while j < body.endIndex, body[j].isASCIIDigit {
                digitText.append(body[j])
                j += 1
            }
            var digits: Int? = nil
            if !digitText.isEmpty {
                guard digitText.count <= 3, let n = Int(digitText), n > 0 else {
                    throw bad("transformer digits must be 1-999")
                }
                digits = n
            }
            var reverse = false
            if j < body.endIndex, body[j] == "r" || body[j] == "R" {
                reverse = true
                j += 1
            }
            var delims: Set<Character> = []
            while j < body.endIndex {
                guard delimiters.contains(body[j]) else { throw bad("'\(body[j])' is not a macro delimiter") }
                delims.insert(body[j])
                j += 1
            }
            if !literal.isEmpty {
                pieces.append(.literal(literal))
                literal = ""
            }
            pieces.append(
                .macro(
                    letter: letter, uppercase: letterChar.isUppercase, digits: digits, reverse: reverse,
                    delimiters: delims.isEmpty ? ["."] : delims))
            i = close + 1
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    /// Expands `s`. `validatedName` answers %{p} (it may query DNS).
    static func expand(
        _ s: String, _ context: Context, explanation: Bool,
        validatedName: () async -> String
    ) async throws(SPFError) -> String {
        // Most domain-specs hold no macro at all (validated when the record was parsed).
        if !explanation && !s.utf8.contains(UInt8(ascii: "%")) { return s }
        let pieces = try parse(s, allowsExplanationLetters: explanation, allowsSpaces: explanation, term: s)
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let l): out += l
            case .macro(let letter, let uppercase, let digits, let reverse, let delims):
                var value: String
                switch letter {
                case "s": value = context.sender
                case "l": value = context.localPart
                case "o": value = context.senderDomain
                case "d": value = context.domain
                case "i": value = dottedIP(context.ip)
                case "p": value = await validatedName()
                case "v": value = { if case .v4 = context.ip { return "in-addr" } else { return "ip6" } }()
                case "h": value = context.helo
                case "c": value = context.ip.description
                case "r": value = context.receiver
                case "t": value = String(context.now)
                default: value = ""
                }
                var parts = value.split(whereSeparator: { delims.contains($0) }).map(String.init)
                if value.isEmpty { parts = [""] }
                if reverse { parts.reverse() }
                if let digits, digits < parts.count { parts = Array(parts.suffix(digits)) }
                value = parts.joined(separator: ".")
                out += uppercase ? urlEscape(value) : value
            }
        }
        return out
    }

    /// %{i}: dotted quad for IPv4, dot-separated nibbles for IPv6 (RFC 7208 §7.3).
    static func dottedIP(_ ip: IPAddress) -> String {
        switch ip {
        case .v4(let a): return a.description
        case .v6(let a):
            let hex = Array("0123456789abcdef")
            var nibbles: [String] = []
            for b in a.wire {
                nibbles.append(String(hex[Int(b >> 4)]))
                nibbles.append(String(hex[Int(b & 0xF)]))
            }
            return nibbles.joined(separator: ".")
        }
    }

    /// RFC 3986 unreserved characters stay; everything else is %XX.
    static func urlEscape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// RFC 7208 §7.3: an expanded name over 253 characters loses labels on the left until it fits.
    static func truncated(_ name: String) -> String {
        var n = Substring(name)
        if n.hasSuffix(".") { n = n.dropLast() }
        while n.utf8.count > 253, let dot = n.firstIndex(of: ".") { n = n[n.index(after: dot)...] }
        return String(n)
    }
}
