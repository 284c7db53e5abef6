import Foundation
import Testing

@testable import MXRayFeedback

/// Reports as they arrive: gzip, zip, attached to messages (RFC 7489 §7.2.1.1, RFC 8460 §5.3).
@Suite struct UnpackTests {
    let xml = Array(ReportWriter.xml(Fixtures.dmarc()).utf8)
    let json = Array(ReportWriter.json(Fixtures.tls()).utf8)

    func keys(_ found: [UnpackedReport]) -> [String] {
        found.compactMap { if case .success(let r) = $0.outcome { r.key } else { nil } }
    }
    func reasons(_ found: [UnpackedReport]) -> [String] {
        found.compactMap { if case .failure(let e) = $0.outcome { e.description } else { nil } }
    }

    @Test func wrappings() {
        let dmarcKey = "dmarc:google.com!1234"
        let tlsKey = "tlsrpt:google inc.!2026-11-28T00:00:00Z_example.com"
        #expect(keys(ReportUnpacker.reports(in: xml, name: "r.xml")) == [dmarcKey])
        #expect(keys(ReportUnpacker.reports(in: Fixtures.gzip(xml), name: "r.xml.gz")) == [dmarcKey])
        #expect(keys(ReportUnpacker.reports(in: Fixtures.gzip(json), name: "r.json.gz")) == [tlsKey])
        let zipped = Fixtures.zip([("google.com!example.com!1!2.xml", xml)])
        #expect(keys(ReportUnpacker.reports(in: zipped, name: "r.zip")) == [dmarcKey])
        let base64 = Fixtures.message(attachment: zipped, name: "google.com!example.com.zip", type: "application/zip")
        #expect(keys(ReportUnpacker.reports(in: base64, name: "m.eml")) == [dmarcKey])
        let gz = Fixtures.message(attachment: Fixtures.gzip(json), name: "r.json.gz", type: "application/tlsrpt+gzip")
        #expect(keys(ReportUnpacker.reports(in: gz, name: "m.eml")) == [tlsKey])
        let qp = Fixtures.message(attachment: xml, name: "r.xml", type: "text/xml", encoding: "quoted-printable")
        #expect(keys(ReportUnpacker.reports(in: qp, name: "m.eml")) == [dmarcKey])
        // LF line endings, as a Maildir written on Unix holds them.
        let lf = Array(String(decoding: base64, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        #expect(keys(ReportUnpacker.reports(in: lf, name: "m.eml")) == [dmarcKey])
    }

    @Test func messageWithoutReport() {
        let text = Array("From: a@example.com\r\nSubject: hello\r\n\r\nJust text.\r\n".utf8)
        #expect(reasons(ReportUnpacker.reports(in: text, name: "m.eml")) == ["no DMARC or TLS report found"])
        #expect(reasons(ReportUnpacker.reports(in: [0x00, 0x01, 0x02], name: "b")).first?.contains("neither") == true)
    }

    /// Bombs: a gzip or zip that expands past the size or ratio bound is refused, not inflated.
    @Test func bombs() {
        let zeros = [UInt8](repeating: 0x20, count: 8 * 1024 * 1024)
        let bomb = Fixtures.gzip(Array("<feedback>".utf8) + zeros)
        #expect(bomb.count < 40_000)
        #expect(reasons(ReportUnpacker.reports(in: bomb, name: "bomb.gz")).first?.contains("refused as a bomb") == true)
        let zipBomb = Fixtures.zip([("a.xml", zeros)])
        #expect(reasons(ReportUnpacker.reports(in: zipBomb, name: "bomb.zip")).first?.contains("bomb") == true)
        var limits = FeedbackLimits.standard
        limits.maxDocumentBytes = 1000
        limits.ratioFloorBytes = 100
        let big = Fixtures.gzip(xml)
        #expect(reasons(ReportUnpacker.reports(in: big, name: "r.gz", limits: limits)).first?.contains("bomb") == true)
    }

    @Test func truncatedAndCorrupt() {
        let gz = Fixtures.gzip(xml)
        let half = reasons(ReportUnpacker.reports(in: Array(gz.prefix(gz.count / 2)), name: "t.gz"))
        #expect(half == ["gzip data is corrupt or truncated"])
        let zipped = Fixtures.zip([("a.xml", xml)])
        #expect(reasons(ReportUnpacker.reports(in: Array(zipped.prefix(40)), name: "t.zip")).count == 1)
        // An end record whose comment runs past the end (found by the fuzz target as a leak).
        var longComment = zipped
        longComment[longComment.count - 2] = 0x10
        let comment = reasons(ReportUnpacker.reports(in: longComment, name: "c.zip"))
        #expect(comment.first?.contains("offset points outside") == true)
        // The central directory says less data than there is, or a different CRC-32: the entry is refused
        // (ZIPFoundation looped forever on a deflate stream that did not end in its bytes).
        let directory = zipped.indices.last { Array(zipped[$0..<min($0 + 4, zipped.count)]) == [0x50, 0x4B, 1, 2] }!
        var short = zipped
        short[directory + 20] &-= 10
        #expect(reasons(ReportUnpacker.reports(in: short, name: "s.zip")).first?.contains("corrupt") == true)
        var crc = zipped
        crc[directory + 16] ^= 1
        #expect(reasons(ReportUnpacker.reports(in: crc, name: "c.zip")).first?.contains("CRC-32") == true)
        let cut = Array(xml.prefix(xml.count - 40))
        #expect(reasons(ReportUnpacker.reports(in: cut, name: "t.xml")).first?.contains("not well-formed") == true)
    }

    /// Several attachments: each report found; a bad one is reported beside the good ones.
    @Test func severalParts() {
        let good = Fixtures.zip([("one.xml", xml), ("two.json", json), ("bad.xml", Array("<feedback/>".utf8))])
        let found = ReportUnpacker.reports(in: good, name: "r.zip")
        #expect(keys(found).count == 2 && reasons(found).count == 1)
        #expect(found.map(\.part) == ["r.zip/one.xml", "r.zip/two.json", "r.zip/bad.xml"])
    }

    @Test func mimeParameters() {
        let p = HeaderParameters("Multipart/Mixed; boundary=\"a;b\\\"c\"; NAME*=utf-8''r%C3%A9port.xml")
        #expect(p.value == "multipart/mixed" && p["boundary"] == "a;b\"c" && p["name"] == "réport.xml")
        #expect(QuotedPrintable.decode(Array("a=3Db=\r\nc=ZZ".utf8)) == Array("a=bc=ZZ".utf8))
    }
}
