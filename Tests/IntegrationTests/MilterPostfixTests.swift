import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import Testing

/// The milter in the mail path of two tiers of real Postfix (Debian) on loopback: the gateway
/// verifies, a content filter appends a footer (breaking the sender's DKIM signature), the
/// gateway seals, the mailbox tier verifies, trusts the gateway's seal and delivers to a Maildir;
/// a spoof sent straight to the mailbox tier is refused at SMTP time; a stopped milter makes the
/// gateway answer 4xx (the sender keeps the message), and once it is back the same message goes
/// through. Scripts/postfix-tiers.sh builds the tiers.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_POSTFIX"] != nil,
        "needs Postfix, nsd and dkimpy: run Scripts/integration-test.sh"))
struct MilterPostfixTests {
    typealias M = MilterIntegrationTests

    /// Sends with Python's smtplib; returns the SMTP reply code of the end of DATA (250 when accepted).
    static func send(port: Int, from: String, message: [UInt8]) throws -> (Int, String) {
        let file = Interop.temporary("out.eml")
        try Data(message).write(to: URL(fileURLWithPath: file))
        let script = """
            import smtplib, sys
            data = open(sys.argv[3], 'rb').read()
            try:
                with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30) as s:
                    s.sendmail(sys.argv[2], ['bob@mxray.test'], data)
                print(250)
            except smtplib.SMTPResponseException as e:
                print(e.smtp_code, e.smtp_error.decode(errors='replace'))
            except smtplib.SMTPRecipientsRefused as e:
                code, text = list(e.recipients.values())[0]
                print(code, text.decode(errors='replace'))
            """
        let (_, output) = try M.run(["python3", "-c", script, String(port), from, file])
        let code = Int(output.prefix { $0.isNumber }) ?? 0
        return (code, output)
    }

    /// Waits (bounded) for a message in bob's Maildir and returns it.
    static func delivered(_ maildir: URL, count: Int, seconds: Double = 60) throws -> [Message] {
        let new = maildir.appendingPathComponent("bob/new")
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []
            if names.count >= count {
                return try names.sorted().map {
                    try Message(bytes: Array(try Data(contentsOf: new.appendingPathComponent($0))))
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw MilterTestError("no delivery to \(new.path) within \(seconds) s")
    }

    @Test func gatewayAndMailboxTiersThroughPostfix() async throws {
        let ports = try (0..<6).map { _ in try M.freePort() }
        let (gw, gwBack, mbx, verifyPort, sealPort, mbxPort) = (
            ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
        )
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-postfix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let tiers = Interop.root.appendingPathComponent("Scripts/postfix-tiers.sh").path
        defer {
            _ = try? M.run(["bash", tiers, "stop", work.path])
            try? FileManager.default.removeItem(at: work)
        }
        let config = work.appendingPathComponent("milter.yaml")
        try """
        dns:
          nameservers: ["\(M.env["MXRAY_NSD"]!)"]
        listeners:
          - listen: inet:127.0.0.1:\(verifyPort)
            roles: [verify]
            authserv_id: gw.mxray.test
          - listen: inet:127.0.0.1:\(sealPort)
            roles: [seal]
            authserv_id: gw.mxray.test
            seal: {domain: mxray.test, selector: rsa2026, key: \(Interop.rsaKeyPath)}
          - listen: inet:127.0.0.1:\(mbxPort)
            roles: [verify]
            authserv_id: mbx.mxray.test
            enforce: reject
            trusted_sealers: [mxray.test]
        """.write(to: config, atomically: true, encoding: .utf8)
        func startMilter() throws -> Process {
            let milter = Process()
            milter.executableURL = URL(fileURLWithPath: MXRayBinary.path)
            milter.arguments = ["milter", "--config", config.path]
            milter.standardError = FileHandle.nullDevice
            try milter.run()
            for port in [verifyPort, sealPort, mbxPort] { try M.waitForPort(port) }
            return milter
        }
        var milter = try startMilter()
        defer { if milter.isRunning { milter.terminate() } }
        let started = try M.run(
            ["bash", tiers, "start", work.path] + [gw, gwBack, mbx, verifyPort, sealPort, mbxPort].map(String.init))
        try #require(started.0 == 0, "postfix-tiers.sh: \(started.1)")
        try M.waitForPort(gw)
        try M.waitForPort(mbx)

        // Signed by mxray.test, through the gateway: the footer breaks DKIM, the seal carries it.
        let signed = try M.signedMessage()
        let accepted = try Self.send(port: gw, from: "alice@mxray.test", message: signed.bytes)
        #expect(accepted.0 == 250, "\(accepted.1)")
        let message = try #require(try Self.delivered(work.appendingPathComponent("mail"), count: 1).first)
        #expect(String(decoding: message.body, as: UTF8.self).contains("Scanned by the gateway"))
        let results = message.fields(named: "Authentication-Results").map(\.value)
        let mailbox = try #require(results.first { $0.hasPrefix("mbx.mxray.test") }, "\(results)")
        #expect(mailbox.contains("dkim=fail") && mailbox.contains("arc=pass"), "\(mailbox)")
        #expect(mailbox.contains("policy.dmarc=none") && mailbox.contains("trusted mxray.test"), "\(mailbox)")
        let gateway = try #require(results.first { $0.hasPrefix("gw.mxray.test") }, "\(results)")
        #expect(gateway.contains("dkim=pass") && gateway.contains("dmarc=pass"), "\(gateway)")
        // The delivered message's ARC set validates in dkimpy and in mxray.
        let path = try Interop.write(message, "delivered.eml")
        let dkimpy = try await Interop.dkimpy(["verify", path])
        #expect(dkimpy.status == 0, "dkimpy: \(dkimpy.output)")
        #expect(await ARCVerifier(resolver: Interop.resolver).verify(message).result == .pass)

        // A spoof of mxray.test (p=reject) sent straight to the mailbox tier: refused at DATA.
        let spoof = Array("From: ceo@mxray.test\r\nTo: bob@mxray.test\r\nSubject: wire\r\n\r\npay now\r\n".utf8)
        let refused = try Self.send(port: mbx, from: "ceo@mxray.test", message: spoof)
        #expect(refused.0 == 550 && refused.1.contains("5.7.1"), "\(refused.1)")

        // The milter stopped: the gateway answers 4xx, so the sender keeps the message ...
        milter.terminate()
        milter.waitUntilExit()
        let deferred = try Self.send(port: gw, from: "alice@mxray.test", message: signed.bytes)
        #expect((400..<500).contains(deferred.0), "\(deferred.1)")
        // ... and delivers it once the milter is back.
        milter = try startMilter()
        let retried = try Self.send(port: gw, from: "alice@mxray.test", message: signed.bytes)
        #expect(retried.0 == 250, "\(retried.1)")
        #expect(try Self.delivered(work.appendingPathComponent("mail"), count: 2).count == 2)
    }
}
