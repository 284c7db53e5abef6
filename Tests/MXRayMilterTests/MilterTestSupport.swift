import Foundation
import Logging
import MXRayAuth
import MXRayDNS
import MXRayMessage
import NIOCore
import NIOEmbedded
import NIOExtras

@testable import MXRayMilter

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let exampleZone = try! String(
    contentsOf: repository.appendingPathComponent("Examples/cold-backup.zone"), encoding: .utf8)
/// A domain that publishes p=reject, for enforcement.
let strictZone = """
    $ORIGIN strict.example.
    @ SOA ns hm 1 1 1 1 60
    @ TXT "v=spf1 ip4:198.51.100.0/24 -all"
    _dmarc TXT "v=DMARC1; p=reject"
    """
let zoneResolver = ZoneResolver(zones: [
    try! ZoneFile(parsing: Array(exampleZone.utf8)), try! ZoneFile(parsing: Array(strictZone.utf8)),
])
let rsaKeyPath = repository.appendingPathComponent("Examples/keys/rsa2048.pem").path
let edKeyPath = repository.appendingPathComponent("Examples/keys/ed25519.pem").path

/// What an MTA sends, as bytes: a four-byte length, the command, its data.
enum MTA {
    static func packet(_ code: Character, _ payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count + 1)
        return withUnsafeBytes(of: length.bigEndian) { Array($0) } + [code.asciiValue!] + payload
    }

    static func strings(_ values: String...) -> [UInt8] { values.flatMap { Array($0.utf8) + [0] } }

    static func int(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// Postfix 3.7 offers version 6, every action and every protocol step.
    static let negotiate = packet("O", int(6) + int(0x1FF) + int(0x1F_FFFF))

    /// A whole message as Postfix sends it: macros, connect, helo, mail, rcpt, the fields (values
    /// with their leading space, folds as LF), end of headers, the body in chunks, end of message.
    static func message(
        _ message: Message, client: String = "198.51.100.11", helo: String = "mail.example.com",
        from: String = "alice@example.com", chunk: Int = 65535, queueID: String = "4ABC123"
    ) -> [UInt8] {
        var out = packet("D", [UInt8(ascii: "C")] + strings("j", "mx.example.net", "{daemon_name}", "smtpd"))
        out += packet("C", strings("mail.example.com") + [UInt8(ascii: "4")] + [0x30, 0x39] + strings(client))
        out += packet("H", strings(helo))
        out += packet("D", [UInt8(ascii: "M")] + strings("i", queueID))
        out += packet("M", strings("<\(from)>"))
        out += packet("R", strings("<bob@example.net>"))
        for field in message.fields {
            let value = String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            out += packet("L", strings(field.name, value))
        }
        out += packet("N")
        var body = message.body[...]
        while !body.isEmpty {
            out += packet("B", Array(body.prefix(chunk)))
            body = body.dropFirst(chunk)
        }
        out += packet("E")
        return out
    }
}

/// A milter connection in a test channel (thread-safe, for the filter's task off the loop).
struct MilterConnection {
    let channel: NIOAsyncTestingChannel

    init(
        _ listener: MilterConfig.Listener, options: MilterSession.Options = .init(), timeout: TimeAmount = .seconds(30)
    )
        async throws
    {
        let filter = try MilterFilter(listener: listener, resolver: zoneResolver)
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(
                    LengthFieldBasedFrameDecoder(lengthFieldLength: .four), maximumBufferSize: 1 << 20),
                MilterHandler(
                    filter: filter, options: options, load: MilterLoad(limit: 8), timeout: timeout,
                    logger: Logger(label: "test"), metrics: MilterMetrics()),
            ])
        }
        self.channel = channel
    }

    /// Sends bytes, `step` at a time (1 tests the frame decoder byte by byte).
    func send(_ bytes: [UInt8], step: Int = 65536) async throws {
        var rest = bytes[...]
        while !rest.isEmpty {
            try await channel.writeInbound(channel.allocator.buffer(bytes: rest.prefix(step)))
            rest = rest.dropFirst(step)
        }
    }

    /// The responses written so far, parsed.
    func responses() async throws -> [Reply] {
        var replies: [Reply] = []
        while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            while buffer.readableBytes >= 5 {
                let length = Int(buffer.readInteger(as: UInt32.self)!)
                replies.append(Reply(bytes: Array(buffer.readBytes(length: length)!)))
            }
        }
        return replies
    }

    /// Waits (bounded) until a reply that ends a message arrives; returns every reply up to it.
    /// Bounds of 30 s (server deadline and wait): an RSA-heavy test beside the whole suite on two
    /// cores once took 12.8 s, past a 10 s deadline, and the milter answered without its headers.
    func verdict(seconds: Double = 30) async throws -> [Reply] {
        var replies: [Reply] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            replies += try await responses()
            if replies.contains(where: \.isFinal) { return replies }
            try await Task.sleep(for: .milliseconds(5))
        }
        return replies
    }
}

/// One packet from the filter.
struct Reply: Equatable, CustomStringConvertible {
    var code: Character
    var payload: [UInt8]

    init(bytes: [UInt8]) {
        code = Character(UnicodeScalar(bytes[0]))
        payload = Array(bytes.dropFirst())
    }

    var isFinal: Bool { "catyd".contains(code) }
    var strings: [String] {
        let body = "im".contains(code) ? payload.dropFirst(4) : payload[...]
        return body.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }
    var index: UInt32? {
        guard "im".contains(code) else { return nil }
        return payload.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
    var description: String { "\(code) \(index.map { "\($0) " } ?? "")\(strings)" }
}

/// The message the MTA would deliver after applying the replies to what it sent.
func applying(_ replies: [Reply], to message: Message) -> Message {
    var fields = message.fields
    for reply in replies where reply.code == "m" {
        let name = reply.strings[0]
        let matching = fields.indices.filter { fields[$0].is(name) }
        let position = Int(reply.index!) - 1
        guard position < matching.count else { continue }
        if reply.strings[1].isEmpty { fields.remove(at: matching[position]) }
    }
    for reply in replies where reply.code == "i" {
        let value = reply.strings[1].replacingOccurrences(of: "\n", with: "\r\n")
        var raw = Array(reply.strings[0].utf8) + [UInt8(ascii: ":")]
        let offset = raw.count
        raw += Array(value.utf8)
        fields.insert(HeaderField(name: reply.strings[0], raw: raw, valueOffset: offset), at: Int(reply.index!))
    }
    return Message(fields: fields, body: message.body)
}

func exampleMessage(signed: Bool = true) throws -> Message {
    let message = try Message(
        bytes: Array(try Data(contentsOf: repository.appendingPathComponent("Examples/message.eml"))))
    guard signed else { return message }
    var signer = DKIMSigner(
        domain: "example.com", selector: "ed2026",
        key: try PrivateKey(pem: String(contentsOfFile: edKeyPath, encoding: .utf8)))
    signer.timestamp = Int64(Date().timeIntervalSince1970)
    return try signer.sign(message)
}
