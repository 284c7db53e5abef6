/// A DMARC policy record at `_dmarc.DOMAIN` (RFC 7489 §6.3, RFC 9989 §4.7), with the tags of both.
public struct DMARCRecord: Sendable, Codable, Equatable {
    public enum Policy: String, Sendable, Codable { case none, quarantine, reject }
    public enum Alignment: String, Sendable, Codable { case relaxed = "r", strict = "s" }

    /// p=; nil when absent (RFC 9989 treats that as none, RFC 7489 needs rua= to carry on).
    public var policy: Policy?
    public var subdomainPolicy: Policy?
    /// np= (RFC 9091, RFC 9989): for subdomains that do not exist.
    public var nonexistentPolicy: Policy?
    /// psd= (RFC 9989): y for a public suffix domain, n for an organizational domain, u unknown.
    public var psd: String?
    /// t=y (RFC 9989): testing mode.
    public var testing: Bool
    public var dkimAlignment: Alignment
    public var spfAlignment: Alignment
    public var percent: Int
    public var aggregateReportURIs: [String]
    public var failureReportURIs: [String]
    public var failureOptions: String?
    public var reportFormat: String?
    public var reportInterval: Int?
    /// The record as published.
    public var text: String

    /// Optional tags whose values were invalid and were ignored in favour of their defaults
    /// (RFC 7489 §6.3), each as `tag=value`.
    public var ignoredTags: [String] = []

    /// RFC 7489 §6.6.3: a record is found when its text starts with the version,
    /// `dmarc-version = "v" *WSP "=" *WSP "DMARC1"` (§6.4), where WSP is a space or a tab.
    public static func isDMARC(_ text: String) -> Bool {
        var rest = Substring(text.trimmingFWS)
        func skipWSP() { while let c = rest.first, c == " " || c == "\t" { rest = rest.dropFirst() } }
        guard rest.first == "v" else { return false }
        rest = rest.dropFirst()
        skipWSP()
        guard rest.first == "=" else { return false }
        rest = rest.dropFirst()
        skipWSP()
        guard rest.hasPrefix("DMARC1") else { return false }
        rest = rest.dropFirst(6)
        return rest.isEmpty || rest.first == ";" || rest.first == " " || rest.first == "\t"
    }

    /// Parses a record; any invalid tag value is an error that names it (permerror).
    public init(parsing text: String) throws(DMARCRecordError) {
        self.text = text
        let tags: TagList
        // RFC 7489 §6.4 builds on the DKIM tag list; receivers skip empty specs (`;;`).
        do { tags = try TagList(parsing: text, allowingEmptyTags: true) } catch { throw .syntax("\(error)") }
        var ignored: [String] = []
        guard tags.tags.first?.name == "v", tags["v"] == "DMARC1" else { throw .syntax("v=DMARC1 must come first") }
        func policyTag(_ name: String) throws(DMARCRecordError) -> Policy? {
            guard let v = tags[name] else { return nil }
            guard let p = Policy(rawValue: v.lowercased()) else {
                throw .syntax("\(name)=\(v) is not none, quarantine or reject")
            }
            return p
        }
        func alignment(_ name: String) throws(DMARCRecordError) -> Alignment {
            guard let v = tags[name] else { return .relaxed }
            guard let a = Alignment(rawValue: v.lowercased()) else { throw .syntax("\(name)=\(v) is not r or s") }
            return a
        }
        policy = try policyTag("p")
        subdomainPolicy = try policyTag("sp")
        nonexistentPolicy = try policyTag("np")
        // RFC 7489 §6.3: syntax errors in the optional tags are discarded in favour of the
        // defaults; the record stays valid. (p= and sp= are judged by the evaluator's rules.)
        if let v = tags["psd"] {
            if ["y", "n", "u"].contains(v.lowercased()) { psd = v.lowercased() } else { ignored.append("psd=\(v)") }
        }
        testing = false
        if let v = tags["t"] {
            if ["y", "n"].contains(v.lowercased()) {
                testing = v.lowercased() == "y"
            } else {
                ignored.append("t=\(v)")
            }
        }
        func lenientAlignment(_ name: String) -> Alignment {
            do { return try alignment(name) } catch {
                ignored.append("\(name)=\(tags[name] ?? "")")
                return .relaxed
            }
        }
        dkimAlignment = lenientAlignment("adkim")
        spfAlignment = lenientAlignment("aspf")
        percent = 100
        if let v = tags["pct"] {
            // RFC 9989 makes pct historic (ignored); under RFC 7489 an invalid value is the default.
            if let n = Int(v), (0...100).contains(n) { percent = n } else { ignored.append("pct=\(v)") }
        }
        func uris(_ name: String) throws(DMARCRecordError) -> [String] {
            guard let v = tags[name] else { return [] }
            let list = v.split(separator: ",").map { $0.trimmingFWS }
            for uri in list where !uri.lowercased().hasPrefix("mailto:") && !uri.contains(":") {
                throw .syntax("\(name) entry \"\(uri)\" is not a URI")
            }
            return list
        }
        func lenientURIs(_ name: String) -> [String] {
            do { return try uris(name) } catch {
                ignored.append("\(name)=\(tags[name] ?? "")")
                return []
            }
        }
        aggregateReportURIs = lenientURIs("rua")
        failureReportURIs = lenientURIs("ruf")
        failureOptions = tags["fo"]
        reportFormat = tags["rf"]
        if let v = tags["ri"] {
            if let n = Int(v), n >= 0 { reportInterval = n } else { ignored.append("ri=\(v)") }
        }
        ignoredTags = ignored
    }
}

public enum DMARCRecordError: Error, Sendable, CustomStringConvertible {
    case syntax(String)
    public var description: String {
        switch self {
        case .syntax(let s): "invalid DMARC record: \(s)"
        }
    }
}
