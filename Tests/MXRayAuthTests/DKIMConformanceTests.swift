import Foundation
import MXRayDNS
import MXRayMessage
import Testing

@testable import MXRayAuth

/// DKIM vectors: RFC 8463 appendix A, Stalwart mail-auth 001-006, dkimpy's signed messages and
/// its bad key records.
@Suite struct DKIMConformanceTests {
    /// After the newest t= in the vectors, before any x= except 005's (which gets its own clock).
    static let now: Int64 = 1_700_000_000

    @Test(arguments: ["001.txt", "002.txt", "003.txt", "004.txt", "005.txt", "006.txt"])
    func stalwart(file: String) async throws {
        let (resolver, message) = try stalwartCase("dkim-stalwart/" + file)
        // 005 carries x=1667930064: verify it at its signing time, as the suite does.
        let now: Int64 = file == "005.txt" ? 1_667_843_664 : Self.now
        let verdicts = await DKIMVerifier(resolver: resolver, now: now).verify(message)
        #expect(!verdicts.isEmpty)
        for v in verdicts { #expect(v.result == .pass, "\(file): \(v.reason)") }
    }

    @Test func stalwart005ExpiresOnTime() async throws {
        let (resolver, message) = try stalwartCase("dkim-stalwart/005.txt")
        let verdicts = await DKIMVerifier(resolver: resolver, now: 1_667_930_065).verify(message)
        #expect(verdicts.first?.result == .fail)
        #expect(verdicts.first?.reason.contains("expired") == true)
    }

    func dkimpyResolver(_ extra: [(String, String)] = []) throws -> ZoneResolver {
        let test = try Conformance.text("dkim-dkimpy/test.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let exim = try Conformance.text("dkim-dkimpy/eximtest.dns").trimmingCharacters(in: .whitespacesAndNewlines)
        return txtResolver(
            [
                (
                    "brisbane._domainkey.football.example.com",
                    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
                ),
                ("test._domainkey.football.example.com", test),
                ("sed._domainkey.test.ex", exim),
                (
                    "20120113._domainkey.gmail.com",
                    "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYYv"
                        + "ywlbhbqoo2DymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3"
                        + "SD07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwV"
                        + "mAl5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+vtSBczUiKERHv"
                        + "1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB"
                ),
            ] + extra)
    }

    /// RFC 8463 appendix A.3: the same message signed with Ed25519 and RSA, simple/simple.
    @Test func rfc8463ExampleBothSignatures() async throws {
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/rfc6376.signed.msg"))
        let verdicts = await DKIMVerifier(resolver: try dkimpyResolver(), now: Self.now).verify(message)
        #expect(verdicts.map(\.result) == [.pass, .pass], "\(verdicts.map(\.reason))")
        #expect(verdicts.map(\.algorithm) == ["ed25519-sha256", "rsa-sha256"])
        #expect(verdicts[1].weakKey && verdicts[1].keyBits == 1024)
    }

    @Test(arguments: ["ed25519test2.msg", "test2.message"])
    func dkimpySignedMessages(file: String) async throws {
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/" + file))
        let verdicts = await DKIMVerifier(resolver: try dkimpyResolver(), now: Self.now).verify(message)
        #expect(!verdicts.isEmpty)
        for v in verdicts { #expect(v.result == .pass, "\(file): \(v.reason)") }
    }

    /// dkimpy signs test.message with test.private and checks that each broken key record fails.
    @Test(arguments: [
        ("test.txt", DKIMResult.pass), ("test2.txt", .pass), ("badversion.txt", .permerror),
        ("badk.txt", .permerror), ("test_bad.txt", .permerror),
        // s=tlsrpt: a key for TLS reports only, not for mail (RFC 8460 §3, RFC 6376 §3.6.1).
        ("test_tlsrpt.txt", .permerror),
    ])
    func dkimpyKeyRecords(file: String, expected: DKIMResult) async throws {
        let key = try PrivateKey(pem: Conformance.text("dkim-dkimpy/test.private"))
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/test.message"))
        let signed = try DKIMSigner(domain: "example.com", selector: "test", key: key).sign(message)
        let record = try Conformance.text("dkim-dkimpy/" + file).trimmingCharacters(in: .whitespacesAndNewlines)
        let verdicts = await DKIMVerifier(
            resolver: txtResolver([("test._domainkey.example.com", record)]), now: Self.now
        ).verify(signed)
        #expect(verdicts.first?.result == expected, "\(file): \(verdicts.first?.reason ?? "")")
    }

    /// dkimpy signs these with test.private and verifies them; message.mbox also carries a
    /// kitterman.com signature whose key the suite does not publish: permerror, not fail.
    @Test(arguments: ["message.mbox", "test_extra.message", "test.message", "rfc6376.msg"])
    func dkimpySignAndVerify(file: String) async throws {
        let key = try PrivateKey(pem: Conformance.text("dkim-dkimpy/test.private"))
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/" + file))
        let signed = try DKIMSigner(domain: "example.com", selector: "test", key: key).sign(message)
        let record = try Conformance.text("dkim-dkimpy/test.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let verdicts = await DKIMVerifier(
            resolver: txtResolver([("test._domainkey.example.com", record)]), now: Self.now
        ).verify(signed)
        #expect(verdicts.first?.result == .pass, "\(file): \(verdicts.first?.reason ?? "")")
        for v in verdicts.dropFirst() {
            #expect(v.result == .permerror && v.reason.contains("no key record"), "\(file): \(v.reason)")
        }
    }

    /// dkimpy's Ed25519 test: sign ed25519test.msg with ed25519test.key, verify with its record.
    @Test func dkimpyEd25519SignAndVerify() async throws {
        let key = try PrivateKey(pem: Conformance.text("dkim-dkimpy/ed25519test.key"))
        let record = try Conformance.text("dkim-dkimpy/ed25519test.dns").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(record.hasSuffix(key.publicKeyRecordValue))
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/ed25519test.msg"))
        let signed = try DKIMSigner(domain: "example.net", selector: "test", key: key).sign(message)
        let verdicts = await DKIMVerifier(
            resolver: txtResolver([("test._domainkey.example.net", record)]), now: Self.now
        ).verify(signed)
        #expect(verdicts.map(\.result) == [.pass])
    }

    /// dkimpy refuses to sign a message without From; so does mxray.
    @Test func noFromIsNotSigned() throws {
        let key = try PrivateKey(pem: Conformance.text("dkim-dkimpy/test.private"))
        let message = try Message(bytes: Conformance.bytes("dkim-dkimpy/test_nofrom.message"))
        #expect(throws: KeyError.self) {
            try DKIMSigner(domain: "example.com", selector: "test", key: key).sign(message)
        }
    }

    /// The Ed25519 key of RFC 8032 §7.1 test 1 is the RFC 8463 example key.
    @Test func rfc8032SeedGivesTheRFC8463PublicKey() throws {
        let key = try PrivateKey(pem: Conformance.text("dkim-dkimpy/rfc8032_7_1.key"))
        #expect(key.publicKeyRecordValue == "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    }
}
