import Foundation
import MXRayAuth
import MXRayDNS
import Yams

/// `mxray milter --config FILE`: the listeners, each with its roles, and the shared DNS, limits and
/// metrics (YAML). Every field but the listeners has a default; `--check-config` prints them all.
public struct MilterConfig: Codable, Sendable, Equatable {
    public var dns = DNSSettings()
    public var limits = Limits()
    /// `ADDRESS:PORT` for the Prometheus text endpoint (`/metrics`); none when absent.
    public var metrics: String?
    public var listeners: [Listener]

    public struct DNSSettings: Codable, Sendable, Equatable {
        /// Nameservers as `IP`, `IP:PORT` or `[IPv6]:PORT`; /etc/resolv.conf when empty.
        public var nameservers: [String] = []
        /// Answer from these master files instead of the network (tests and planning).
        public var zoneFiles: [String] = []
        public var timeoutSeconds: Double = 2
        public var attempts: Int = 2

        public init() {}

        enum CodingKeys: String, CodingKey {
            case nameservers, attempts
            case zoneFiles = "zone_files"
            case timeoutSeconds = "timeout_seconds"
        }
    }

    public struct Limits: Codable, Sendable, Equatable {
        /// Body bytes held in memory per message before the rest goes to a temporary file.
        public var memoryBytes = 1 << 20
        /// Past this size a message is passed through unjudged, with a log line.
        public var maxMessageBytes = 64 << 20
        /// Seconds the filter may take at the end of a message before `on_error` answers for it.
        public var messageTimeoutSeconds: Double = 30
        /// A connection with nothing to read for this long is closed.
        public var idleTimeoutSeconds: Double = 300
        /// Messages judged at once; past it, `on_error` answers at once (overload).
        public var maxConcurrentMessages = 256
        public var spillDirectory = NSTemporaryDirectory()

        public init() {}

        enum CodingKeys: String, CodingKey {
            case memoryBytes = "memory_bytes"
            case maxMessageBytes = "max_message_bytes"
            case messageTimeoutSeconds = "message_timeout_seconds"
            case idleTimeoutSeconds = "idle_timeout_seconds"
            case maxConcurrentMessages = "max_concurrent_messages"
            case spillDirectory = "spill_directory"
        }
    }

    /// One socket and what the filter does for mail that arrives through it.
    public struct Listener: Codable, Sendable, Equatable {
        public enum Role: String, Codable, Sendable, CaseIterable { case verify, seal, sign }
        public enum Enforcement: String, Codable, Sendable { case none, quarantine, reject }
        public enum OnError: String, Codable, Sendable { case accept, tempfail }

        /// `inet:HOST:PORT` (also `inet:PORT@HOST`, as Sendmail writes it) or `unix:/path`.
        public var listen: String
        public var roles: [Role]
        /// The name this hop writes in Authentication-Results (RFC 8601 §2.5).
        public var authservID: String
        public var dmarcMode: DMARCMode = .rfc9989
        public var enforce: Enforcement = .none
        /// Domains whose intact ARC seal may override a DMARC failure (RFC 8617 §7.2, local policy).
        public var trustedSealers: [String] = []
        /// What to answer when the filter fails, is overloaded or too slow: accept without headers,
        /// or a temporary failure (the sender retries). Mail is never rejected for an error.
        public var onError: OnError = .accept
        public var seal: KeySettings?
        public var sign: SignSettings?

        enum CodingKeys: String, CodingKey {
            case listen, roles, enforce, seal, sign
            case authservID = "authserv_id"
            case dmarcMode = "dmarc_mode"
            case trustedSealers = "trusted_sealers"
            case onError = "on_error"
        }
    }

    public struct KeySettings: Codable, Sendable, Equatable {
        public var domain: String
        public var selector: String
        /// A PEM file (RSA or Ed25519).
        public var key: String
    }

    /// DKIM signing (RFC 6376 §5) for mail from authenticated clients or listed networks.
    public struct SignSettings: Codable, Sendable, Equatable {
        public var domain: String
        public var selector: String
        public var key: String
        /// Networks (`192.0.2.0/24`, `2001:db8::/32`) whose mail is signed.
        public var clients: [String] = []
        /// Sign mail from clients that authenticated with SMTP AUTH.
        public var authenticated = true
    }

    enum CodingKeys: String, CodingKey { case dns, limits, metrics, listeners }

    public init(dns: DNSSettings = .init(), limits: Limits = .init(), metrics: String? = nil, listeners: [Listener]) {
        self.dns = dns
        self.limits = limits
        self.metrics = metrics
        self.listeners = listeners
    }

    /// Reads and checks a configuration; the error names what is wrong and where.
    public static func load(path: String) throws -> MilterConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MilterConfigError("cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String = "configuration") throws -> MilterConfig {
        let config: MilterConfig
        do { config = try YAMLDecoder().decode(MilterConfig.self, from: text) } catch {
            throw MilterConfigError("\(source): \(Self.describe(error))")
        }
        try config.validate()
        return config
    }

    /// The configuration with every default written out, as `--check-config` prints it.
    public func effectiveYAML() throws -> String { try YAMLEncoder().encode(self) }

    func validate() throws {
        guard !listeners.isEmpty else { throw MilterConfigError("no listeners") }
        var seen: Set<String> = []
        for (i, l) in listeners.enumerated() {
            let at = "listeners[\(i)] (\(l.listen))"
            guard seen.insert(l.listen).inserted else { throw MilterConfigError("\(at): listed twice") }
            _ = try MilterAddress(parsing: l.listen)
            guard !l.roles.isEmpty else { throw MilterConfigError("\(at): no roles") }
            guard !l.authservID.isEmpty else { throw MilterConfigError("\(at): authserv_id is empty") }
            if l.roles.contains(.seal) {
                guard l.seal != nil else { throw MilterConfigError("\(at): role seal needs a seal: block") }
            }
            if l.roles.contains(.sign) {
                guard let sign = l.sign else { throw MilterConfigError("\(at): role sign needs a sign: block") }
                for network in sign.clients where ClientNetworks([network]) == nil {
                    throw MilterConfigError("\(at): sign.clients: \(network) is not an address or network")
                }
            }
            if l.enforce != .none && !l.roles.contains(.verify) {
                throw MilterConfigError("\(at): enforce needs the verify role")
            }
        }
        guard limits.memoryBytes > 0, limits.maxMessageBytes >= limits.memoryBytes else {
            throw MilterConfigError("limits: memory_bytes must be positive and at most max_message_bytes")
        }
        guard limits.messageTimeoutSeconds > 0, limits.messageTimeoutSeconds <= 600,
            limits.idleTimeoutSeconds > 0, limits.idleTimeoutSeconds <= 3600
        else { throw MilterConfigError("limits: timeouts must be in (0, 600] and (0, 3600] seconds") }
        guard (1...100_000).contains(limits.maxConcurrentMessages) else {
            throw MilterConfigError("limits: max_concurrent_messages must be 1-100000")
        }
        for ns in dns.nameservers {
            do { _ = try Nameserver(parsing: ns) } catch { throw MilterConfigError("dns.nameservers: \(error)") }
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}

extension MilterConfig.Listener {
    public init(listen: String, roles: [Role], authservID: String) {
        self.listen = listen
        self.roles = roles
        self.authservID = authservID
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.decode(String.self, forKey: .listen)
        roles = try c.decode([Role].self, forKey: .roles)
        authservID = try c.decode(String.self, forKey: .authservID)
        dmarcMode = try c.decodeIfPresent(DMARCMode.self, forKey: .dmarcMode) ?? .rfc9989
        enforce = try c.decodeIfPresent(Enforcement.self, forKey: .enforce) ?? .none
        trustedSealers = try c.decodeIfPresent([String].self, forKey: .trustedSealers) ?? []
        onError = try c.decodeIfPresent(OnError.self, forKey: .onError) ?? .accept
        seal = try c.decodeIfPresent(MilterConfig.KeySettings.self, forKey: .seal)
        sign = try c.decodeIfPresent(MilterConfig.SignSettings.self, forKey: .sign)
    }
}

extension MilterConfig {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dns = try c.decodeIfPresent(DNSSettings.self, forKey: .dns) ?? .init()
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? .init()
        metrics = try c.decodeIfPresent(String.self, forKey: .metrics)
        listeners = try c.decode([Listener].self, forKey: .listeners)
    }
}

extension MilterConfig.DNSSettings {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nameservers = try c.decodeIfPresent([String].self, forKey: .nameservers) ?? []
        zoneFiles = try c.decodeIfPresent([String].self, forKey: .zoneFiles) ?? []
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 2
        attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 2
    }
}

extension MilterConfig.Limits {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MilterConfig.Limits()
        memoryBytes = try c.decodeIfPresent(Int.self, forKey: .memoryBytes) ?? d.memoryBytes
        maxMessageBytes = try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? d.maxMessageBytes
        messageTimeoutSeconds =
            try c.decodeIfPresent(Double.self, forKey: .messageTimeoutSeconds) ?? d.messageTimeoutSeconds
        idleTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
        maxConcurrentMessages =
            try c.decodeIfPresent(Int.self, forKey: .maxConcurrentMessages) ?? d.maxConcurrentMessages
        spillDirectory = try c.decodeIfPresent(String.self, forKey: .spillDirectory) ?? d.spillDirectory
    }
}

extension MilterConfig.SignSettings {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domain = try c.decode(String.self, forKey: .domain)
        selector = try c.decode(String.self, forKey: .selector)
        key = try c.decode(String.self, forKey: .key)
        clients = try c.decodeIfPresent([String].self, forKey: .clients) ?? []
        authenticated = try c.decodeIfPresent(Bool.self, forKey: .authenticated) ?? true
    }
}

/// Where a listener listens: a TCP address or a Unix-domain socket.
public enum MilterAddress: Sendable, Equatable, CustomStringConvertible {
    case inet(host: String, port: Int)
    case unix(path: String)

    public init(parsing text: String) throws {
        if text.hasPrefix("unix:") || text.hasPrefix("local:") {
            let path = String(text.drop { $0 != ":" }.dropFirst())
            guard path.hasPrefix("/") else { throw MilterConfigError("\(text): a Unix socket needs an absolute path") }
            self = .unix(path: path)
            return
        }
        guard text.hasPrefix("inet:") || text.hasPrefix("inet6:") else {
            throw MilterConfigError("\(text): listen must be inet:HOST:PORT or unix:/path")
        }
        let rest = String(text.drop { $0 != ":" }.dropFirst())
        var host: String, portText: String
        if let at = rest.firstIndex(of: "@") {  // Sendmail's inet:PORT@HOST
            portText = String(rest[..<at])
            host = String(rest[rest.index(after: at)...])
        } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            portText = String(rest[rest.index(after: close)...].dropFirst())
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        } else {
            throw MilterConfigError("\(text): no port")
        }
        guard let port = Int(portText), (1...65535).contains(port), !host.isEmpty else {
            throw MilterConfigError("\(text): the port must be 1-65535 and the host given")
        }
        self = .inet(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .inet(let host, let port): host.contains(":") ? "inet:[\(host)]:\(port)" : "inet:\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}

/// The networks whose mail the sign role signs.
struct ClientNetworks: Sendable {
    var v4: [IPv4Network] = []
    var v6: [IPv6Network] = []

    init?(_ texts: [String]) {
        for text in texts {
            if let n = IPv4Network(text) {
                v4.append(n)
            } else if let n = IPv6Network(text) {
                v6.append(n)
            } else {
                return nil
            }
        }
    }

    func contains(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): v4.contains { $0.contains(a) }
        case .v6(let a): v6.contains { $0.contains(a) }
        }
    }
}

public struct MilterConfigError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
