import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage

/// The independent DKIM and ARC implementations the interoperability tests run: dkimpy (PyPI,
/// Scripts/dkimpy_interop.py) and Mail::DKIM (Debian, Scripts/maildkim.pl), with the keys of
/// Examples/keys published in the suite's zone mxray.test (served by nsd).
enum Interop {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let zoneText = try! String(
        contentsOf: root.appendingPathComponent("Tests/IntegrationTests/zones/mxray.test.zone"), encoding: .utf8)
    static let rsaKeyPath = root.appendingPathComponent("Examples/keys/rsa2048.pem").path
    static let edKeyPath = root.appendingPathComponent("Examples/keys/ed25519.pem").path
    static var resolver: ZoneResolver { ZoneResolver(zones: [try! ZoneFile(parsing: Array(zoneText.utf8))]) }

    /// A public key record as DNS would give it (its strings joined).
    static func keyRecord(_ selector: String) async throws -> String {
        let lookup = await resolver.lookup(try DomainName("\(selector)._domainkey.mxray.test"), .txt)
        return lookup.texts.first!
    }

    static func dkimpy(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run(["python3", root.appendingPathComponent("Scripts/dkimpy_interop.py").path] + arguments)
    }

    /// Mail::DKIM asks nsd for the keys.
    static func mailDKIM(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run(["perl", root.appendingPathComponent("Scripts/maildkim.pl").path] + arguments)
    }

    static func run(_ command: [String]) async throws -> (status: Int32, output: String) {
        var environment: [String: String] = [:]
        environment["MXRAY_INTEROP_KEY"] = rsaKeyPath
        environment["MXRAY_INTEROP_SELECTOR"] = "rsa2026"
        environment["MXRAY_INTEROP_DOMAIN"] = "mxray.test"
        environment["MXRAY_INTEROP_TXT"] = try await keyRecord("rsa2026")
        environment["MXRAY_INTEROP_ED_KEY"] = edKeyPath
        environment["MXRAY_INTEROP_ED_SELECTOR"] = "ed2026"
        environment["MXRAY_INTEROP_ED_TXT"] = try await keyRecord("ed2026")
        return try runProcess(command, environment: environment)
    }

    /// Runs a command to its end with extra environment variables; its output and error, merged.
    static func runProcess(_ command: [String], environment: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mxray-interop-\(UUID().uuidString)-\(name)")
            .path
    }

    static func write(_ message: Message, _ name: String) throws -> String {
        let path = temporary(name)
        try Data(message.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func read(_ path: String) throws -> Message {
        try Message(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func original() throws -> Message {
        try Message(bytes: Array(try Data(contentsOf: root.appendingPathComponent("Examples/message.eml"))))
    }
}
