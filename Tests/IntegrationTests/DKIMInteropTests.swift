import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage
import Testing

/// mxray's DKIM signatures verified by dkimpy and Mail::DKIM, and theirs by mxray (RSA and Ed25519,
/// RFC 6376 and RFC 8463; both canonicalizations), with a broken body as the control that each
/// verifier can say fail. Debian bookworm's Mail::DKIM (1.20230212) does not implement Ed25519: for
/// those signatures it must say exactly that (unsupported algorithm), never fail or pass them.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_DKIMPY"] != nil,
        "needs dkimpy and Mail::DKIM: run Scripts/integration-test.sh"))
struct DKIMInteropTests {
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    static func mxraySign(
        _ message: Message, ed25519: Bool, canonicalization: Canonicalization = .relaxed
    ) throws -> Message {
        let path = ed25519 ? Interop.edKeyPath : Interop.rsaKeyPath
        var signer = DKIMSigner(
            domain: "mxray.test", selector: ed25519 ? "ed2026" : "rsa2026",
            key: try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8)))
        signer.headerCanonicalization = canonicalization
        signer.bodyCanonicalization = canonicalization
        signer.timestamp = now
        return try signer.sign(message)
    }

    static func mxrayVerify(_ path: String) async throws -> [DKIMVerdict] {
        await DKIMVerifier(resolver: Interop.resolver, now: now).verify(try Interop.read(path))
    }

    @Test(arguments: [(false, Canonicalization.relaxed), (false, .simple), (true, .relaxed), (true, .simple)])
    func mxraySignsOthersVerify(ed25519: Bool, canonicalization: Canonicalization) async throws {
        let signed = try Self.mxraySign(try Interop.original(), ed25519: ed25519, canonicalization: canonicalization)
        let path = try Interop.write(signed, "signed.eml")
        let dkimpy = try await Interop.dkimpy(["dkim-verify", path])
        #expect(dkimpy.status == 0, "dkimpy: \(dkimpy.output)")
        let perl = try await Interop.mailDKIM(["dkim-verify", path])
        Self.expectMailDKIM(perl, ed25519: ed25519)
    }

    static func expectMailDKIM(_ run: (status: Int32, output: String), ed25519: Bool) {
        if ed25519 {
            #expect(run.output.contains("unsupported algorithm ed25519-sha256"), "Mail::DKIM: \(run.output)")
        } else {
            #expect(run.status == 0, "Mail::DKIM: \(run.output)")
        }
    }

    @Test(arguments: ["rsa", "ed25519"])
    func dkimpySignsMxrayVerifies(algorithm: String) async throws {
        let input = try Interop.write(try Interop.original(), "in.eml")
        let out = Interop.temporary("signed.eml")
        let signed = try await Interop.dkimpy(["dkim-sign", input, out, algorithm])
        #expect(signed.status == 0, "\(signed.output)")
        let verdicts = try await Self.mxrayVerify(out)
        #expect(verdicts.count == 1 && verdicts.allSatisfy { $0.result == .pass }, "\(verdicts)")
        #expect(verdicts.first?.algorithm == (algorithm == "rsa" ? "rsa-sha256" : "ed25519-sha256"))
        Self.expectMailDKIM(try await Interop.mailDKIM(["dkim-verify", out]), ed25519: algorithm == "ed25519")
    }

    @Test func mailDKIMSignsMxrayVerifies() async throws {
        let input = try Interop.write(try Interop.original(), "in.eml")
        let out = Interop.temporary("signed.eml")
        let signed = try await Interop.mailDKIM(["dkim-sign", input, out])
        #expect(signed.status == 0, "\(signed.output)")
        let verdicts = try await Self.mxrayVerify(out)
        #expect(verdicts.count == 1 && verdicts.first?.result == .pass, "\(verdicts)")
        let dkimpy = try await Interop.dkimpy(["dkim-verify", out])
        #expect(dkimpy.status == 0, "dkimpy reads Mail::DKIM's: \(dkimpy.output)")
    }

    /// Two signers in turn, as an author's domain and a relay sign: every verifier passes both.
    @Test func signaturesFromTwoImplementationsOnOneMessage() async throws {
        let input = try Interop.write(try Interop.original(), "in.eml")
        let out = Interop.temporary("dkimpy.eml")
        _ = try await Interop.dkimpy(["dkim-sign", input, out, "rsa"])
        let both = try Interop.write(try Self.mxraySign(try Interop.read(out), ed25519: true), "both.eml")
        let verdicts = try await Self.mxrayVerify(both)
        #expect(verdicts.count == 2 && verdicts.allSatisfy { $0.result == .pass }, "\(verdicts)")
        let dkimpy = try await Interop.dkimpy(["dkim-verify", both])
        #expect(dkimpy.status == 0, "\(dkimpy.output)")
        // Mail::DKIM passes the RSA signature and declines the Ed25519 one it does not implement.
        let perl = try await Interop.mailDKIM(["dkim-verify", both])
        #expect(perl.output.contains("pass d=mxray.test a=rsa-sha256"), "\(perl.output)")
        #expect(perl.output.contains("unsupported algorithm ed25519-sha256"), "\(perl.output)")
    }

    /// The control: a body changed after signing fails in every verifier.
    @Test func aChangedBodyFailsEverywhere() async throws {
        let signed = try Self.mxraySign(try Interop.original(), ed25519: false)
        var bytes = signed.bytes
        bytes.append(contentsOf: Array("a footer added by a gateway\r\n".utf8))
        let path = Interop.temporary("changed.eml")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try await Self.mxrayVerify(path).first?.result == .fail)
        #expect(try await Interop.dkimpy(["dkim-verify", path]).status == 1)
        #expect(try await Interop.mailDKIM(["dkim-verify", path]).status == 1)
    }
}
