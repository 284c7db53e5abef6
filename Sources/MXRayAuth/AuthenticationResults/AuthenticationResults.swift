/// An Authentication-Results header field value (RFC 8601 §2.2): the authserv-id, an optional
/// version, and the results, each with its comments, reason and properties.
public struct AuthenticationResults: Sendable, Codable, Equatable {
    public struct Property: Sendable, Codable, Equatable {
        /// `smtp`, `header`, `body` or `policy` (RFC 8601 §2.3).
        public var type: String
        public var name: String
        public var value: String
        public init(type: String, name: String, value: String) {
            self.type = type
            self.name = name
            self.value = value
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var method: String
        public var methodVersion: String?
        public var result: String
        public var reason: String?
        public var properties: [Property]
        /// Comments in order, without their parentheses.
        public var comments: [String]
        /// The resinfo as written, whitespace runs reduced to one space: what ARC carries into an AAR.
        public var text: String

        public init(
            method: String, result: String, reason: String? = nil, properties: [Property] = [], comments: [String] = []
        ) {
            self.method = method
            self.result = result
            self.reason = reason
            self.properties = properties
            self.comments = comments
            self.methodVersion = nil
            self.text = ""
            self.text = rendered
        }

        /// `method=result (comment) reason="..." type.name=value`.
        public var rendered: String {
            var s = method + (methodVersion.map { "/\($0)" } ?? "") + "=" + result
            for c in comments { s += " (\(c))" }
            if let reason { s += " reason=" + AuthenticationResults.quotedIfNeeded(reason) }
            for p in properties { s += " \(p.type).\(p.name)=" + AuthenticationResults.quotedIfNeeded(p.value) }
            return s
        }

        public func property(_ type: String, _ name: String) -> String? {
            properties.first { $0.type.lowercased() == type && $0.name.lowercased() == name }?.value
        }
    }

    public var authservID: String
    public var version: Int?
    public var results: [Result]

    public init(authservID: String, version: Int? = nil, results: [Result]) {
        self.authservID = authservID
        self.version = version
        self.results = results
    }

    /// The header field value: `authserv-id; method=result ...; ...`, or `authserv-id; none`.
    public var rendered: String {
        let head = authservID + (version.map { " \($0)" } ?? "")
        if results.isEmpty { return head + "; none" }
        return ([head] + results.map(\.text)).joined(separator: ";\r\n\t")
    }

    static func quotedIfNeeded(_ value: String) -> String {
        let special = Set("()<>@,;:\\\"/[]?= \t")
        if !value.isEmpty && !value.contains(where: { special.contains($0) && $0 != "@" && $0 != "/" }) { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    /// Parses a field value. Unknown methods and properties are kept; a value without an
    /// authserv-id or with a result that has no `=` throws.
    public init(parsing text: String) throws(AuthenticationResultsError) {
        var lexer = ARLexer(text)
        guard case .word(let id)? = lexer.next(skippingComments: true) else { throw .missingAuthservID }
        authservID = id
        version = nil
        results = []
        var token = lexer.next(skippingComments: true)
        if case .word(let v)? = token, let n = Int(v) {
            version = n
            token = lexer.next(skippingComments: true)
        }
        while let t = token {
            guard t == .semicolon else { throw .unexpected("\(t)") }
            let start = lexer.position
            // One resinfo: method[/version]=result then reason/properties, up to the next ';'.
            let methodToken = lexer.next(skippingComments: true)
            if methodToken == nil { break }  // a trailing semicolon
            guard case .word(let methodWord)? = methodToken else {
                throw .unexpected("\(methodToken!) where a method was expected")
            }
            if methodWord.lowercased() == "none" && results.isEmpty {
                token = lexer.next(skippingComments: true)
                continue
            }
            var method = methodWord
            var methodVersion: String?
            var next = lexer.next(skippingComments: true)
            if next == .slash {
                guard case .word(let v)? = lexer.next(skippingComments: true) else {
                    throw .unexpected("method version")
                }
                methodVersion = v
                next = lexer.next(skippingComments: true)
            }
            guard next == .equals, case .word(let result)? = lexer.next(skippingComments: true) else {
                throw .unexpected("\(method) has no result")
            }
            var entry = Result(method: method.lowercased(), result: result.lowercased())
            method = method.lowercased()
            entry.methodVersion = methodVersion
            entry.comments = []
            // reason and properties, with comments anywhere
            while true {
                let t = lexer.next(skippingComments: false)
                switch t {
                case .comment(let c)?:
                    entry.comments.append(c)
                    continue
                case .word(let w)?:
                    if w.lowercased() == "reason" {
                        guard lexer.next(skippingComments: true) == .equals,
                            case .word(let r)? = lexer.next(skippingComments: true)
                        else {
                            throw .unexpected("reason without a value")
                        }
                        entry.reason = r
                    } else {
                        // ptype.property: a ptype is a keyword, so the first '.' splits it (RFC 8601 §2.2).
                        guard let dot = w.firstIndex(of: "."), lexer.next(skippingComments: true) == .equals else {
                            throw .unexpected("property \(w) is not ptype.property=value")
                        }
                        let name = String(w[w.index(after: dot)...])
                        let w = String(w[..<dot])
                        // The value runs to the next whitespace, comment or ';' (it may hold '@', '.', '/').
                        let value = lexer.value()
                        entry.properties.append(Property(type: w.lowercased(), name: name.lowercased(), value: value))
                    }
                    continue
                default:
                    token = t
                }
                break
            }
            let end = token == nil ? lexer.endPosition : lexer.position - 1
            entry.text = lexer.slice(start, end).collapsingWhitespace
            results.append(entry)
        }
    }
}

public enum AuthenticationResultsError: Error, Sendable, CustomStringConvertible {
    case missingAuthservID
    case unexpected(String)

    public var description: String {
        switch self {
        case .missingAuthservID: "no authserv-id"
        case .unexpected(let s): "unexpected \(s)"
        }
    }
}

/// Tokens of RFC 8601 §2.2 (with RFC 5322 comments and quoted strings).
struct ARLexer {
    enum Token: Equatable, CustomStringConvertible {
        case word(String), comment(String), semicolon, equals, slash
        var description: String {
            switch self {
            case .word(let w): "\"\(w)\""
            case .comment(let c): "(\(c))"
            case .semicolon: "';'"
            case .equals: "'='"
            case .slash: "'/'"
            }
        }
    }

    /// Comments nest (RFC 5322 §3.2.2); deeper nesting than this is refused.
    static let maxCommentDepth = 16

    let chars: [Character]
    var position = 0
    var endPosition: Int { chars.count }

    init(_ text: String) { chars = Array(text) }

    func slice(_ a: Int, _ b: Int) -> String { a < b ? String(chars[a..<min(b, chars.count)]) : "" }

    mutating func skipWhitespace() {
        while position < chars.count, chars[position].isWhitespace { position += 1 }
    }

    mutating func next(skippingComments: Bool) -> Token? {
        while true {
            skipWhitespace()
            guard position < chars.count else { return nil }
            let c = chars[position]
            switch c {
            case ";":
                position += 1
                return .semicolon
            case "=":
                position += 1
                return .equals
            case "/":
                position += 1
                return .slash
            case "(":
                let comment = readComment()
                if skippingComments { continue }
                return .comment(comment)
            case "\"": return .word(readQuoted())
            default:
                var w = ""
                while position < chars.count, !chars[position].isWhitespace, !";=/()\"".contains(chars[position]) {
                    w.append(chars[position])
                    position += 1
                }
                return .word(w)
            }
        }
    }

    /// A property value: a quoted string, or everything up to whitespace, ';' or '('.
    mutating func value() -> String {
        skipWhitespace()
        guard position < chars.count else { return "" }
        if chars[position] == "\"" { return readQuoted() }
        var w = ""
        while position < chars.count, !chars[position].isWhitespace, !";()".contains(chars[position]) {
            w.append(chars[position])
            position += 1
        }
        return w
    }

    mutating func readQuoted() -> String {
        position += 1
        var s = ""
        while position < chars.count, chars[position] != "\"" {
            if chars[position] == "\\", position + 1 < chars.count { position += 1 }
            s.append(chars[position])
            position += 1
        }
        position += 1
        return s
    }

    mutating func readComment() -> String {
        var depth = 0
        var s = ""
        while position < chars.count {
            let c = chars[position]
            position += 1
            if c == "\\", position < chars.count {
                s.append(chars[position])
                position += 1
                continue
            }
            if c == "(" {
                depth += 1
                if depth > 1 && depth <= Self.maxCommentDepth { s.append(c) }
                continue
            }
            if c == ")" {
                depth -= 1
                if depth == 0 { break }
                s.append(c)
                continue
            }
            s.append(c)
        }
        return s
    }
}

extension String {
    /// Whitespace runs (folding included) reduced to one space, trimmed.
    var collapsingWhitespace: String {
        var out = ""
        var pending = false
        for c in self {
            if c.isWhitespace {
                pending = !out.isEmpty
                continue
            }
            if pending {
                out.append(" ")
                pending = false
            }
            out.append(c)
        }
        return out
    }
}
