import Foundation
import MXRayInbound
import Testing

/// Runs the `mxray` executable that `swift build` put next to this test bundle.
struct MXRayProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL {
        // The test bundle lives in the build products directory, beside the executable
        // (on Linux the bundle URL is that directory; on macOS it is the .xctest inside it).
        let bundle = Bundle(for: Marker.self).bundleURL
        let candidates = [
            bundle.appendingPathComponent("mxray"),
            bundle.deletingLastPathComponent().appendingPathComponent("mxray"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    final class Marker {}

    /// Reads a pipe to its end on a thread of its own; `wait()` returns what it read.
    final class PipeDrain: @unchecked Sendable {
        // Written once by the reading thread before it signals `done`; read only after `wait()`.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    /// Runs `mxray` with `arguments` and waits for it on a thread of its own: a test that blocked
    /// while it waited would hold one of the cooperative pool's threads (two on this machine), and
    /// every other test in flight, with its timeouts, would stall behind it.
    static func run(
        _ arguments: [String], timeout: TimeInterval = 30, input: Data? = nil, environment: [String: String] = [:]
    ) async throws -> MXRayProcess {
        try await onThreadOfItsOwn {
            try runBlocking(arguments, timeout: timeout, input: input, environment: environment)
        }
    }

    /// Runs blocking work on a thread of its own: the pool's threads stay free, and work whose timing
    /// matters (a signal sent when a log line appears) is not delayed by the tests the pool runs.
    static func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Waits for a process started by a test, polling so that no thread blocks, for at most `timeout`;
    /// a process still running then is killed, so its status shows the test it failed.
    static func exit(of process: Process, within timeout: Duration = .seconds(60)) async {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func runBlocking(
        _ arguments: [String], timeout: TimeInterval, input: Data?, environment: [String: String]
    ) throws -> MXRayProcess {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repository
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let stdin, let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        // Drain both pipes on their own threads while the process runs, so a full pipe cannot
        // stall it and the deadline below is checked while it runs, not after end of file.
        let stdout = PipeDrain(out.fileHandleForReading)
        let stderr = PipeDrain(err.fileHandleForReading)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        var errors = String(decoding: stderr.wait(), as: UTF8.self)
        if timedOut { errors += "\n[test harness: killed after \(timeout) s]" }
        return MXRayProcess(
            status: timedOut ? -1 : process.terminationStatus, stdout: String(decoding: stdout.wait(), as: UTF8.self),
            stderr: errors)
    }
}

@Suite struct CLIZoneTests {
    /// The harness's own deadline fires while the process still runs (it once read to end of
    /// file first, so a hung command hung the test).
    @Test func harnessTimeoutFires() async throws {
        let start = Date()
        let hung = try await MXRayProcess.run(
            ["dns", "hang.example", "A", "--nameserver", "127.0.0.1:9", "--dns-timeout", "20", "--dns-attempts", "1"],
            timeout: 0.5)
        #expect(hung.status == -1 && hung.stderr.contains("killed after"))
        #expect(Date().timeIntervalSince(start) < 15, "the 20 s lookup was not cut short")
    }

    @Test func catalogLookup() async throws {
        let known = try await MXRayProcess.run(["catalog", "lookup", "example-com.mail.eo.outlook.com"])
        #expect(known.status == 0 && known.stdout.contains("Microsoft 365 (mailbox), pattern *.mail.eo.outlook.com"))
        let unknown = try await MXRayProcess.run(["catalog", "lookup", "mx.unknown.example"])
        #expect(unknown.status == 1 && unknown.stdout.contains("unknown"))
        let spf = try await MXRayProcess.run(["catalog", "lookup", "--spf", "_spf.google.com", "--json"])
        #expect(spf.status == 0 && spf.stdout.contains("\"Google Workspace\""))
        let list = try await MXRayProcess.run(["catalog", "--role", "forwarder"])
        #expect(list.status == 0 && list.stdout.contains("ImprovMX") && !list.stdout.contains("Mimecast"))
        #expect(list.stdout.contains("operators; source: ") && list.stdout.contains(" third-party"))
        let confirmed = try await MXRayProcess.run(["catalog", "lookup", "mx02.kolabnow.com"])
        #expect(confirmed.stdout.contains("confidence: the operator's own documentation"), "\(confirmed.stdout)")
    }

    /// The README lists every finding id the code declares, and no id the code does not know.
    @Test func readmeListsEveryFindingID() async throws {
        let readme = try String(
            contentsOf: MXRayProcess.repository.appendingPathComponent("README.md"), encoding: .utf8)
        for id in FindingID.allCases { #expect(readme.contains("`\(id.rawValue)`"), "\(id.rawValue) not in README") }
    }

    @Test func versionAndHelp() async throws {
        let version = try await MXRayProcess.run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try await MXRayProcess.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("dns"))
    }

    @Test func readmeQuickStart() async throws {
        let run = try await MXRayProcess.run(["dns", "example.com", "MX", "--zone", "Examples/cold-backup.zone"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("example.com.\t3600\tIN\tMX\t100 example-com.mail.protection.outlook.com."))
        #expect(run.stdout.hasPrefix(";; example.com. MX: 3 records from zone Examples/cold-backup.zone"))
    }

    @Test func exitStatusFollowsTheOutcome() async throws {
        let zone = ["--zone", "Examples/cold-backup.zone"]
        #expect(try await MXRayProcess.run(["dns", "nope.example.com", "A"] + zone).status == 1)
        let nodata = try await MXRayProcess.run(["dns", "example.com", "AAAA"] + zone)
        #expect(nodata.status == 1 && nodata.stdout.contains("NODATA"))
        #expect(try await MXRayProcess.run(["dns", "example.com", "BOGUS"] + zone).status != 0)
        let both = try await MXRayProcess.run(["dns", "example.com", "--zone", "x", "--nameserver", "127.0.0.1"])
        #expect(both.status != 0 && both.stderr.contains("either --nameserver or --zone"))
    }

    @Test func jsonIsOneObjectWithTheOutcome() async throws {
        let run = try await MXRayProcess.run([
            "dns", "_dmarc.example.com", "TXT", "--zone", "Examples/cold-backup.zone", "--json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["outcome"] as? String == "records")
        let records = object?["records"] as? [[String: Any]]
        #expect((records?.first?["data"] as? String)?.contains("v=DMARC1") == true)
    }

    @Test func zoneErrorsNameFileAndLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-bad-\(UUID().uuidString).zone")
        try "$ORIGIN example.com.\n@ IN MX 10 mx\nmx IN A 192.0.2.999\n".write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await MXRayProcess.run(["dns", "example.com", "MX", "--zone", file.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file.path):3:"), "\(run.stderr)")
    }

    @Test func ptrForAnAddress() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-rev-\(UUID().uuidString).zone")
        try "$ORIGIN 2.0.192.in-addr.arpa.\n10 300 IN PTR mx1.example.com.\n".write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await MXRayProcess.run(["dns", "192.0.2.10", "PTR", "--zone", file.path])
        #expect(run.status == 0 && run.stdout.contains("PTR\tmx1.example.com."), "\(run.stdout)\(run.stderr)")
    }
}

/// The same binary against the real nsd that Scripts/integration-test.sh starts.
@Suite(
    .enabled(if: ProcessInfo.processInfo.environment["MXRAY_NSD"] != nil, "needs nsd: run Scripts/integration-test.sh"))
struct CLINameserverTests {
    let nsd = ProcessInfo.processInfo.environment["MXRAY_NSD"] ?? ""

    @Test func answersFromNSD() async throws {
        let run = try await MXRayProcess.run(["dns", "mxray.test", "MX", "--nameserver", nsd])
        #expect(run.status == 0)
        #expect(run.stdout.contains("from \(nsd) over udp"))
        let big = try await MXRayProcess.run(["dns", "big.mxray.test", "TXT", "--nameserver", nsd, "--json"])
        #expect(big.stdout.contains("\"transport\" : \"tcp\""))
    }

    @Test func deadNameserverThenNSD() async throws {
        // 127.0.0.1:9 (discard) has no DNS server here: the first server fails, the second answers.
        let run = try await MXRayProcess.run([
            "dns", "mx1.mxray.test", "A", "--nameserver", "127.0.0.1:9", "--nameserver", nsd,
            "--dns-timeout", "0.2", "--dns-attempts", "1",
        ])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("from \(nsd)"))
        let dead = try await MXRayProcess.run([
            "dns", "mx1.mxray.test", "A", "--nameserver", "127.0.0.1:9", "--dns-timeout", "0.2",
        ])
        #expect(dead.status == 2 && dead.stdout.contains("FAILURE (timeout)"), "\(dead.stdout)")
    }
}

/// `mxray dkim` and `mxray arc` end to end on the shipped example message, keys and zone.
@Suite struct CLIAuthTests {
    static let zone = ["--zone", "Examples/cold-backup.zone"]

    func temporary(_ bytes: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-\(UUID().uuidString).eml")
        try bytes.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func signVerifyAndTamper() async throws {
        let signed = try await MXRayProcess.run([
            "dkim", "sign", "--domain", "example.com", "--selector", "ed2026",
            "--key", "Examples/keys/ed25519.pem", "--now", "1800000000", "Examples/message.eml",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        // Nothing the user gave is changed: the original bytes follow the new field, LF endings kept.
        let original = try String(
            contentsOf: MXRayProcess.repository.appendingPathComponent("Examples/message.eml"), encoding: .utf8)
        #expect(signed.stdout.hasSuffix(original))
        #expect(signed.stdout.hasPrefix("DKIM-Signature: v=1; a=ed25519-sha256;"))
        #expect(!signed.stdout.contains("\r\n"))
        let file = try temporary(signed.stdout)
        defer { try? FileManager.default.removeItem(at: file) }
        let verify = try await MXRayProcess.run(["dkim", "verify", file.path, "--now", "1800000000"] + Self.zone)
        #expect(
            verify.status == 0 && verify.stdout.contains("dkim=pass header.d=example.com header.s=ed2026"),
            "\(verify.stdout)")
        // A named pipe, as `<(...)` gives, is read to its end like a file.
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-fifo-\(UUID().uuidString)")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: fifo) }
        let text = signed.stdout
        Thread.detachNewThread {
            if let writer = FileHandle(forWritingAtPath: fifo.path) {
                writer.write(Data(text.utf8))
                try? writer.close()
            }
        }
        let piped = try await MXRayProcess.run(["dkim", "verify", fifo.path, "--now", "1800000000"] + Self.zone)
        #expect(piped.status == 0 && piped.stdout.contains("dkim=pass header.d=example.com"), "\(piped.stderr)")
        let tampered = try temporary(signed.stdout.replacingOccurrences(of: "numbers", with: "figures"))
        defer { try? FileManager.default.removeItem(at: tampered) }
        let bad = try await MXRayProcess.run(["dkim", "verify", tampered.path, "--json"] + Self.zone)
        #expect(bad.status == 1)
        let reports = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [[String: Any]]
        let dkim = reports?.first?["dkim"] as? [[String: Any]]
        #expect(dkim?.first?["result"] as? String == "fail")
        #expect((dkim?.first?["reason"] as? String)?.contains("body hash mismatch") == true)
    }

    @Test func sealTwiceThenVerify() async throws {
        let first = try await MXRayProcess.run(
            [
                "arc", "seal", "--domain", "example.com", "--selector", "rsa2026", "--key", "Examples/keys/rsa2048.pem",
                "--authserv-id", "mx.example.com", "--auth-results", "spf=pass smtp.mailfrom=alice@example.com",
                "Examples/message.eml",
            ] + Self.zone)
        #expect(first.status == 0, "\(first.stderr)")
        let once = try temporary(first.stdout)
        defer { try? FileManager.default.removeItem(at: once) }
        let second = try await MXRayProcess.run(
            [
                "arc", "seal", "--domain", "example.com", "--selector", "ed2026", "--key", "Examples/keys/ed25519.pem",
                "--authserv-id", "gw.example.com", "--auth-results", "arc=pass", once.path,
            ] + Self.zone)
        let twice = try temporary(second.stdout)
        defer { try? FileManager.default.removeItem(at: twice) }
        let verify = try await MXRayProcess.run(["arc", "verify", twice.path] + Self.zone)
        #expect(verify.status == 0 && verify.stdout.contains("arc=pass (2 sets)"), "\(verify.stdout)")
        let broken = try temporary(second.stdout.replacingOccurrences(of: "Hello Bob", with: "Hello Eve"))
        defer { try? FileManager.default.removeItem(at: broken) }
        let failed = try await MXRayProcess.run(["arc", "verify", broken.path] + Self.zone)
        #expect(failed.status == 1 && failed.stdout.contains("arc=fail"))
    }

    @Test func mboxGivesOneReportPerMessage() async throws {
        let mbox = try temporary(
            "From a@example.com Sun Nov 29 00:00:00 2026\nFrom: a@example.com\nSubject: one\n\nx\n\nFrom "
                + "b@example.com Sun Nov 29 00:00:01 2026\nFrom: b@example.com\nSubject: two\n\ny\n"
        )
        defer { try? FileManager.default.removeItem(at: mbox) }
        let run = try await MXRayProcess.run(["dkim", "verify", mbox.path, "--json"] + Self.zone)
        let reports = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        #expect(reports?.count == 2)
        #expect(run.status == 0)  // no signatures: dkim=none is not a failure
    }

    @Test func badKeyIsAClearError() async throws {
        let run = try await MXRayProcess.run([
            "dkim", "sign", "--domain", "example.com", "--selector", "x", "--key", "README.md", "Examples/message.eml",
        ])
        #expect(run.status == 2 && run.stderr.contains("error: README.md: cannot read the key"), "\(run.stderr)")
    }
}

/// `mxray verify`, `mxray spf` and `mxray dmarc` on the shipped example zone.
/// Inputs that scale: a Maildir folder, a directory and `--files-from`, checked on several cores
/// with results in input order, and `--shard K/N` splitting a domain list exactly.
@Suite struct CLIBatchTests {
    static let zone = ["--zone", "Examples/cold-backup.zone"]

    @Test func maildirDirectoryAndFilesFromInInputOrder() async throws {
        let signed = try await MXRayProcess.run([
            "dkim", "sign", "--domain", "example.com", "--selector", "ed2026",
            "--key", "Examples/keys/ed25519.pem", "--now", "1800000000", "Examples/message.eml",
        ]).stdout
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let maildir = root.appendingPathComponent("Maildir")
        for folder in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(
                at: maildir.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // 40 messages: every seventh tampered, so the order of pass and fail lines is checkable.
        var expected: [String] = []
        for i in 0..<40 {
            let name = String(format: "%03d.eml", i)
            let body = i % 7 == 3 ? signed.replacingOccurrences(of: "numbers", with: "figures") : signed
            try body.write(to: maildir.appendingPathComponent("cur/" + name), atomically: true, encoding: .utf8)
            expected.append(i % 7 == 3 ? "fail" : "pass")
        }
        let run = try await MXRayProcess.run(
            ["dkim", "verify", maildir.path, "--jobs", "4", "--now", "1800000000", "--json"] + Self.zone)
        #expect(run.status == 1)
        let reports = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(reports.count == 40)
        let results = reports.map { (($0["dkim"] as? [[String: Any]])?.first?["result"] as? String) ?? "?" }
        #expect(results == expected)
        let sources = reports.compactMap { $0["source"] as? String }
        #expect(sources == sources.sorted() && sources.first?.hasSuffix("cur/000.eml") == true)
        // The same files named in a list, read from standard input's stand-in: a file.
        let list = root.appendingPathComponent("list.txt")
        try sources.reversed().joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let listed = try await MXRayProcess.run(
            ["dkim", "verify", "--files-from", list.path, "--now", "1800000000", "--json"] + Self.zone)
        let listedReports = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(listedReports.compactMap { $0["source"] as? String } == sources.reversed())
        // A path that cannot be read stops the batch at its place: the files before it (drawn in the
        // same chunk of work) are reported, the ones after it are not.
        let broken = root.appendingPathComponent("broken.txt")
        let missing = root.appendingPathComponent("missing.eml").path
        try (Array(sources.prefix(3)) + [missing] + Array(sources.suffix(2))).joined(separator: "\n").write(
            to: broken, atomically: true, encoding: .utf8)
        let stopped = try await MXRayProcess.run(
            ["dkim", "verify", "--files-from", broken.path, "--now", "1800000000"] + Self.zone)
        #expect(stopped.status != 0 && stopped.stderr.contains("cannot read \(missing)"), "\(stopped.stderr)")
        let reported = stopped.stdout.split(separator: "\n").filter { $0.hasPrefix("== ") }
        #expect(reported.count == 3)
        for (line, source) in zip(reported, sources.prefix(3)) { #expect(line.hasPrefix("== \(source) ")) }
    }

    @Test func shardsPartitionTheDomainList() async throws {
        let domains = (0..<60).map { "d\($0).example" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-shard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try domains.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        var seen: [String] = []
        for k in 1...3 {
            let run = try await MXRayProcess.run(
                [
                    "audit", "--domains-file", file.path, "--shard", "\(k)/3", "--offline", "--json", "--fail-on",
                    "critical",
                ] + Self.zone)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            #expect(!lines.isEmpty && lines.count < 60, "shard \(k) has \(lines.count)")
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                seen.append(object?["domain"] as? String ?? "?")
            }
        }
        #expect(seen.count == 60 && Set(seen) == Set(domains), "union complete, no duplicate")

        // The three shards at once into one new SQLite database (--db): every domain stored once.
        let db = file.path + ".sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let shards = try (1...3).map { k in
            let process = Process()
            process.executableURL = MXRayProcess.binary
            process.currentDirectoryURL = MXRayProcess.repository
            process.arguments =
                [
                    "audit", "--domains-file", file.path, "--shard", "\(k)/3", "--offline", "--fail-on", "critical",
                    "--db", db, "--db-label", "run-1",
                ] + Self.zone
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in shards { await MXRayProcess.exit(of: process) }
        #expect(shards.allSatisfy { $0.terminationStatus == 0 })
        let query = Process()
        query.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        query.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                + "print(*[r[0] for r in c.execute(\"SELECT domain FROM audit_result WHERE label='run-1'\")]); "
                + "print(c.execute('SELECT MAX(version) FROM mxray_schema').fetchone()[0])",
            db,
        ]
        let out = Pipe()
        query.standardOutput = out
        try query.run()
        await MXRayProcess.exit(of: query)
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        let stored = printed.first?.split(separator: " ").map(String.init) ?? []
        #expect(stored.count == 60 && Set(stored) == Set(domains), "\(printed)")
        #expect(printed.last == "3")
        let bad = try await MXRayProcess.run(["audit", "x.example", "--shard", "4/3", "--offline"] + Self.zone)
        #expect(bad.status == 2 && bad.stderr.contains("K must be 1 to 3"))
        // A bulk job: findings are results, not a failure (cold-backup.zone has a critical one).
        let never = try await MXRayProcess.run(["audit", "example.com", "--offline", "--fail-on", "never"] + Self.zone)
        #expect(never.status == 0 && never.stdout.contains("never failing"), "\(never.stdout)")
        let critical = try await MXRayProcess.run(
            ["audit", "example.com", "--offline", "--fail-on", "critical"] + Self.zone)
        #expect(critical.status == 1)
    }
}

@Suite struct CLIVerifyTests {
    static let zone = ["--zone", "Examples/cold-backup.zone"]

    @Test func verifyPrintsTheAuthenticationResults() async throws {
        let signed = try await MXRayProcess.run([
            "dkim", "sign", "--domain", "example.com", "--selector", "ed2026", "--key", "Examples/keys/ed25519.pem",
            "Examples/message.eml",
        ])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-\(UUID().uuidString).eml")
        try signed.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await MXRayProcess.run(
            [
                "verify", file.path, "--ip", "198.51.100.11", "--helo", "eu-smtp-inbound-1.mimecast.com",
                "--mail-from", "alice@example.com", "--authserv-id", "mx.example.net",
            ] + Self.zone)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("Authentication-Results: mx.example.net;"))
        #expect(run.stdout.contains("spf=pass smtp.mailfrom=alice@example.com"))
        #expect(run.stdout.contains("dmarc=pass (p=quarantine) header.from=example.com"))
        // From an address outside the SPF record, with the DKIM signature broken: DMARC fails.
        let tampered = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-\(UUID().uuidString).eml")
        try signed.stdout.replacingOccurrences(of: "Quarterly", with: "Annual").write(
            to: tampered, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tampered) }
        let bad = try await MXRayProcess.run(
            ["verify", tampered.path, "--ip", "192.0.2.99", "--mail-from", "alice@example.com", "--json"] + Self.zone)
        #expect(bad.status == 1)
        let reports = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [[String: Any]]
        let result = reports?.first?["result"] as? [String: Any]
        #expect((result?["dmarc"] as? [String: Any])?["result"] as? String == "fail")
        #expect((result?["spf"] as? [String: Any])?["result"] as? String == "fail")
    }

    @Test func verifyFromReceivedMarksTheFactsInferred() async throws {
        let message =
            "Received: from mail.example.com (mail.example.com [198.51.100.11])\n\tby mx.example.net with ESMTPS "
            + "id 1; Sun, 29 Nov 2026 09:00:01 +0000\n"
            + "Return-Path: <alice@example.com>\n"
            + (try String(
                contentsOf: MXRayProcess.repository.appendingPathComponent("Examples/message.eml"), encoding: .utf8))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-\(UUID().uuidString).eml")
        try message.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await MXRayProcess.run(["verify", file.path, "--from-received"] + Self.zone)
        #expect(
            run.stdout.contains(
                "spf=pass (connection facts inferred from the Received field) smtp.mailfrom=alice@example.com"),
            "\(run.stdout)")
    }

    @Test func spfShowsTheTrace() async throws {
        let run = try await MXRayProcess.run(["spf", "203.0.113.25", "bob@example.com"] + Self.zone)
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("spf=pass for mailfrom bob@example.com from 203.0.113.25"))
        #expect(run.stdout.contains("[spf.protection.outlook.com] TXT spf.protection.outlook.com → 1 SPF record"))
        #expect(run.stdout.contains("DNS-querying terms: 2 of 10"))
        let fail = try await MXRayProcess.run(["spf", "192.0.2.1", "bob@example.com", "--json"] + Self.zone)
        #expect(fail.status == 1 && fail.stdout.contains("\"result\" : \"fail\""))
    }

    @Test func dmarcShowsThePolicy() async throws {
        let run = try await MXRayProcess.run(["dmarc", "example.com"] + Self.zone)
        #expect(run.status == 0 && run.stdout.contains("p=quarantine"), "\(run.stdout)")
        let sub = try await MXRayProcess.run(["dmarc", "news.example.com", "--dmarc", "rfc7489"] + Self.zone)
        #expect(
            sub.stdout.contains("organizational domain: example.com (RFC 7489 public suffix list)"), "\(sub.stdout)")
        #expect(try await MXRayProcess.run(["dmarc", "example.org"] + Self.zone).status == 1)
    }
}

/// `mxray audit` end to end: the README's offline example, and against nsd with the test CA.
@Suite struct CLIAuditTests {
    @Test func readmeQuickStartAudit() async throws {
        let run = try await MXRayProcess.run([
            "audit", "example.com", "--zone", "Examples/cold-backup.zone", "--offline",
        ])
        #expect(run.status == 1, "a critical finding reaches the default --fail-on high")
        #expect(run.stdout.contains("pattern: a gateway with a cold backup that bypasses it"))
        #expect(run.stdout.contains("[CRITICAL] backup-mx-bypasses-gateway"))
        let lenient = try await MXRayProcess.run([
            "audit", "example.com", "--zone", "Examples/cold-backup.zone", "--offline", "--fail-on", "critical",
        ])
        #expect(lenient.status == 1)
        let planned = try await MXRayProcess.run([
            "audit", "example.org", "--zone", "Examples/two-vendors-partial-mta-sts.zone",
            "--mta-sts-policy", "Examples/two-vendors-partial-mta-sts.policy.txt", "--json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any]
        let ids = (object?["findings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.first == "mta-sts-mx-not-covered")
        let healthy = try await MXRayProcess.run([
            "audit", "example.net", "--zone", "Examples/healthy-two-vendor.zone",
            "--mta-sts-policy", "Examples/healthy-two-vendor.policy.txt",
        ])
        #expect(healthy.status == 0, "\(healthy.stdout)")
        #expect(healthy.stdout.contains("two active gateways from different vendors"))
    }

    @Test func manyDomainsFromAFileOneJSONLineEach() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mxray-domains-\(UUID().uuidString).txt")
        try "example.com\n# a comment\nexample.org\n\nnot a domain!\n".write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await MXRayProcess.run([
            "audit", "--domains-file", file.path, "--zone", "Examples/cold-backup.zone",
            "--zone", "Examples/two-vendors-partial-mta-sts.zone", "--offline", "--json",
        ])
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(run.stdout)")
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
    }

    @Test func badArgumentsAreClearErrors() async throws {
        let none = try await MXRayProcess.run(["audit", "--zone", "Examples/cold-backup.zone"])
        #expect(none.status == 2 && none.stderr.contains("no domain to audit"))
        let two = try await MXRayProcess.run([
            "audit", "a.example", "b.example", "--mta-sts-policy", "x", "--zone", "Examples/cold-backup.zone",
        ])
        #expect(two.status == 2 && two.stderr.contains("applies to one domain"))
        #expect(try await MXRayProcess.run(["audit", "example.com", "--fail-on", "severe"]).status != 0)
    }
}

@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_MTA_STS_PORT"] != nil,
        "needs nsd and the MTA-STS servers: run Scripts/integration-test.sh"))
struct CLIAuditNameserverTests {
    @Test func auditOverTheNetworkWithTheTestCA() async throws {
        let env = ProcessInfo.processInfo.environment
        let run = try await MXRayProcess.run([
            "audit", "partial.audit.test", "--nameserver", env["MXRAY_NSD"]!, "--ca-file", env["MXRAY_TEST_CA"]!,
            "--mta-sts-port", env["MXRAY_MTA_STS_PORT"]!,
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("[CRITICAL] mta-sts-mx-not-covered"), "\(run.stdout)")
        #expect(run.stdout.contains("NOT covered"))
    }
}

/// `mxray trace` on the shipped example.
@Suite struct CLITraceTests {
    @Test func bypassExample() async throws {
        let run = try await MXRayProcess.run([
            "trace", "Examples/received-bypass.eml", "--zone", "Examples/cold-backup.zone", "--now", "1795943000",
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("verdict: bypassed-gateway"), "\(run.stdout)")
        #expect(
            run.stdout.contains(
                " 1. mail.lookalike.example [192.0.2.66] → DB5EUR01FT044.mail.protection.outlook.com"))
        let json = try await MXRayProcess.run([
            "trace", "Examples/received-bypass.eml", "--zone", "Examples/cold-backup.zone", "--json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["verdict"] as? String == "bypassed-gateway")
        #expect((object?["hops"] as? [Any])?.count == 2)
    }
}

@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_SMTP_PORT"] != nil,
        "needs the SMTP servers: run Scripts/integration-test.sh"))
struct CLIProbeNameserverTests {
    @Test func probeMatrixFindingsAndTranscript() async throws {
        let env = ProcessInfo.processInfo.environment
        let common = [
            "--nameserver", env["MXRAY_NSD"]!, "--port", env["MXRAY_SMTP_PORT"]!, "--timeout", "1", "--ca-file",
            env["MXRAY_TEST_CA"]!,
        ]
        let run = try await MXRayProcess.run(
            ["probe", "probe2.probe.test", "--rcpt", "bob@probe2.test", "--offline", "--transcript"] + common)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("mx-plain.probe.test"))
        #expect(run.stdout.contains("[HIGH] tier-posture-mismatch"))
        #expect(run.stdout.contains("C: RCPT TO:<bob@probe2.test>"))
        let audit = try await MXRayProcess.run(
            [
                "audit", "probe2.probe.test", "--probe", "--rcpt", "bob@probe2.test", "--mta-sts-port",
                env["MXRAY_MTA_STS_PORT"]!,
            ] + common)
        #expect(audit.stdout.contains("SMTP probe:") && audit.stdout.contains("starttls-missing"), "\(audit.stdout)")
    }

    /// The probe's results on the picture: a badge per host and the parity grid.
    @Test func auditWithProbeDrawsBadgesAndTheGrid() async throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mxray-probe-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: page) }
        let audit = try await Self.writeProbePage(to: page)
        #expect(audit.status == 1, "\(audit.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("id=\"parity\"") && html.contains("data-finding=\"starttls-missing\""))
        // mx-plain offers no STARTTLS: its box says so; a host with TLS says that.
        #expect(html.contains("data-badge=\"TLS ✗\"") && html.contains("data-badge=\"TLS ✓\""), "\(html)")
        #expect(html.contains("data-badge=\"SMTP ✓\""))
    }

    static func writeProbePage(to page: URL) async throws -> MXRayProcess {
        let env = ProcessInfo.processInfo.environment
        return try await MXRayProcess.run([
            "audit", "probe2.probe.test", "--probe", "--rcpt", "bob@probe2.test", "--mta-sts-port",
            env["MXRAY_MTA_STS_PORT"]!, "--nameserver", env["MXRAY_NSD"]!, "--port", env["MXRAY_SMTP_PORT"]!,
            "--timeout", "1", "--ca-file", env["MXRAY_TEST_CA"]!, "--html", page.path,
        ])
    }
}
