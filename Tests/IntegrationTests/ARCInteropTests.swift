import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import Testing

/// mxray's ARC sets read by dkimpy and Mail::DKIM, and dkimpy's read by mxray, over chains of one
/// to three hops in both directions and mixed (Scripts/arc_interop.py and arc_verify_maildkim.pl;
/// the integration script installs dkimpy from PyPI and libmail-dkim-perl from Debian).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_DKIMPY"] != nil,
        "needs dkimpy: run Scripts/integration-test.sh"))
struct ARCInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let zoneText = try! String(
        contentsOf: root.appendingPathComponent("Tests/IntegrationTests/zones/mxray.test.zone"), encoding: .utf8)
    static let keyPath = root.appendingPathComponent("Examples/keys/rsa2048.pem").path

    /// The public key record as DNS would give it (its strings joined).
    static func keyRecord() async throws -> String {
        let zone = try ZoneFile(parsing: Array(zoneText.utf8))
        let lookup = await ZoneResolver(zones: [zone]).lookup(try DomainName("rsa2026._domainkey.mxray.test"), .txt)
        return lookup.texts.first!
    }

    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run(["python3", root.appendingPathComponent("Scripts/arc_interop.py").path] + arguments)
    }

    /// Mail::DKIM (Debian's libmail-dkim-perl) validates the chain, asking nsd for the key.
    static func mailDKIM(_ path: String) async throws -> (status: Int32, output: String) {
        try await run(["perl", root.appendingPathComponent("Scripts/arc_verify_maildkim.pl").path, path])
    }

    static func run(_ command: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        var environment = ProcessInfo.processInfo.environment
        environment["MXRAY_INTEROP_KEY"] = keyPath
        environment["MXRAY_INTEROP_SELECTOR"] = "rsa2026"
        environment["MXRAY_INTEROP_DOMAIN"] = "mxray.test"
        environment["MXRAY_INTEROP_TXT"] = try await keyRecord()
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mxray-arc-\(UUID().uuidString)-\(name)").path
    }

    static func mxraySeal(_ message: Message, hop: Int) async throws -> Message {
        let resolver = ZoneResolver(zones: [try ZoneFile(parsing: Array(zoneText.utf8))])
        var sealer = ARCSealer(
            domain: "mxray.test", selector: "rsa2026", key: try PrivateKey(pem: String(contentsOfFile: keyPath)),
            authservID: "hop\(hop).example")
        sealer.timestamp = 1_790_000_000 + Int64(hop)
        let incoming = await ARCVerifier(resolver: resolver).verify(message)
        return try sealer.seal(message, results: ["spf=pass smtp.mailfrom=alice@example.com"], incoming: incoming)
    }

    static func mxrayVerify(_ message: Message) async throws -> ARCVerdict {
        let resolver = ZoneResolver(zones: [try ZoneFile(parsing: Array(zoneText.utf8))])
        return await ARCVerifier(resolver: resolver).verify(message)
    }

    static func original() throws -> Message {
        try Message(bytes: Array(try Data(contentsOf: root.appendingPathComponent("Examples/message.eml"))))
    }

    /// Sealed by mxray at every hop: dkimpy validates the chain after each.
    @Test func mxraySealsDkimpyValidates() async throws {
        var message = try Self.original()
        for hop in 1...3 {
            message = try await Self.mxraySeal(message, hop: hop)
            #expect(
                message.fields[0].value.trimmingCharacters(in: .whitespaces).hasPrefix("i=\(hop);"),
                "i= first: \(message.fields[0].value)")
            let path = Self.temporary("hop\(hop).eml")
            try Data(message.bytes).write(to: URL(fileURLWithPath: path))
            let (status, output) = try await Self.python(["verify", path])
            #expect(status == 0, "hop \(hop): dkimpy says \(output)")
            let perl = try await Self.mailDKIM(path)
            #expect(perl.status == 0, "hop \(hop): Mail::DKIM says \(perl.output)")
        }
    }

    /// Sealed by dkimpy at every hop: mxray validates the chain after each.
    @Test func dkimpySealsMxrayValidates() async throws {
        var path = Self.temporary("in.eml")
        try Data(try Self.original().bytes).write(to: URL(fileURLWithPath: path))
        for hop in 1...3 {
            let out = Self.temporary("hop\(hop).eml")
            let (status, output) = try await Self.python(["seal", path, out, "\(hop)"])
            #expect(status == 0, "dkimpy seal: \(output)")
            let verdict = try await Self.mxrayVerify(
                try Message(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: out)))))
            #expect(verdict.result == .pass && verdict.instances == hop, "hop \(hop): \(verdict.reason)")
            path = out
        }
    }

    /// dkimpy, then mxray, then dkimpy: each reads the other's sets.
    @Test func mixedChain() async throws {
        let first = Self.temporary("1.eml"), second = Self.temporary("2.eml"), third = Self.temporary("3.eml")
        try Data(try Self.original().bytes).write(to: URL(fileURLWithPath: first))
        var (status, output) = try await Self.python(["seal", first, second, "1"])
        #expect(status == 0, "\(output)")
        let sealed = try await Self.mxraySeal(
            try Message(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: second)))), hop: 2)
        try Data(sealed.bytes).write(to: URL(fileURLWithPath: second))
        (status, output) = try await Self.python(["seal", second, third, "3"])
        #expect(status == 0, "\(output)")
        let verdict = try await Self.mxrayVerify(
            try Message(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: third)))))
        #expect(verdict.result == .pass && verdict.instances == 3, "\(verdict.reason)")
        (status, output) = try await Self.python(["verify", third])
        #expect(status == 0, "dkimpy: \(output)")
        (status, output) = try await Self.mailDKIM(third)
        #expect(status == 0, "Mail::DKIM: \(output)")
    }
}
