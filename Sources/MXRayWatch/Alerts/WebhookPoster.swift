import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// POSTs one JSON document to a webhook URL (http or https; RFC 9110 §9.3.3) and reports the status.
/// Every wait is bounded by `timeout`; the response body is read and dropped.
public struct WebhookPoster: Sendable {
    public var url: URL
    public var timeout: Duration
    /// Built once: the trust roots are read when the poster is made, not for every alert.
    let tls: NIOSSLContext?

    public init(url: URL, timeout: Duration, caFile: String? = nil) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw WebhookError("the webhook URL must be http:// or https:// with a host: \(url)")
        }
        self.url = url
        self.timeout = timeout
        if scheme == "https" {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.trustRoots = .file(caFile) }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
    }

    public func post(_ body: [UInt8]) async throws -> Int {
        let host = url.host ?? ""
        let port = url.port ?? (tls != nil ? 443 : 80)
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        let tls = self.tls
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: Int.self)
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(WebhookError("no answer from \(host):\(port) within \(timeout)"))
        }
        let connect = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(
                                context: tls, serverHostname: host.first?.isNumber == true ? nil : host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(promise: promise))
                }
            }
            .connect(host: host, port: port)
        connect.whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(WebhookError("cannot connect to \(host):\(port): \(error)"))
            case .success(let channel):
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
                headers.add(name: "User-Agent", value: "mxray-watch")
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: "\(body.count)")
                headers.add(name: "Connection", value: "close")
                channel.write(
                    HTTPClientRequestPart.head(
                        HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)),
                    promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }

    /// The response's status once it ends.
    final class StatusHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Int>
        var status = 0
        init(promise: EventLoopPromise<Int>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = Int(head.status.code)
            case .body: break
            case .end: promise.succeed(status)
            }
        }
        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(WebhookError("the connection closed before a complete answer"))
            context.fireChannelInactive()
        }
        func errorCaught(context: ChannelHandlerContext, error: Error) {
            promise.fail(WebhookError("\(error)"))
            context.close(promise: nil)
        }
    }
}

public struct WebhookError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
