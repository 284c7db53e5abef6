import Foundation

/// A nameserver to send queries to: an IP literal and a port.
public struct Nameserver: Sendable, Hashable, CustomStringConvertible, Codable {
    public var address: IPAddress
    public var port: Int

    public init(address: IPAddress, port: Int = 53) {
        self.address = address
        self.port = port
    }

    /// Parses `IP`, `IPv4:PORT`, `[IPv6]:PORT` or a bare IPv6 address.
    public init(parsing text: String) throws(NameserverError) {
        func port(_ s: Substring) throws(NameserverError) -> Int {
            guard let p = Int(s), (1...65535).contains(p) else { throw .badPort(text) }
            return p
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badAddress(text) }
            guard let ip = IPv6Address(String(text[text.index(after: text.startIndex)..<close])) else {
                throw .badAddress(text)
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                self.init(address: .v6(ip))
                return
            }
            guard rest.hasPrefix(":") else { throw .badAddress(text) }
            self.init(address: .v6(ip), port: try port(rest.dropFirst()))
            return
        }
        if let ip = IPAddress(text) {
            self.init(address: ip)
            return
        }
        if let colon = text.lastIndex(of: ":"), let ip = IPv4Address(String(text[..<colon])) {
            self.init(address: .v4(ip), port: try port(text[text.index(after: colon)...]))
            return
        }
        throw .badAddress(text)
    }

    public var description: String {
        switch address {
        case .v4(let a): "\(a):\(port)"
        case .v6(let a): "[\(a)]:\(port)"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Nameserver(parsing: text)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public enum NameserverError: Error, Sendable, CustomStringConvertible {
    case badAddress(String)
    case badPort(String)

    public var description: String {
        switch self {
        case .badAddress(let s): "\"\(s)\" is not a nameserver address; use IP, IPv4:PORT or [IPv6]:PORT"
        case .badPort(let s): "\"\(s)\" has a port outside 1-65535"
        }
    }
}

/// The parts of resolv.conf(5) a stub resolver uses: `nameserver` lines and the
/// `timeout:` and `attempts:` options.
public struct ResolvConf: Sendable, Equatable {
    public var nameservers: [Nameserver] = []
    public var timeoutSeconds: Int?
    public var attempts: Int?

    public init(parsing text: String) {
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = fields.first else { continue }
            if keyword == "nameserver", fields.count >= 2 {
                // A link-local scope (`fe80::1%eth0`) is dropped: the address alone is not routable.
                let address = fields[1].split(separator: "%")[0]
                if let ip = IPAddress(String(address)) { nameservers.append(Nameserver(address: ip)) }
            } else if keyword == "options" {
                for option in fields.dropFirst() {
                    if option.hasPrefix("timeout:"), let n = Int(option.dropFirst(8)) {
                        timeoutSeconds = min(max(n, 1), 30)
                    }
                    if option.hasPrefix("attempts:"), let n = Int(option.dropFirst(9)) { attempts = min(max(n, 1), 5) }
                }
            }
        }
    }

    /// Reads the file; a missing file gives no nameservers.
    public static func load(path: String = "/etc/resolv.conf") -> ResolvConf {
        guard let data = FileManager.default.contents(atPath: path) else { return ResolvConf(parsing: "") }
        return ResolvConf(parsing: String(decoding: data, as: UTF8.self))
    }
}
