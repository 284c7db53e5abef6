import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import Testing

/// mxray's ARC sets read by dkimpy and Mail::DKIM, and dkimpy's read by mxray, over chains of one
/// to three hops in both directions and mixed (Scripts/dkimpy_interop.py and maildkim.pl;
/// the integration script installs dkimpy from PyPI and libmail-dkim-perl from Debian).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_DKIMPY"] != nil,
        "needs dkimpy: run Scripts/integration-test.sh"))
struct ARCInteropTests {
    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Interop.dkimpy(arguments)
    }

    static func mailDKIM(_ path: String) async throws -> (status: Int32, output: String) {
        try await Interop.mailDKIM(["arc-verify", path])
    }

    static func temporary(_ name: String) -> String { Interop.temporary(name) }

    static func mxraySeal(_ message: Message, hop: Int) async throws -> Message {
        let resolver = Interop.resolver
        var sealer = ARCSealer(
            domain: "mxray.test", selector: "rsa2026",
            key: try PrivateKey(pem: String(contentsOfFile: Interop.rsaKeyPath, encoding: .utf8)),
            authservID: "hop\(hop).example")
        sealer.timestamp = 1_790_000_000 + Int64(hop)
        let incoming = await ARCVerifier(resolver: resolver).verify(message)
        return try sealer.seal(message, results: ["spf=pass smtp.mailfrom=alice@example.com"], incoming: incoming)
    }

    static func mxrayVerify(_ message: Message) async throws -> ARCVerdict {
        await ARCVerifier(resolver: Interop.resolver).verify(message)
    }

    static func original() throws -> Message { try Interop.original() }

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

    /// Sealed by Mail::DKIM at every hop: mxray validates the chain after each, and so does dkimpy.
    @Test func mailDKIMSealsMxrayValidates() async throws {
        var path = Self.temporary("in.eml")
        try Data(try Self.original().bytes).write(to: URL(fileURLWithPath: path))
        for hop in 1...3 {
            let out = Self.temporary("hop\(hop).eml")
            let (status, output) = try await Interop.mailDKIM(["arc-seal", path, out, "\(hop)"])
            #expect(status == 0, "Mail::DKIM seal: \(output)")
            let verdict = try await Self.mxrayVerify(try Interop.read(out))
            #expect(verdict.result == .pass && verdict.instances == hop, "hop \(hop): \(verdict.reason)")
            let dkimpy = try await Self.python(["verify", out])
            #expect(dkimpy.status == 0, "hop \(hop): dkimpy says \(dkimpy.output)")
            path = out
        }
    }

    /// Mail::DKIM, then mxray, then dkimpy, then Mail::DKIM: four hops, three implementations.
    @Test func threeImplementationsInOneChain() async throws {
        let first = Self.temporary("1.eml"), second = Self.temporary("2.eml")
        let third = Self.temporary("3.eml"), fourth = Self.temporary("4.eml")
        try Data(try Self.original().bytes).write(to: URL(fileURLWithPath: first))
        var (status, output) = try await Interop.mailDKIM(["arc-seal", first, second, "1"])
        #expect(status == 0, "\(output)")
        let sealed = try await Self.mxraySeal(try Interop.read(second), hop: 2)
        try Data(sealed.bytes).write(to: URL(fileURLWithPath: second))
        (status, output) = try await Self.python(["seal", second, third, "3"])
        #expect(status == 0, "\(output)")
        (status, output) = try await Interop.mailDKIM(["arc-seal", third, fourth, "4"])
        #expect(status == 0, "\(output)")
        let verdict = try await Self.mxrayVerify(try Interop.read(fourth))
        #expect(verdict.result == .pass && verdict.instances == 4, "\(verdict.reason)")
        (status, output) = try await Self.python(["verify", fourth])
        #expect(status == 0, "dkimpy: \(output)")
        (status, output) = try await Self.mailDKIM(fourth)
        #expect(status == 0, "Mail::DKIM: \(output)")
    }
}
