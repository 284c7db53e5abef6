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

    /// RFC 7489 §6.6.3: a record is found when its text starts with "v=DMARC1".
    public static func isDMARC(_ text: String) -> Bool {
        let t = text.trimmingFWS
        guard t.hasPrefix("v=DMARC1") || t.hasPrefix("v = DMARC1") else { return false }
        let rest = t.dropFirst(t.hasPrefix("v=DMARC1") ? 8 : 10)
        return rest.isEmpty || rest.first == ";" || rest.first == " "
    }

    /// Parses a record; any invalid tag value is an error that names it (permerror).
    public init(parsing text: String) throws(DMARCRecordError) {
        self.text = text
        let tags: TagList
        do { tags = try TagList(parsing: text) } catch { throw .syntax("\(error)") }
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
        if let v = tags["psd"] {
            guard ["y", "n", "u"].contains(v.lowercased()) else { throw .syntax("psd=\(v) is not y, n or u") }
            psd = v.lowercased()
        }
        if let v = tags["t"] {
            guard ["y", "n"].contains(v.lowercased()) else { throw .syntax("t=\(v) is not y or n") }
            testing = v.lowercased() == "y"
        } else {
            testing = false
        }
        dkimAlignment = try alignment("adkim")
        spfAlignment = try alignment("aspf")
        if let v = tags["pct"] {
            guard let n = Int(v), (0...100).contains(n) else { throw .syntax("pct=\(v) is not 0-100") }
            percent = n
        } else {
            percent = 100
        }
        func uris(_ name: String) throws(DMARCRecordError) -> [String] {
            guard let v = tags[name] else { return [] }
            let list = v.split(separator: ",").map { $0.trimmingFWS }
            for uri in list where !uri.lowercased().hasPrefix("mailto:") && !uri.contains(":") {
                throw .syntax("\(name) entry \"\(uri)\" is not a URI")
            }
            return list
        }
        aggregateReportURIs = try uris("rua")
        failureReportURIs = try uris("ruf")
        failureOptions = tags["fo"]
        reportFormat = tags["rf"]
        if let v = tags["ri"] {
            guard let n = Int(v), n >= 0 else { throw .syntax("ri=\(v) is not a number of seconds") }
            reportInterval = n
        }
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
