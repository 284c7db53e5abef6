/// The EDNS(0) pseudo-record's fields (RFC 6891 §6.1).
public struct EDNS: Sendable, Hashable {
    /// RFC 6891 §6.2.5 and the DNS Flag Day 2020 advice: 1232 octets avoids IP fragmentation.
    public static let defaultPayloadSize: UInt16 = 1232

    public var udpPayloadSize: UInt16
    public var extendedRCode: UInt8 = 0
    public var version: UInt8 = 0
    public var dnssecOK: Bool = false
    /// Options as (code, data), kept raw.
    public var options: [(code: UInt16, data: [UInt8])] = []

    public init(udpPayloadSize: UInt16 = EDNS.defaultPayloadSize) { self.udpPayloadSize = udpPayloadSize }

    public static func == (l: EDNS, r: EDNS) -> Bool {
        l.udpPayloadSize == r.udpPayloadSize && l.extendedRCode == r.extendedRCode && l.version == r.version
            && l.dnssecOK == r.dnssecOK && l.options.map(\.code) == r.options.map(\.code)
            && l.options.map(\.data) == r.options.map(\.data)
    }
    public func hash(into h: inout Hasher) {
        h.combine(udpPayloadSize)
        h.combine(version)
    }
}

/// A DNS message (RFC 1035 §4.1): header, question, answer, authority and additional sections.
/// An OPT record in the additional section is lifted into `edns`.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16 = 0
    public var isResponse = false
    public var opcode: UInt8 = 0
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = true
    public var recursionAvailable = false
    public var authenticData = false
    public var checkingDisabled = false
    /// The full response code: the header's four bits plus EDNS's extended bits.
    public var rcode: ResponseCode = .noError
    public var questions: [DNSQuestion] = []
    public var answers: [ResourceRecord] = []
    public var authorities: [ResourceRecord] = []
    public var additionals: [ResourceRecord] = []
    /// Octets after the last counted record when decoded: a well-formed reply has none, so the
    /// resolver treats any as a malformed answer.
    public var trailingOctets = 0
    public var edns: EDNS?

    public init() {}

    /// A recursive query for one question, advertising EDNS0 with a 1232-octet payload.
    public static func query(_ question: DNSQuestion, id: UInt16, edns: EDNS? = EDNS()) -> DNSMessage {
        var m = DNSMessage()
        m.id = id
        m.questions = [question]
        m.edns = edns
        return m
    }

    // MARK: Decoding

    /// Decodes a whole message. Counts that promise more records than the bytes hold throw
    /// `.truncated`; octets after the last counted record are counted in `trailingOctets`.
    public init(decoding bytes: [UInt8]) throws(DNSWireError) {
        var r = WireReader(bytes)
        id = try r.u16("header")
        let flags = try r.u16("header")
        let qd = try r.u16("header"), an = try r.u16("header"), ns = try r.u16("header"), ar = try r.u16("header")
        isResponse = flags & 0x8000 != 0
        opcode = UInt8((flags >> 11) & 0x0F)
        authoritative = flags & 0x0400 != 0
        truncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        var code = flags & 0x000F
        for _ in 0..<qd {
            let name = try r.name()
            let type = RRType(try r.u16("question type"))
            var q = DNSQuestion(name: name, type: type)
            q.qclass = DNSClass(try r.u16("question class"))
            questions.append(q)
        }
        answers = try Self.records(an, &r, into: &edns)
        authorities = try Self.records(ns, &r, into: &edns)
        additionals = try Self.records(ar, &r, into: &edns)
        if let edns { code |= UInt16(edns.extendedRCode) << 4 }
        rcode = ResponseCode(code)
        trailingOctets = r.remaining
    }

    private static func records(_ count: UInt16, _ r: inout WireReader, into edns: inout EDNS?) throws(DNSWireError)
        -> [ResourceRecord]
    {
        var out: [ResourceRecord] = []
        out.reserveCapacity(min(Int(count), r.remaining / 11))
        for _ in 0..<count {
            let name = try r.name()
            let type = RRType(try r.u16("record type"))
            let rclass = try r.u16("record class")
            let ttl = try r.u32("record TTL")
            let length = Int(try r.u16("RDATA length"))
            guard r.offset + length <= r.bytes.count else {
                throw .truncated(reading: "\(type) RDATA", offset: r.offset)
            }
            if type == .opt {
                // RFC 6891 §6.1.2-3: CLASS is the payload size, TTL holds extended RCODE, version, DO.
                var e = EDNS(udpPayloadSize: rclass)
                e.extendedRCode = UInt8(ttl >> 24)
                e.version = UInt8((ttl >> 16) & 0xff)
                e.dnssecOK = ttl & 0x8000 != 0
                var o = WireReader(Array(r.bytes[r.offset..<(r.offset + length)]))
                while o.remaining > 0 {
                    let code = try o.u16("EDNS option code")
                    let len = try o.u16("EDNS option length")
                    e.options.append((code, try o.take(Int(len), "EDNS option")))
                }
                r.offset += length
                edns = e
                continue
            }
            let data = try RDataWire.decode(type: type, length: length, from: &r)
            out.append(ResourceRecord(name: name, ttl: ttl, data: data, rdataClass: DNSClass(rclass)))
        }
        return out
    }

    // MARK: Encoding

    public func encoded(compress: Bool = true) throws(DNSWireError) -> [UInt8] {
        var w = WireWriter(compress: compress)
        w.u16(id)
        var flags: UInt16 = 0
        if isResponse { flags |= 0x8000 }
        flags |= UInt16(opcode & 0x0F) << 11
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        flags |= rcode.rawValue & 0x000F
        w.u16(flags)
        w.u16(UInt16(questions.count))
        w.u16(UInt16(answers.count))
        w.u16(UInt16(authorities.count))
        w.u16(UInt16(additionals.count + (edns == nil ? 0 : 1)))
        for q in questions {
            w.name(q.name)
            w.u16(q.type.rawValue)
            w.u16(q.qclass.rawValue)
        }
        for record in answers + authorities + additionals { try RDataWire.encode(record, into: &w) }
        if let edns {
            w.u8(0)  // root owner
            w.u16(RRType.opt.rawValue)
            w.u16(edns.udpPayloadSize)
            let ext = UInt32((rcode.rawValue >> 4) & 0xff) << 24
            w.u32(ext | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0))
            var options: [UInt8] = []
            for o in edns.options {
                options += [
                    UInt8(o.code >> 8), UInt8(o.code & 0xff), UInt8(o.data.count >> 8), UInt8(o.data.count & 0xff),
                ]
                options += o.data
            }
            w.u16(UInt16(options.count))
            w.append(options)
        }
        guard w.bytes.count <= 65535 else { throw .messageTooLarge(w.bytes.count) }
        return w.bytes
    }
}

/// The per-type RDATA layouts (RFC 1035 §3.3, RFC 3596 §2.2, RFC 6698 §2.1).
enum RDataWire {
    static func decode(type: RRType, length: Int, from r: inout WireReader) throws(DNSWireError) -> RData {
        let start = r.offset
        let end = start + length
        let data: RData
        switch type {
        case .a:
            guard length == 4 else { throw .rdataLength(type: type, expected: length, consumed: 4) }
            data = .a(IPv4Address(wire: try r.take(4, "A"))!)
        case .aaaa:
            guard length == 16 else { throw .rdataLength(type: type, expected: length, consumed: 16) }
            data = .aaaa(IPv6Address(wire: try r.take(16, "AAAA"))!)
        case .mx:
            let pref = try r.u16("MX preference")
            data = .mx(preference: pref, exchange: try r.name())
        case .cname: data = .cname(try r.name())
        case .ptr: data = .ptr(try r.name())
        case .ns: data = .ns(try r.name())
        case .soa:
            let mname = try r.name(), rname = try r.name()
            data = .soa(
                SOAData(
                    mname: mname, rname: rname, serial: try r.u32("SOA"), refresh: try r.u32("SOA"),
                    retry: try r.u32("SOA"), expire: try r.u32("SOA"), minimum: try r.u32("SOA")))
        case .txt:
            // RFC 1035 §3.3.14: one or more character-strings filling RDATA exactly.
            var strings: [[UInt8]] = []
            var sub = WireReader(Array(r.bytes[start..<end]))
            while sub.remaining > 0 { strings.append(try sub.characterString()) }
            r.offset = end
            data = .txt(strings)
        case .tlsa:
            guard length >= 3 else { throw .rdataLength(type: type, expected: length, consumed: 3) }
            let usage = try r.u8("TLSA"), selector = try r.u8("TLSA"), matching = try r.u8("TLSA")
            data = .tlsa(
                TLSAData(
                    usage: usage, selector: selector, matchingType: matching,
                    associationData: try r.take(length - 3, "TLSA")))
        default:
            data = .unknown(type: type, data: try r.take(length, "RDATA"))
        }
        guard r.offset == end else { throw .rdataLength(type: type, expected: length, consumed: r.offset - start) }
        return data
    }

    static func encode(_ record: ResourceRecord, into w: inout WireWriter) throws(DNSWireError) {
        w.name(record.name)
        w.u16(record.type.rawValue)
        w.u16(record.rdataClass.rawValue)
        w.u32(record.ttl)
        let lengthAt = w.bytes.count
        w.u16(0)
        switch record.data {
        case .a(let ip): w.append(ip.wire)
        case .aaaa(let ip): w.append(ip.wire)
        case .mx(let pref, let exchange):
            w.u16(pref)
            w.name(exchange)
        case .cname(let n), .ptr(let n), .ns(let n): w.name(n)
        case .soa(let s):
            w.name(s.mname)
            w.name(s.rname)
            w.u32(s.serial)
            w.u32(s.refresh)
            w.u32(s.retry)
            w.u32(s.expire)
            w.u32(s.minimum)
        case .txt(let strings):
            for s in strings { try w.characterString(s) }
        case .tlsa(let t):
            w.u8(t.usage)
            w.u8(t.selector)
            w.u8(t.matchingType)
            w.append(t.associationData)
        case .unknown(_, let data): w.append(data)
        }
        let length = w.bytes.count - lengthAt - 2
        guard length <= 65535 else { throw .messageTooLarge(length) }
        w.set16(UInt16(length), at: lengthAt)
    }
}
