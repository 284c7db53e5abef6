/// A parsed SPF record (RFC 7208 §4.6, §12): directives in order, and the modifiers.
public struct SPFRecord: Sendable, Equatable {
    /// RFC 7208 §4.6.1: the qualifier before a mechanism; `+` when absent.
    public enum Qualifier: String, Sendable { case pass = "+", fail = "-", softfail = "~", neutral = "?" }

    public enum Mechanism: Sendable, Equatable {
        case all
        case include(String)
        /// Domain spec (nil: the current domain) and CIDR lengths for IPv4 and IPv6.
        case a(String?, v4: Int, v6: Int)
        case mx(String?, v4: Int, v6: Int)
        case ptr(String?)
        case ip4(IPv4Network)
        case ip6(IPv6Network)
        case exists(String)

        /// RFC 7208 §4.6.4: these cause DNS queries and count against the limit of 10.
        var queriesDNS: Bool {
            switch self {
            case .include, .a, .mx, .ptr, .exists: true
            case .all, .ip4, .ip6: false
            }
        }
    }

    public struct Directive: Sendable, Equatable {
        public var qualifier: Qualifier
        public var mechanism: Mechanism
        /// The term as written, for traces.
        public var text: String
    }

    public var directives: [Directive] = []
    public var redirect: String?
    public var explanation: String?
    /// The record text as published.
    public var text: String

    /// RFC 7208 §4.5: a record starts with exactly "v=spf1" followed by a space or the end.
    public static func isSPF(_ text: String) -> Bool {
        var iterator = text.utf8.makeIterator()
        for expected in "v=spf1".utf8 {
            guard let b = iterator.next(), b | (expected >= 0x61 ? 0x20 : 0) == expected else { return false }
        }
        let next = iterator.next()
        return next == nil || next == 0x20
    }

    /// A record longer than this many terms is refused before evaluation (it could not
    /// be evaluated within the 10-lookup limit anyway unless it is all ip4/ip6).
    public static let maxTerms = 1000

    /// Parses a record. Any syntax error is a permerror (RFC 7208 §4.6), reported with the term.
    public init(parsing text: String) throws(SPFError) {
        self.text = text
        guard Self.isSPF(text) else { throw .syntax("record does not start with v=spf1") }
        // Terms are separated by one or more spaces (RFC 7208 §4.6.1); other whitespace is an error.
        let terms = text.utf8.dropFirst(6).split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
        guard terms.count <= Self.maxTerms else {
            throw .syntax("record has \(terms.count) terms, over the limit of \(Self.maxTerms)")
        }
        for term in terms {
            if let eq = term.firstIndex(of: "="), let name = Self.modifierName(term[..<eq]) {
                let value = String(term[term.index(after: eq)...])
                try SPFMacro.validate(value, allowsExplanationLetters: false, term: term)
                switch name.lowercased() {
                case "redirect":
                    guard redirect == nil else { throw .syntax("redirect= appears twice") }
                    guard !value.isEmpty else { throw .syntax("redirect= has no domain") }
                    try Self.checkDomainEnd(value, term: term)
                    redirect = value
                case "exp":
                    guard explanation == nil else { throw .syntax("exp= appears twice") }
                    guard !value.isEmpty else { throw .syntax("exp= has no domain") }
                    try Self.checkDomainEnd(value, term: term)
                    explanation = value
                default:
                    break  // RFC 7208 §6: unknown modifiers are ignored
                }
                continue
            }
            directives.append(try Self.directive(term))
        }
    }

    /// `name` of a modifier: ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    static func modifierName(_ s: Substring) -> Substring? {
        guard let first = s.unicodeScalars.first, first.isASCIILetter else { return nil }
        guard
            s.unicodeScalars.allSatisfy({
                $0.isASCIILetter || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else { return nil }
        return s
    }

    static func directive(_ term: String) throws(SPFError) -> Directive {
        var body = Substring(term)
        var qualifier = Qualifier.pass
        if let q = body.first.flatMap({ Qualifier(rawValue: String($0)) }) {
            qualifier = q
            body = body.dropFirst()
        }
        let nameEnd = body.firstIndex { $0 == ":" || $0 == "/" } ?? body.endIndex
        let name = body[..<nameEnd].lowercased()
        let rest = body[nameEnd...]
        func domainArgument(required: Bool) throws(SPFError) -> (String?, Substring) {
            if rest.hasPrefix(":") {
                // A domain-spec may hold ':' and '/' (RFC 7208 §7.1); only a trailing
                // "/n", "//m" or "/n//m" is a CIDR length.
                let arg = rest.dropFirst()
                let slash = Self.cidrSuffixStart(arg)
                let domain = String(arg[..<slash])
                guard !domain.isEmpty else { throw .syntax("\(term): empty domain") }
                try SPFMacro.validate(domain, allowsExplanationLetters: false, term: term)
                try checkDomainEnd(domain, term: term)
                return (domain, arg[slash...])
            }
            if required { throw .syntax("\(term): needs a domain") }
            return (nil, rest)
        }
        let mechanism: Mechanism
        switch name {
        case "all":
            guard rest.isEmpty else { throw .syntax("\(term): all takes no argument") }
            mechanism = .all
        case "include":
            guard case (let d?, let tail) = try domainArgument(required: true), tail.isEmpty else {
                throw .syntax("\(term): bad include")
            }
            mechanism = .include(d)
        case "exists":
            guard case (let d?, let tail) = try domainArgument(required: true), tail.isEmpty else {
                throw .syntax("\(term): bad exists")
            }
            mechanism = .exists(d)
        case "a", "mx":
            let (domain, tail) = try domainArgument(required: false)
            let (v4, v6) = try dualCIDR(tail, term: term)
            mechanism = name == "a" ? .a(domain, v4: v4, v6: v6) : .mx(domain, v4: v4, v6: v6)
        case "ptr":
            let (domain, tail) = try domainArgument(required: false)
            guard tail.isEmpty else { throw .syntax("\(term): ptr takes no CIDR") }
            mechanism = .ptr(domain)
        case "ip4":
            guard rest.hasPrefix(":"), let net = IPv4Network(String(rest.dropFirst())) else {
                throw .syntax("\(term): not an IPv4 network")
            }
            mechanism = .ip4(net)
        case "ip6":
            guard rest.hasPrefix(":"), let net = IPv6Network(String(rest.dropFirst())) else {
                throw .syntax("\(term): not an IPv6 network")
            }
            mechanism = .ip6(net)
        default:
            throw .syntax("unknown mechanism \"\(term)\"")
        }
        return Directive(qualifier: qualifier, mechanism: mechanism, text: term)
    }

    /// Where a trailing dual-cidr-length starts in a mechanism argument, or its end if none.
    static func cidrSuffixStart(_ arg: Substring) -> Substring.Index {
        let chars = Array(arg)
        var i = chars.count
        func digitsBefore(_ end: Int) -> Int {
            var j = end
            while j > 0 && chars[j - 1].isASCIIDigit { j -= 1 }
            return j
        }
        // "//m" at the end?
        var j = digitsBefore(i)
        if j < i, j >= 2, chars[j - 1] == "/", chars[j - 2] == "/" {
            i = j - 2
            j = digitsBefore(i)
        }
        // "/n" before it (or at the end)?
        if j < i, j >= 1, chars[j - 1] == "/", !(j >= 2 && chars[j - 2] == "/") { i = j - 1 }
        return arg.index(arg.startIndex, offsetBy: i)
    }

    /// `/n` for IPv4 and `//m` for IPv6 (RFC 7208 §5.6), either or both.
    static func dualCIDR(_ text: Substring, term: String) throws(SPFError) -> (Int, Int) {
        var v4 = 32, v6 = 128
        var rest = text
        func number(_ s: Substring, max: Int) throws(SPFError) -> Int {
            guard !s.isEmpty, s.count <= 3, s.allSatisfy(\.isASCIIDigit), !(s.count > 1 && s.first == "0"),
                let n = Int(s), n <= max
            else { throw .syntax("\(term): bad CIDR length") }
            return n
        }
        if rest.hasPrefix("/") && !rest.hasPrefix("//") {
            rest = rest.dropFirst()
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            v4 = try number(rest[..<end], max: 32)
            rest = rest[end...]
        }
        if rest.hasPrefix("//") {
            v6 = try number(rest.dropFirst(2), max: 128)
            rest = rest[rest.endIndex...]
        }
        guard rest.isEmpty else { throw .syntax("\(term): bad CIDR") }
        return (v4, v6)
    }

    /// RFC 7208 §7.1: a domain-spec that does not end in a macro must end in a top label of
    /// letters, digits and hyphens that is not all digits.
    static func checkDomainEnd(_ domain: String, term: String) throws(SPFError) {
        var d = Substring(domain)
        if d.hasSuffix(".") { d = d.dropLast() }
        if d.hasSuffix("}") { return }
        guard let dot = d.lastIndex(of: ".") else {
            throw .syntax("\(term): \"\(domain)\" is not a fully qualified domain")
        }
        let top = d[d.index(after: dot)...]
        guard !top.isEmpty, top.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
            !top.allSatisfy(\.isASCIIDigit), top.first != "-", top.last != "-"
        else {
            throw .syntax("\(term): \"\(domain)\" does not end in a valid top-level label")
        }
    }
}

/// Why an SPF record or macro is invalid.
public enum SPFError: Error, Sendable, Equatable, CustomStringConvertible {
    case syntax(String)
    public var description: String {
        switch self {
        case .syntax(let s): s
        }
    }
}
