import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import NIOCore
import Testing

@testable import MXRayMilter

@Suite struct MilterCodecTests {
    @Test func commandsParse() throws {
        func parse(_ bytes: [UInt8]) throws -> MilterCommand {
            try MilterCommand(packet: ByteBuffer(bytes: bytes.dropFirst(4)))
        }
        #expect(
            try parse(MTA.negotiate)
                == .negotiate(
                    version: 6, actions: MilterActions(rawValue: 0x1FF),
                    protocol: MilterProtocolFlags(rawValue: 0x1F_FFFF)))
        #expect(
            try parse(MTA.packet("D", [UInt8(ascii: "M")] + MTA.strings("i", "Q1", "{auth_authen}", "alice")))
                == .macros(forCommand: UInt8(ascii: "M"), ["i": "Q1", "auth_authen": "alice"]))
        #expect(
            try parse(
                MTA.packet("C", MTA.strings("h.example") + [UInt8(ascii: "6"), 0, 25] + MTA.strings("2001:db8::1")))
                == .connect(hostname: "h.example", family: UInt8(ascii: "6"), port: 25, address: "2001:db8::1"))
        #expect(try parse(MTA.packet("L", MTA.strings("Subject", " hi"))) == .header(name: "Subject", value: " hi"))
        #expect(
            try parse(MTA.packet("M", MTA.strings("<a@b.example>", "SIZE=10"))) == .mail(["<a@b.example>", "SIZE=10"]))
        #expect(throws: MilterProtocolError.self) { try parse(MTA.packet("Z")) }
        #expect(throws: MilterProtocolError.self) { try parse(MTA.packet("O", [0, 0, 0])) }
    }

    @Test func responsesEncode() {
        var buffer = ByteBuffer()
        MilterResponse.insertHeader(index: 0, name: "X", value: " y").write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == [0, 0, 0, 10, UInt8(ascii: "i"), 0, 0, 0, 0, 88, 0, 32, 121, 0])
        buffer.clear()
        MilterResponse.reply("550 5.7.1 no").write(to: &buffer)
        #expect(Array(buffer.readableBytesView.prefix(5)) == [0, 0, 0, 14, UInt8(ascii: "y")])
    }

    @Test func bodySpillsToAFileAndComesBack() throws {
        var buffer = MessageBuffer(memoryLimit: 10, sizeLimit: 100, directory: NSTemporaryDirectory())
        try buffer.append(Array("0123456789".utf8))
        #expect(!buffer.spilled)
        try buffer.append(Array("abcdef".utf8))
        #expect(buffer.spilled)
        #expect(try buffer.bytes() == Array("0123456789abcdef".utf8))
        try buffer.append(Array(repeating: UInt8(ascii: "x"), count: 90))
        #expect(buffer.oversized && !buffer.spilled)
        buffer.reset()
        #expect(!buffer.oversized && buffer.count == 0)
    }
}

@Suite struct MilterSessionTests {
    static let verify = MilterConfig.Listener(
        listen: "inet:127.0.0.1:0", roles: [.verify], authservID: "mx.example.net")

    @Test func negotiationTakesOnlyWhatTheMTAOffers() async throws {
        let conn = try await MilterConnection(Self.verify)
        // An MTA that offers only header-adding and no no-reply steps.
        try await conn.send(MTA.packet("O", MTA.int(6) + MTA.int(0x01) + MTA.int(0x3F)))
        let replies = try await conn.responses()
        #expect(replies.count == 1 && replies[0].code == "O")
        let actions = replies[0].payload[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        let steps = replies[0].payload[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
        #expect(actions == 0x01 && steps & ~0x3F == 0)
        // Without no-reply steps agreed, every step is answered.
        try await conn.send(MTA.packet("H", MTA.strings("x.example")))
        #expect(try await conn.responses().map(\.code) == ["c"])
    }

    /// Byte by byte through the frame decoder: one Authentication-Results on top, nothing else.
    @Test func verifyWritesOneAuthenticationResultsField() async throws {
        let conn = try await MilterConnection(Self.verify)
        let message = try exampleMessage()
        try await conn.send(MTA.negotiate + MTA.message(message, chunk: 7), step: 1)
        let replies = try await conn.verdict()
        #expect(replies.map(\.code) == ["O", "i", "c"], "\(replies)")
        let ar = try #require(replies.first { $0.code == "i" })
        #expect(ar.index == 0 && ar.strings[0] == "Authentication-Results")
        #expect(ar.strings[1].hasPrefix(" mx.example.net;"), "\(ar.strings[1])")
        for result in ["spf=pass", "dkim=pass", "arc=none", "dmarc=pass"] {
            #expect(ar.strings[1].contains(result), "\(ar.strings[1])")
        }
    }

    @Test func forgedResultsClaimingOurNameAreRemoved() async throws {
        let conn = try await MilterConnection(Self.verify)
        var message = try exampleMessage()
        message = message.prepending([
            HeaderField(name: "Authentication-Results", value: "other.example; dkim=pass"),
            HeaderField(name: "Authentication-Results", value: "MX.example.net; dmarc=pass header.from=example.com"),
        ])
        try await conn.send(MTA.negotiate + MTA.message(message))
        let replies = try await conn.verdict()
        let deletions = replies.filter { $0.code == "m" }
        #expect(
            deletions.count == 1 && deletions[0].index == 2 && deletions[0].strings == ["Authentication-Results", ""])
        let delivered = applying(replies, to: message)
        let ours = delivered.fields(named: "Authentication-Results").map(\.value)
        #expect(ours.count == 2 && ours[1] == "other.example; dkim=pass")
    }

    @Test func abortForgetsTheMessageAndTheNextOneWorks() async throws {
        let conn = try await MilterConnection(Self.verify)
        let message = try exampleMessage()
        var first = MTA.message(message)
        first.removeLast(5)  // no end of message...
        try await conn.send(MTA.negotiate + first + MTA.packet("A"))
        #expect(try await conn.responses().map(\.code) == ["O"])
        try await conn.send(MTA.message(message, queueID: "5DEF"))
        let replies = try await conn.verdict()
        #expect(replies.filter { $0.code == "i" }.count == 1 && replies.last?.code == "c")
    }

    @Test func aClientThatDisconnectsMidMessageLeavesNothingBehind() async throws {
        let conn = try await MilterConnection(Self.verify)
        var bytes = MTA.negotiate + MTA.message(try exampleMessage())
        bytes.removeLast(5)
        try await conn.send(bytes)
        try await conn.channel.close()
        #expect(try await conn.responses().map(\.code) == ["O"])
    }

    @Test func aCommandBeforeNegotiationClosesTheConnection() async throws {
        let conn = try await MilterConnection(Self.verify)
        try await conn.send(MTA.packet("H", MTA.strings("x")))
        try await conn.channel.closeFuture.get()
    }

    @Test func sealAddsAnARCSetThatValidates() async throws {
        var listener = Self.verify
        listener.roles = [.verify, .seal]
        listener.seal = .init(domain: "example.com", selector: "rsa2026", key: rsaKeyPath)
        let conn = try await MilterConnection(listener)
        // A gateway footer breaks DKIM below: the seal must still vouch for what this hop saw.
        let message = try exampleMessage()
        try await conn.send(MTA.negotiate + MTA.message(message))
        let replies = try await conn.verdict()
        let names = replies.filter { $0.code == "i" }.map { $0.strings[0] }
        #expect(names == ["Authentication-Results", "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"])
        let delivered = applying(replies, to: message)
        #expect(delivered.fields.prefix(4).map(\.name) == names.reversed())
        let arc = await ARCVerifier(resolver: zoneResolver).verify(delivered)
        #expect(arc.result == .pass && arc.instances == 1, "\(arc.reason)")
        #expect(delivered.fields[2].value.contains("dkim=pass"))
    }

    /// From a p=reject domain, unsigned, from an address its SPF does not list.
    static func spoof() throws -> Message {
        let text = "From: ceo@strict.example\r\nTo: bob@example.net\r\nSubject: wire\r\n\r\npay now\r\n"
        return try Message(bytes: Array(text.utf8))
    }

    @Test func enforcementRejectsASpoofAtSMTPTime() async throws {
        var listener = Self.verify
        listener.enforce = .reject
        let conn = try await MilterConnection(listener)
        try await conn.send(
            MTA.negotiate + MTA.message(try Self.spoof(), client: "192.0.2.66", from: "ceo@strict.example"))
        let replies = try await conn.verdict()
        #expect(replies.map(\.code) == ["O", "y"], "\(replies)")
        #expect(replies.last?.strings.first?.hasPrefix("550 5.7.1 DMARC policy of strict.example is reject") == true)
    }

    @Test func quarantineIsAHoldWithThePolicyRecorded() async throws {
        var listener = Self.verify
        listener.enforce = .reject
        let conn = try await MilterConnection(listener)
        // example.com publishes p=quarantine: held, delivered nowhere until released.
        try await conn.send(MTA.negotiate + MTA.message(try exampleMessage(signed: false), client: "192.0.2.66"))
        let replies = try await conn.verdict()
        #expect(replies.contains { $0.code == "q" }, "\(replies)")
        let ar = try #require(replies.first { $0.code == "i" }?.strings[1])
        #expect(ar.contains("dmarc=fail") && ar.contains("policy.dmarc=quarantine"), "\(ar)")
    }

    /// RFC 8617 §7.2: a forwarder we trust sealed the message while it still passed; its intact
    /// chain stands in for the DMARC failure the forwarding caused. Untrusted, it is rejected.
    @Test func aTrustedSealerOverridesTheFailureAnUntrustedOneDoesNot() async throws {
        var sealer = ARCSealer(
            domain: "example.com", selector: "rsa2026",
            key: try PrivateKey(pem: String(contentsOfFile: rsaKeyPath, encoding: .utf8)),
            authservID: "forwarder.example.com")
        sealer.timestamp = Int64(Date().timeIntervalSince1970)
        let incoming = await ARCVerifier(resolver: zoneResolver).verify(try Self.spoof())
        let sealed = try sealer.seal(
            try Self.spoof(), results: ["dmarc=pass header.from=strict.example"], incoming: incoming)
        var listener = Self.verify
        listener.enforce = .reject
        listener.trustedSealers = ["EXAMPLE.com"]
        let trusted = try await MilterConnection(listener)
        try await trusted.send(MTA.negotiate + MTA.message(sealed, client: "192.0.2.66", from: "ceo@strict.example"))
        let ar = try #require(try await trusted.verdict().first { $0.code == "i" }?.strings[1])
        #expect(ar.contains("dmarc=fail") && ar.contains("policy.dmarc=none") && ar.contains("trusted example.com"))
        listener.trustedSealers = ["someone-else.example"]
        let untrusted = try await MilterConnection(listener)
        try await untrusted.send(MTA.negotiate + MTA.message(sealed, client: "192.0.2.66", from: "ceo@strict.example"))
        #expect(try await untrusted.verdict().last?.code == "y")
    }

    @Test func signRoleSignsAuthenticatedSubmissions() async throws {
        var listener = MilterConfig.Listener(
            listen: "inet:127.0.0.1:0", roles: [.sign], authservID: "submit.example.com")
        listener.sign = .init(
            domain: "example.com", selector: "ed2026", key: edKeyPath, clients: [], authenticated: true)
        let conn = try await MilterConnection(listener)
        let message = try exampleMessage(signed: false)
        let auth = MTA.packet("D", [UInt8(ascii: "M")] + MTA.strings("{auth_authen}", "alice"))
        var bytes = MTA.message(message)
        let mail = bytes.firstRange(of: MTA.packet("M", MTA.strings("<alice@example.com>")))!
        bytes.insert(contentsOf: auth, at: mail.lowerBound)
        try await conn.send(MTA.negotiate + bytes)
        let replies = try await conn.verdict()
        #expect(replies.filter { $0.code == "i" }.map { $0.strings[0] } == ["DKIM-Signature"], "\(replies)")
        let delivered = applying(replies, to: message)
        let verdicts = await DKIMVerifier(resolver: zoneResolver, now: Int64(Date().timeIntervalSince1970)).verify(
            delivered)
        #expect(verdicts.first?.result == .pass, "\(verdicts)")
        // Not authenticated and not from a listed network: not signed.
        let other = try await MilterConnection(listener)
        try await other.send(MTA.negotiate + MTA.message(message))
        #expect(try await other.verdict().filter { $0.code == "i" }.isEmpty)
    }

    @Test func oversizedMessagesPassUnjudged() async throws {
        var options = MilterSession.Options()
        options.memoryLimit = 64
        options.sizeLimit = 128
        let conn = try await MilterConnection(Self.verify, options: options)
        try await conn.send(MTA.negotiate + MTA.message(try exampleMessage(), chunk: 16))
        let replies = try await conn.verdict()
        #expect(replies.map(\.code) == ["O", "c"], "\(replies)")
    }
}

@Suite struct MilterConfigTests {
    static let key = rsaKeyPath

    @Test func aWholeConfigurationParsesWithDefaults() throws {
        let config = try MilterConfig.parse(
            """
            listeners:
              - listen: inet:127.0.0.1:8891
                roles: [verify, seal]
                authserv_id: gw.example.com
                enforce: reject
                trusted_sealers: [relay.example.org]
                seal: {domain: example.com, selector: arc, key: \(Self.key)}
              - listen: unix:/run/mxray/submission.sock
                roles: [sign]
                authserv_id: submit.example.com
                on_error: tempfail
                sign: {domain: example.com, selector: s1, key: \(Self.key), clients: [192.0.2.0/24]}
            """)
        #expect(config.listeners.count == 2 && config.limits.memoryBytes == 1 << 20)
        #expect(config.listeners[0].enforce == .reject && config.listeners[1].onError == .tempfail)
        let printed = try config.effectiveYAML()
        #expect(printed.contains("max_message_bytes") && printed.contains("authserv_id: gw.example.com"))
        #expect(try MilterConfig.parse(printed) == config)
    }

    @Test(arguments: [
        ("listeners: []", "no listeners"),
        ("listeners:\n- {listen: 'tcp:1', roles: [verify], authserv_id: a}", "listen must be"),
        ("listeners:\n- {listen: 'inet:127.0.0.1:1', roles: [seal], authserv_id: a}", "needs a seal"),
        ("listeners:\n- {listen: 'inet:127.0.0.1:1', roles: [verify]}", "authserv_id"),
        ("listeners:\n- {listen: 'inet:127.0.0.1:1', roles: [bounce], authserv_id: a}", "roles"),
        ("listeners:\n- {listen: 'inet:127.0.0.1:99999', roles: [verify], authserv_id: a}", "1-65535"),
    ])
    func mistakesAreNamed(_ text: String, _ expected: String) {
        do {
            _ = try MilterConfig.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func addresses() throws {
        #expect(try MilterAddress(parsing: "inet:8891@127.0.0.1") == .inet(host: "127.0.0.1", port: 8891))
        #expect(try MilterAddress(parsing: "inet:[::1]:8891") == .inet(host: "::1", port: 8891))
        #expect(try MilterAddress(parsing: "unix:/tmp/m.sock") == .unix(path: "/tmp/m.sock"))
        #expect(throws: MilterConfigError.self) { try MilterAddress(parsing: "unix:relative.sock") }
    }
}
