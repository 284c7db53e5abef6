import Foundation
import Testing

/// `mxray reports ingest --imap` against a real Dovecot (Debian's, started by the integration script
/// with implicit TLS and a test CA). Messages are put in with Python's imaplib, an independent
/// client, and the folders are read back with it: stored messages in Archive, the rest in Invalid.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_IMAP"] != nil))
struct ReportsIMAPTests {
    static let server = ProcessInfo.processInfo.environment["MXRAY_IMAP"] ?? ""
    static let passwordFile = ProcessInfo.processInfo.environment["MXRAY_IMAP_PASSWORD_FILE"] ?? ""
    static let ca = ProcessInfo.processInfo.environment["MXRAY_TEST_CA"] ?? ""

    /// Runs Python's imaplib: `append FOLDER FILE...`, or `count FOLDER...` (prints the counts).
    static func imaplib(_ arguments: [String]) throws -> String {
        let script = """
            import imaplib, ssl, sys
            host, port = sys.argv[1].rsplit(":", 1)
            m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
            m.login("reports", open(sys.argv[3]).read().strip())
            if sys.argv[4] == "append":
                m.create(sys.argv[5])
                for f in sys.argv[6:]:
                    assert m.append(sys.argv[5], None, None, open(f, "rb").read())[0] == "OK"
            else:
                for folder in sys.argv[5:]:
                    status, data = m.select(folder, readonly=True)
                    print(folder, data[0].decode() if status == "OK" else "missing")
            m.logout()
            """
        let run = try Interop.runProcess(["python3", "-c", script, server, ca, passwordFile] + arguments)
        guard run.status == 0 else { throw MilterTestError("imaplib: \(run.output)") }
        return run.output
    }

    @Test func ingestMovesEachMessageAfterItIsStored() throws {
        let folder = "Reports\(UUID().uuidString.prefix(6))"
        let examples = Interop.root.appendingPathComponent("Examples/reports/tls-report-microsoft.eml").path
        let junk = Interop.temporary("junk.eml")
        try Data("From: a@example.com\r\nSubject: not a report\r\n\r\nhello\r\n".utf8)
            .write(to: URL(fileURLWithPath: junk))
        // The same report twice (stored once), and a message that carries none.
        _ = try Self.imaplib(["append", folder, examples, examples, junk])
        let db = Interop.temporary("imap.sqlite")
        let arguments = [
            "reports", "ingest", "--db", db, "--imap", Self.server, "--imap-user", "reports",
            "--imap-password-file", Self.passwordFile, "--imap-ca-file", Self.ca, "--imap-folder", folder,
            "--imap-archive", folder + "-done", "--imap-failed", folder + "-invalid",
        ]
        let run = try Interop.runProcess([MXRayBinary.path] + arguments)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("3 inputs: 0 DMARC and 1 TLS reports stored, 1 duplicates, 1 kept aside"))
        let counts = try Self.imaplib(["count", folder, folder + "-done", folder + "-invalid"])
        #expect(counts.contains("\(folder) 0") && counts.contains("\(folder)-done 2"), "\(counts)")
        #expect(counts.contains("\(folder)-invalid 1"), "\(counts)")
        // Nothing left: a second run reads nothing and changes nothing.
        let again = try Interop.runProcess([MXRayBinary.path] + arguments)
        #expect(again.status == 0 && again.output.contains("0 inputs"), "\(again.output)")
    }

    /// A wrong password or an untrusted certificate: exit 75 (retry later), nothing moved.
    @Test func refusedLoginAndUntrustedCertificate() throws {
        let wrong = Interop.temporary("wrong-password")
        try Data("not-the-password\n".utf8).write(to: URL(fileURLWithPath: wrong))
        let base = ["reports", "ingest", "--db", Interop.temporary("x.sqlite"), "--imap", Self.server, "--imap-user"]
        let login = try Interop.runProcess(
            [MXRayBinary.path] + base + ["reports", "--imap-password-file", wrong, "--imap-ca-file", Self.ca])
        #expect(login.status == 75 && login.output.contains("LOGIN"), "\(login.output)")
        let untrusted = try Interop.runProcess(
            [MXRayBinary.path] + base + ["reports", "--imap-password-file", Self.passwordFile])
        #expect(untrusted.status == 75 && untrusted.output.contains("error: IMAP"), "\(untrusted.output)")
    }
}
