import MXRayDNS
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The outcome of fetching `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (RFC 8461 §3.3).
public struct PolicyFetch: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// A 200 text/plain body within the size bound.
        case fetched
        /// No address, no connection, TLS or certificate failure, or no reply in time.
        case unreachable
        /// The server answered, but not with a policy: another status (redirects included),
        /// another media type, or too large.
        case rejected
    }

    public var url: String
    public var outcome: Outcome
    /// The address mxray's own resolver gave and the fetch connected to.
    public var address: IPAddress?
    public var status: Int?
    public var contentType: String?
    public var body: String?
    public var detail: String

    public init(
        url: String, outcome: Outcome, address: IPAddress? = nil, status: Int? = nil, contentType: String? = nil,
        body: String? = nil, detail: String
    ) {
        self.url = url
        self.outcome = outcome
        self.address = address
        self.status = status
        self.contentType = contentType
        self.body = body
        self.detail = detail
    }
}

/// Anything that can fetch a policy: HTTPS in production, a file for a planned policy.
public protocol PolicyFetching: Sendable {
    func fetch(domain: String) async -> PolicyFetch
}

/// A policy read from a file: audits a planned policy before it is published.
public struct FilePolicyFetcher: PolicyFetching {
    public var text: String
    public var path: String
    public init(text: String, path: String) {
        self.text = text
        self.path = path
    }
    public func fetch(domain: String) async -> PolicyFetch {
        PolicyFetch(
            url: "file:\(path)", outcome: .fetched, status: 200, contentType: "text/plain", body: text,
            detail: "read from \(path)")
    }
}

/// Fetches the policy over HTTPS, connecting only to addresses from mxray's own resolver (so
/// `--nameserver` and `--zone` apply), checking the certificate for `mta-sts.DOMAIN`, following no
/// redirect, and bounding the size and the time.
public struct HTTPSPolicyFetcher: PolicyFetching {
    /// RFC 8461 §3.3: a policy should not be larger than 64 KiB.
    public static let maxPolicyBytes = 64 * 1024
    /// Addresses tried per host, in the order the resolver gave them (IPv4 first).
    public static let maxAddressesTried = 2

    public var resolver: any DNSResolver
    public var port: Int
    /// PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    public var timeout: Duration

    public init(resolver: any DNSResolver, port: Int = 443, caFile: String? = nil, timeout: Duration = .seconds(10)) {
        self.resolver = resolver
        self.port = port
        self.caFile = caFile
        self.timeout = timeout
    }

    public func fetch(domain: String) async -> PolicyFetch {
        let host = "mta-sts." + domain
        let url = "https://\(host)\(port == 443 ? "" : ":\(port)")/.well-known/mta-sts.txt"
        var result = PolicyFetch(url: url, outcome: .unreachable, detail: "")
        guard let name = try? DomainName(host) else {
            result.detail = "\(host) is not a valid name"
            return result
        }
        var addresses: [IPAddress] = []
        var problems: [String] = []
        for type in [RRType.a, .aaaa] {
            let lookup = await resolver.lookup(name, type)
            switch lookup.outcome {
            case .records: addresses += lookup.addresses
            case .failure(let f): problems.append("\(type) \(host): \(f.detail)")
            case .nxdomain, .nodata: problems.append("\(type) \(host): \(lookup.outcome.label)")
            }
        }
        guard !addresses.isEmpty else {
            result.detail = "\(host) has no address (\(problems.joined(separator: "; ")))"
            return result
        }
        let tls: NIOSSLContext
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let caFile { configuration.trustRoots = .file(caFile) }
            tls = try NIOSSLContext(configuration: configuration)
        } catch {
            result.detail = "cannot set up TLS: \(error)"
            return result
        }
        var failures: [String] = []
        for address in addresses.prefix(Self.maxAddressesTried) {
            result.address = address
            do {
                let response = try await get(address: address, host: host, tls: tls)
                result.status = response.status
                result.contentType = response.contentType
                if response.status != 200 {
                    result.outcome = .rejected
                    let redirect =
                        (300..<400).contains(response.status) ? " (redirects are not followed, RFC 8461 §3.3)" : ""
                    result.detail = "HTTP \(response.status)\(redirect)"
                    return result
                }
                let media = response.contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
                    .lowercased()
                guard media == "text/plain" else {
                    result.outcome = .rejected
                    result.detail = "media type \(response.contentType ?? "(none)"), not text/plain (RFC 8461 §3.2)"
                    return result
                }
                result.outcome = .fetched
                result.body = String(decoding: response.body, as: UTF8.self)
                result.detail = "fetched \(response.body.count) bytes from \(address)"
                return result
            } catch let error as FetchError {
                if case .tooLarge = error {
                    result.outcome = .rejected
                    result.detail = "\(error)"
                    return result
                }
                failures.append("\(address): \(error)")
            } catch {
                failures.append("\(address): \(error)")
            }
        }
        result.detail = failures.joined(separator: "; ")
        return result
    }

    struct Response: Sendable {
        var status: Int
        var contentType: String?
        var body: [UInt8]
    }

    enum FetchError: Error, CustomStringConvertible {
        case timeout, tooLarge, closed, connect(String), tls(String)
        var description: String {
            switch self {
            case .timeout: "no complete answer in time"
            case .tooLarge: "policy larger than \(HTTPSPolicyFetcher.maxPolicyBytes) bytes (RFC 8461 §3.3)"
            case .closed: "connection closed before a complete answer"
            case .connect(let s): "cannot connect: \(s)"
            case .tls(let s): "TLS failed: \(s)"
            }
        }
    }

    func get(address: IPAddress, host: String, tls: NIOSSLContext) async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let timeoutAmount = TimeAmount(timeout)
        let timer = eventLoop.scheduleTask(in: timeoutAmount) { promise.fail(FetchError.timeout) }
        let socketAddress = try SocketAddress(ipAddress: address.description, port: port)
        let connect = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeoutAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssl = try NIOSSLClientHandler(context: tls, serverHostname: host)
                    try channel.pipeline.syncOperations.addHandler(ssl)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        PolicyResponseHandler(promise: promise, limit: Self.maxPolicyBytes))
                }
            }
            .connect(to: socketAddress)
        connect.whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(FetchError.connect("\(error)"))
            case .success(let channel):
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: host)
                headers.add(name: "User-Agent", value: "mxray")
                headers.add(name: "Accept", value: "text/plain")
                headers.add(name: "Connection", value: "close")
                let head = HTTPRequestHead(
                    version: .http1_1, method: .GET, uri: "/.well-known/mta-sts.txt", headers: headers)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }
}

/// Collects one HTTP response, failing once the body passes `limit` bytes.
final class PolicyResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<HTTPSPolicyFetcher.Response>
    private let limit: Int
    private var status = 0
    private var contentType: String?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<HTTPSPolicyFetcher.Response>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            contentType = head.headers.first(name: "Content-Type")
        case .body(let buffer):
            body += buffer.readableBytesView
            if body.count > limit {
                promise.fail(HTTPSPolicyFetcher.FetchError.tooLarge)
                context.close(promise: nil)
            }
        case .end:
            promise.succeed(HTTPSPolicyFetcher.Response(status: status, contentType: contentType, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPSPolicyFetcher.FetchError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Classified by type: NIOSSL reports handshake and certificate failures as these.
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            promise.fail(HTTPSPolicyFetcher.FetchError.tls("\(error)"))
        } else {
            promise.fail(HTTPSPolicyFetcher.FetchError.connect("\(error)"))
        }
        context.close(promise: nil)
    }
}
