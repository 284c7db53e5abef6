import Foundation

/// The records of one RFC 1035 §5 master file, with the origin it declared.
public struct ZoneFile: Sendable {
    public var path: String?
    /// The last `$ORIGIN`, or the owner of the first SOA record.
    public var origin: DomainName?
    public var records: [ResourceRecord]
    /// Entries that were read but not loaded, each with its line (for example a class other than IN).
    public var warnings: [String]

    /// The TTL used when neither `$TTL` nor an earlier record gave one.
    public static let fallbackTTL: UInt32 = 3600

    /// A zone built in memory, for example from test vectors that list DNS answers.
    public init(records: [ResourceRecord], origin: DomainName? = nil, path: String? = nil) {
        self.records = records
        self.origin = origin
        self.path = path
        self.warnings = []
    }

    /// Reads and parses a master file from disk.
    public init(contentsOf path: String, origin: DomainName? = nil) throws(ZoneFileError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ZoneFileError(path: path, line: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        do { self = try ZoneFile(parsing: Array(data), origin: origin) } catch {
            var e = error
            e.path = path
            throw e
        }
        self.path = path
    }

    /// Parses master-file text: `$ORIGIN`, `$TTL`, `@`, relative names, owners carried over from the
    /// previous entry, TTL and class in either order, parentheses, quoted strings and comments.
    public init(parsing bytes: [UInt8], origin initialOrigin: DomainName? = nil) throws(ZoneFileError) {
        var origin = initialOrigin
        var defaultTTL: UInt32?
        var lastTTL: UInt32?
        var lastOwner: DomainName?
        var records: [ResourceRecord] = []
        var warnings: [String] = []
        var declaredOrigin: DomainName? = initialOrigin

        for entry in try ZoneTokenizer.entries(bytes) {
            var tokens = entry.tokens[...]
            let line = entry.line
            let first = tokens.first!
            if !entry.ownerOmitted, !first.quoted, first.text.hasPrefix("$") {
                let directive = first.text.uppercased()
                let args = Array(tokens.dropFirst())
                switch directive {
                case "$ORIGIN":
                    guard args.count == 1 else { throw ZoneFileError(line: line, message: "$ORIGIN takes one name") }
                    origin = try ZoneNames.resolve(args[0].text, origin: origin, line: line)
                    declaredOrigin = declaredOrigin ?? origin
                case "$TTL":
                    guard args.count == 1, let ttl = TTLText.parse(args[0].text) else {
                        throw ZoneFileError(line: line, message: "$TTL takes one time value")
                    }
                    defaultTTL = ttl
                default:
                    throw ZoneFileError(
                        line: line, message: "\(first.text) is not supported; mxray reads $ORIGIN and $TTL")
                }
                continue
            }

            let owner: DomainName
            if entry.ownerOmitted {
                guard let lastOwner else {
                    throw ZoneFileError(line: line, message: "the first record has no owner name")
                }
                owner = lastOwner
            } else {
                owner = try ZoneNames.resolve(first.text, origin: origin, line: line)
                tokens = tokens.dropFirst()
            }
            lastOwner = owner

            // RFC 1035 §5.1: [<TTL>] [<class>] or [<class>] [<TTL>] before the type.
            var ttl: UInt32?
            var rclass: String?
            for _ in 0..<2 {
                guard let t = tokens.first, !t.quoted else { break }
                if ttl == nil, t.text.first?.isNumber == true, let value = TTLText.parse(t.text) {
                    ttl = value
                    tokens = tokens.dropFirst()
                } else if rclass == nil, Self.isClass(t.text) {
                    rclass = t.text.uppercased()
                    tokens = tokens.dropFirst()
                }
            }
            guard let typeToken = tokens.first else {
                throw ZoneFileError(line: line, message: "record for \(owner) has no type")
            }
            guard let type = RRType(name: typeToken.text), !typeToken.quoted else {
                throw ZoneFileError(line: line, message: "unknown record type \"\(typeToken.text)\"")
            }
            tokens = tokens.dropFirst()
            if let rclass, rclass != "IN" {
                warnings.append("line \(line): \(owner) \(type) in class \(rclass) not loaded; only IN is answered")
                continue
            }
            let data: RData
            do {
                data = try RDataTextParser.parse(type: type, tokens: Array(tokens), origin: origin, line: line)
            } catch {
                if error.message.contains("generic form") {
                    warnings.append("line \(line): \(owner) \(type) not loaded: \(error.message)")
                    continue
                }
                throw error
            }
            if case .soa(let soa) = data, defaultTTL == nil, ttl == nil, lastTTL == nil {
                // RFC 2308 §4: before $TTL existed, the SOA minimum served as the default TTL.
                lastTTL = soa.minimum
            }
            if declaredOrigin == nil, type == .soa { declaredOrigin = owner }
            let effectiveTTL = ttl ?? defaultTTL ?? lastTTL ?? Self.fallbackTTL
            if ttl != nil { lastTTL = ttl }
            records.append(ResourceRecord(name: owner, ttl: effectiveTTL, data: data))
        }
        self.path = nil
        self.origin = declaredOrigin
        self.records = records
        self.warnings = warnings
    }

    static func isClass(_ text: String) -> Bool {
        let upper = text.uppercased()
        return ["IN", "CH", "HS", "CS"].contains(upper)
            || (upper.hasPrefix("CLASS") && UInt16(upper.dropFirst(5)) != nil)
    }
}
