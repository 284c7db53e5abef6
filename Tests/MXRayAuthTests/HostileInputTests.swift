import Crypto
import MXRayDNS
import MXRayMessage
import Testing

@testable import MXRayAuth

/// Inputs built to hurt: each gets a clear verdict in bounded time and memory.
@Suite struct HostileInputTests {
    static let key = PrivateKey.ed25519(Curve25519.Signing.PrivateKey())
    static let resolver = txtResolver([
        ("s._domainkey.example.com", "v=DKIM1; k=ed25519; p=\(key.publicKeyRecordValue)")
    ])
    static let base = "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n"

    func verify(_ text: String) async throws -> [DKIMVerdict] {
        await DKIMVerifier(resolver: Self.resolver, now: 1_800_000_000).verify(try message(text))
    }

    @Test(arguments: [
        ("b=!!!not base64!!!", "b= is not base64"),
        ("b=", "b= is empty"),
        ("b=AAAA; b=BBBB", "appears more than once"),
        ("b=AAAA; d=example.org", "appears more than once"),
        ("b=AAAA; ;", "empty tag"),
        ("b=AAAA; 1x=2", "not a valid tag name"),
    ])
    func garbageSignaturesArePermerrors(tail: String, reason: String) async throws {
        let field = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=s; h=from; bh=AAAA; \(tail)\r\n"
        let v = try await verify(field + Self.base)
        #expect(v.count == 1)
        #expect(v[0].result == .permerror)
        #expect(v[0].reason.contains(reason), "\(v[0].reason)")
    }

    @Test func tenThousandSignaturesAreCappedWithAReason() async throws {
        let signer = DKIMSigner(domain: "example.com", selector: "s", key: Self.key)
        let signed = try signer.sign(try message(Self.base))
        let field = String(decoding: signed.fields[0].raw, as: UTF8.self) + "\r\n"
        let text = String(repeating: field, count: 10_000) + Self.base
        let verdicts = try await verify(text)
        #expect(verdicts.count == 10_000)
        #expect(verdicts.prefix(DKIMVerifier.maxSignaturesEvaluated).allSatisfy { $0.result == .pass })
        #expect(
            verdicts.dropFirst(DKIMVerifier.maxSignaturesEvaluated).allSatisfy {
                $0.result == .permerror && $0.reason.contains("not evaluated")
            })
    }

    @Test func fiftyMegabyteBody() async throws {
        let line = String(repeating: "0123456789 abcdefghij \t", count: 3) + "\r\n"
        let body = String(repeating: line, count: 50 * 1024 * 1024 / line.utf8.count)
        let unsigned = try message("From: a@example.com\r\nSubject: big\r\n\r\n" + body)
        for c in [Canonicalization.simple, .relaxed] {
            var signer = DKIMSigner(domain: "example.com", selector: "s", key: Self.key)
            signer.bodyCanonicalization = c
            let signed = try signer.sign(unsigned)
            let v = await DKIMVerifier(resolver: Self.resolver, now: 1_800_000_000).verify(signed)
            #expect(v.first?.result == .pass, "\(c): \(v.first?.reason ?? "")")
        }
    }

    @Test func arcChainPastFiftySetsFails() async throws {
        var m = try message(Self.base)
        for i in 1...51 {
            m = m.prepending([
                HeaderField(
                    name: "ARC-Seal",
                    value: "i=\(i); a=ed25519-sha256; cv=\(i == 1 ? "none" : "pass"); d=example.com; s=s; b=AAAA"),
                HeaderField(
                    name: "ARC-Message-Signature",
                    value: "i=\(i); a=ed25519-sha256; d=example.com; s=s; h=from; bh=AAAA; b=AAAA"),
                HeaderField(name: "ARC-Authentication-Results", value: "i=\(i); example.com; none"),
            ])
        }
        let verdict = await ARCVerifier(resolver: Self.resolver).verify(m)
        #expect(verdict.result == .fail)
        #expect(verdict.reason.contains("limit of 50"), "\(verdict.reason)")
    }

    @Test func deeplyNestedCommentsInAuthenticationResults() throws {
        let nested = String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000)
        let ar = try AuthenticationResults(parsing: "example.com; spf=pass \(nested) smtp.mailfrom=a@example.com")
        #expect(ar.results.first?.property("smtp", "mailfrom") == "a@example.com")
    }
}

/// Inputs the fuzzer found (Scripts/fuzz.sh), kept as regression tests.
@Suite struct FuzzFoundTests {
    /// A p= that decodes to fewer bytes than the RSA OID crashed the key-size check (an invalid
    /// range); it is now an unusable key like any other malformed one.
    @Test func shortRSAKeyDoesNotCrash() {
        #expect(KeyRecord.rsaModulusBits([0x30, 0x82, 0x01, 0x22, 0x4A, 0xDA, 0xEB]) == nil)
        #expect(throws: (any Error).self) { try KeyRecord(parsing: "v=DKIM1; k=rsa; p=MIIBIStriA") }
    }
}
