import Crypto
import MXRayDNS
import MXRayMessage
import Testing
import _CryptoExtras

@testable import MXRayAuth

/// Sign with every algorithm and canonicalization, verify, then change the message in ways that
/// must and must not break the signature.
@Suite struct DKIMRoundTripTests {
    static let rsa = PrivateKey.rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
    static let ed = PrivateKey.ed25519(Curve25519.Signing.PrivateKey())
    static let now: Int64 = 1_800_000_000

    static let text =
        "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly  report\r\n"
        + "Date: Sun, 29 Nov 2026 00:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob,\r\nthe numbers "
        + " are in.\r\n\r\n"

    static func resolver(_ key: PrivateKey, selector: String = "s1") -> ZoneResolver {
        let k = key.algorithm == .ed25519Sha256 ? "ed25519" : "rsa"
        return txtResolver([("\(selector)._domainkey.example.com", "v=DKIM1; k=\(k); p=\(key.publicKeyRecordValue)")])
    }

    static let combinations: [(String, Canonicalization, Canonicalization)] = [
        ("rsa", .simple, .simple), ("rsa", .simple, .relaxed), ("rsa", .relaxed, .simple), ("rsa", .relaxed, .relaxed),
        ("ed", .simple, .simple), ("ed", .simple, .relaxed), ("ed", .relaxed, .simple), ("ed", .relaxed, .relaxed),
    ]

    func signed(_ keyName: String, _ h: Canonicalization, _ b: Canonicalization) throws -> (Message, ZoneResolver) {
        let key = keyName == "rsa" ? Self.rsa : Self.ed
        var signer = DKIMSigner(domain: "example.com", selector: "s1", key: key)
        signer.headerCanonicalization = h
        signer.bodyCanonicalization = b
        signer.timestamp = Self.now
        return (try signer.sign(try message(Self.text)), Self.resolver(key))
    }

    func verdict(_ m: Message, _ r: any DNSResolver) async -> DKIMVerdict {
        await DKIMVerifier(resolver: r, now: Self.now).verify(m)[0]
    }

    /// Re-parse the signed message after editing its text.
    func edited(_ m: Message, _ change: (String) -> String) throws -> Message {
        try message(change(String(decoding: m.bytes, as: UTF8.self)))
    }

    @Test(arguments: combinations)
    func signThenVerify(key: String, header: Canonicalization, body: Canonicalization) async throws {
        let (m, r) = try signed(key, header, body)
        let v = await verdict(m, r)
        #expect(v.result == .pass, "\(v.reason)")
        #expect(v.signedHeaders.filter { $0 == "from" }.count == 2, "From is over-signed")
        // A changed header byte always breaks it.
        let headerChanged = await verdict(
            try edited(m) { $0.replacingOccurrences(of: "Quarterly", with: "Quarterlx") }, r)
        #expect(headerChanged.result == .fail && headerChanged.reason.contains("signature does not verify"))
        // A changed body byte always breaks it, as a body hash mismatch.
        let bodyChanged = await verdict(try edited(m) { $0.replacingOccurrences(of: "numbers", with: "numberz") }, r)
        #expect(bodyChanged.result == .fail && bodyChanged.reason.contains("body hash mismatch"))
        // Whitespace relaxed canonicalization ignores: breaks simple, not relaxed.
        let headerSpace = await verdict(
            try edited(m) { $0.replacingOccurrences(of: "Quarterly  report", with: "Quarterly report") }, r)
        #expect(headerSpace.result == (header == .relaxed ? .pass : .fail), "\(headerSpace.reason)")
        let bodySpace = await verdict(
            try edited(m) { $0.replacingOccurrences(of: "numbers  are", with: "numbers are") }, r)
        #expect(bodySpace.result == (body == .relaxed ? .pass : .fail), "\(bodySpace.reason)")
        // A From added on top breaks it thanks to over-signing.
        let extraFrom = await verdict(try edited(m) { "From: mallory@example.org\r\n" + $0 }, r)
        #expect(extraFrom.result == .fail)
        // Trailing empty lines are ignored by both body canonicalizations.
        let moreLines = await verdict(try edited(m) { $0 + "\r\n\r\n" }, r)
        #expect(moreLines.result == .pass, "\(moreLines.reason)")
    }

    @Test func bodyLengthIsReportedAsPartialCoverage() async throws {
        var signer = DKIMSigner(domain: "example.com", selector: "s1", key: Self.ed)
        signer.bodyLength = 12
        let m = try signer.sign(try message(Self.text))
        let appended = try edited(m) { $0 + "Unsigned advertising\r\n" }
        let v = await verdict(appended, Self.resolver(Self.ed))
        #expect(v.result == .pass)
        #expect(v.unsignedBodyBytes! > 12)
        #expect(v.reason.contains("not covered"))
    }

    @Test func expiryAndClock() async throws {
        var signer = DKIMSigner(domain: "example.com", selector: "s1", key: Self.ed)
        signer.timestamp = Self.now
        signer.expiration = Self.now + 60
        let m = try signer.sign(try message(Self.text))
        #expect(await DKIMVerifier(resolver: Self.resolver(Self.ed), now: Self.now + 30).verify(m)[0].result == .pass)
        let late = await DKIMVerifier(resolver: Self.resolver(Self.ed), now: Self.now + 61).verify(m)[0]
        #expect(late.result == .fail && late.reason.contains("expired"))
    }

    @Test func keyProblemsAreNotFailures() async throws {
        let (m, _) = try signed("ed", .relaxed, .relaxed)
        let none = await verdict(m, txtResolver([]))
        #expect(none.result == .permerror && none.reason.contains("no key record"))
        let revoked = await verdict(m, txtResolver([("s1._domainkey.example.com", "v=DKIM1; k=ed25519; p=")]))
        #expect(revoked.result == .permerror && revoked.reason.contains("revoked"))
        let wrongType = await verdict(
            m, txtResolver([("s1._domainkey.example.com", "v=DKIM1; k=rsa; p=\(Self.ed.publicKeyRecordValue)")]))
        #expect(wrongType.result == .permerror)
        // A DNS failure is temperror, never fail: a nameserver that does not exist times out.
        var config = ResolverConfiguration(nameservers: [Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: 9)])
        config.timeout = .milliseconds(50)
        config.attempts = 1
        let stub = StubResolver(configuration: config)
        let temp = await verdict(m, stub)
        #expect(temp.result == .temperror)
        await stub.shutdown()
    }

    @Test func rsaSha1AndSmallKeys() async throws {
        // rsa-sha1: reported with the RFC 8301 reason, whatever the key says.
        let m = try message(
            "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s1; h=from; bh=AAAA; b=AAAA\r\n" + Self.text)
        let v = await DKIMVerifier(resolver: txtResolver([]), now: Self.now).verify(m)[0]
        #expect(v.result == .fail && v.reason.contains("RFC 8301"))
        // A 512-bit key (made with `openssl genrsa 512`) is refused, naming its size.
        let small =
            "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANrsOYMaN+p2/6eAYuIayzebQjHJMxj0YEBPB5BLUU93rV7AnfihUjF0YnvAZZAh"
            + "3BNI7naQvZN2lQb1x5KbvBMCAwEAAQ=="
        guard case .keyTooSmall(let bits)? = Self.error(small) else {
            Issue.record("512-bit key accepted")
            return
        }
        #expect(bits == 512)
        // A signature whose key is that small fails (it does not merely error).
        let (signed, _) = try signed("rsa", .relaxed, .relaxed)
        let weak = await verdict(signed, txtResolver([("s1._domainkey.example.com", "v=DKIM1; p=\(small)")]))
        #expect(weak.result == .fail && weak.reason.contains("below the 1024-bit minimum"), "\(weak.reason)")
    }

    static func error(_ p: String) -> KeyRecordError? {
        do {
            _ = try KeyRecord(parsing: "v=DKIM1; p=\(p)")
            return nil
        } catch { return error }
    }
}
