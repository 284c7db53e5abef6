import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import NIOCore
import NIOPosix
import Testing

/// `mxray milter` as a process, with keys from nsd, driven by Debian's miltertest (a real milter
/// client): verify + seal (over TCP, Sendmail's inet:PORT@HOST form) writes Authentication-Results
/// and an ARC set; enforcement (over a Unix socket) rejects a spoof of a p=reject domain; /metrics
/// counts both; SIGTERM stops it.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_MILTERTEST"] != nil,
        "needs miltertest and nsd: run Scripts/integration-test.sh"))
struct MilterIntegrationTests {
    static let env = ProcessInfo.processInfo.environment
    static let scripts = Interop.root.appendingPathComponent("Tests/IntegrationTests/milter")

    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0)
            .wait()
        defer { try? channel.close().wait() }
        return channel.localAddress!.port!
    }

    /// Waits (bounded: 20 s) until something accepts on the port.
    static func waitForPort(_ port: Int) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let channel = try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).wait()
            {
                try? channel.close().wait()
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw MilterTestError("nothing listens on 127.0.0.1:\(port)")
    }

    static func run(_ command: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try Interop.runProcess(command, environment: environment)
    }

    static func signedMessage() throws -> Message {
        var message = try Interop.original()
        message = try Message(
            bytes: Array(
                String(decoding: message.bytes, as: UTF8.self).replacingOccurrences(
                    of: "alice@example.com", with: "alice@mxray.test"
                ).utf8))
        var signer = DKIMSigner(
            domain: "mxray.test", selector: "ed2026",
            key: try PrivateKey(pem: String(contentsOfFile: Interop.edKeyPath, encoding: .utf8)))
        signer.timestamp = Int64(Date().timeIntervalSince1970)
        return try signer.sign(message)
    }

    @Test func miltertestDrivesVerifySealAndReject() async throws {
        let sealPort = try Self.freePort(), metricsPort = try Self.freePort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-milter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("milter.yaml")
        try """
        dns:
          nameservers: ["\(Self.env["MXRAY_NSD"]!)"]
        metrics: 127.0.0.1:\(metricsPort)
        listeners:
          - listen: inet:\(sealPort)@127.0.0.1
            roles: [verify, seal]
            authserv_id: gw.mxray.test
            seal: {domain: mxray.test, selector: rsa2026, key: \(Interop.rsaKeyPath)}
          - listen: unix:\(dir.path)/reject.sock
            roles: [verify]
            authserv_id: mx.mxray.test
            enforce: reject
        """.write(to: config, atomically: true, encoding: .utf8)

        let check = try Self.run([MXRayBinary.path, "milter", "--config", config.path, "--check-config"])
        #expect(check.0 == 0 && check.1.contains("valid") && check.1.contains("max_message_bytes"), "\(check.1)")

        let milter = Process()
        milter.executableURL = URL(fileURLWithPath: MXRayBinary.path)
        milter.arguments = ["milter", "--config", config.path]
        let log = dir.appendingPathComponent("milter.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        milter.standardError = try FileHandle(forWritingTo: log)
        try milter.run()
        defer { if milter.isRunning { milter.terminate() } }
        try Self.waitForPort(sealPort)
        try Self.waitForPort(metricsPort)

        let message = try Self.signedMessage()
        let body = dir.appendingPathComponent("body")
        try Data(message.body).write(to: body)
        let headers = message.fields.map { field in
            field.name + ":"
                + String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "")
        }.joined(separator: "\n")
        let sealed = try Self.run(
            [Self.env["MXRAY_MILTERTEST"]!, "-s", Self.scripts.appendingPathComponent("verify-seal.lua").path],
            environment: [
                "MXRAY_MILTER": "inet:\(sealPort)@127.0.0.1", "MXRAY_HEADERS": headers,
                "MXRAY_BODY_FILE": body.path,
            ])
        #expect(
            sealed.0 == 0,
            "miltertest: \(sealed.1)\nmilter log: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(sealed.1.contains("spf=pass") && sealed.1.contains("dmarc=pass"), "\(sealed.1)")

        let rejected = try Self.run(
            [Self.env["MXRAY_MILTERTEST"]!, "-s", Self.scripts.appendingPathComponent("reject.lua").path],
            environment: ["MXRAY_MILTER": "unix:\(dir.path)/reject.sock"])
        #expect(rejected.0 == 0 && rejected.1.contains("rejected"), "\(rejected.1)")

        let fetch =
            "import urllib.request, sys; url = 'http://127.0.0.1:\(metricsPort)/metrics'; "
            + "sys.stdout.write(urllib.request.urlopen(url, timeout=5).read().decode())"
        let metrics = try Self.run(["python3", "-c", fetch])
        #expect(metrics.1.contains("mxray_milter_messages_total"), "\(metrics.1)")
        #expect(metrics.1.contains("mxray_milter_dmarc_actions_total{action=\"reject\"} 1"), "\(metrics.1)")

        milter.terminate()
        let deadline = Date().addingTimeInterval(10)
        while milter.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!milter.isRunning && milter.terminationStatus == 0)
        let lines = try String(contentsOf: log, encoding: .utf8)
        #expect(lines.contains("queue_id=MTQUEUE1") && lines.contains("message judged"), "\(lines)")
    }
}

/// The `mxray` executable `swift build` put beside the test bundle.
enum MXRayBinary {
    final class Marker {}
    static var path: String {
        let bundle = Bundle(for: Marker.self).bundleURL
        for candidate in [
            bundle.appendingPathComponent("mxray"), bundle.deletingLastPathComponent().appendingPathComponent("mxray"),
        ]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        return Interop.root.appendingPathComponent(".build/debug/mxray").path
    }
}

struct MilterTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
