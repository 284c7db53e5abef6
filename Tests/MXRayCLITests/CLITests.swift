import Foundation
import Testing

/// Runs the `mxray` executable that `swift build` put next to this test bundle.
struct MXRayProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        // The test bundle lives in the build products directory, beside the executable
        // (on Linux the bundle URL is that directory; on macOS it is the .xctest inside it).
        let bundle = Bundle(for: Marker.self).bundleURL
        let candidates = [bundle.appendingPathComponent("mxray"),
                          bundle.deletingLastPathComponent().appendingPathComponent("mxray")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    final class Marker {}

    static func run(_ arguments: [String], timeout: TimeInterval = 30) throws -> MXRayProcess {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read while the process runs so a full pipe cannot stall it.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return MXRayProcess(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct CLIZoneTests {
    @Test func versionAndHelp() throws {
        let version = try MXRayProcess.run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try MXRayProcess.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("dns"))
    }

    @Test func readmeQuickStart() throws {
        let run = try MXRayProcess.run(["dns", "example.com", "MX", "--zone", "Examples/cold-backup.zone"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("example.com.\t3600\tIN\tMX\t100 example-com.mail.protection.outlook.com."))
        #expect(run.stdout.hasPrefix(";; example.com. MX: 3 records from zone Examples/cold-backup.zone"))
    }

    @Test func exitStatusFollowsTheOutcome() throws {
        let zone = ["--zone", "Examples/cold-backup.zone"]
        #expect(try MXRayProcess.run(["dns", "nope.example.com", "A"] + zone).status == 1)
        let nodata = try MXRayProcess.run(["dns", "example.com", "AAAA"] + zone)
        #expect(nodata.status == 1 && nodata.stdout.contains("NODATA"))
        #expect(try MXRayProcess.run(["dns", "example.com", "BOGUS"] + zone).status != 0)
        let both = try MXRayProcess.run(["dns", "example.com", "--zone", "x", "--nameserver", "127.0.0.1"])
        #expect(both.status != 0 && both.stderr.contains("either --nameserver or --zone"))
    }

    @Test func jsonIsOneObjectWithTheOutcome() throws {
        let run = try MXRayProcess.run(["dns", "_dmarc.example.com", "TXT", "--zone", "Examples/cold-backup.zone", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["outcome"] as? String == "records")
        let records = object?["records"] as? [[String: Any]]
        #expect((records?.first?["data"] as? String)?.contains("v=DMARC1") == true)
    }

    @Test func zoneErrorsNameFileAndLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-bad-\(UUID().uuidString).zone")
        try "$ORIGIN example.com.\n@ IN MX 10 mx\nmx IN A 192.0.2.999\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MXRayProcess.run(["dns", "example.com", "MX", "--zone", file.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file.path):3:"), "\(run.stderr)")
    }

    @Test func ptrForAnAddress() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-rev-\(UUID().uuidString).zone")
        try "$ORIGIN 2.0.192.in-addr.arpa.\n10 300 IN PTR mx1.example.com.\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MXRayProcess.run(["dns", "192.0.2.10", "PTR", "--zone", file.path])
        #expect(run.status == 0 && run.stdout.contains("PTR\tmx1.example.com."), "\(run.stdout)\(run.stderr)")
    }
}

/// The same binary against the real nsd that Scripts/integration-test.sh starts.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_NSD"] != nil, "needs nsd: run Scripts/integration-test.sh"))
struct CLINameserverTests {
    let nsd = ProcessInfo.processInfo.environment["MXRAY_NSD"] ?? ""

    @Test func answersFromNSD() throws {
        let run = try MXRayProcess.run(["dns", "mxray.test", "MX", "--nameserver", nsd])
        #expect(run.status == 0)
        #expect(run.stdout.contains("from \(nsd) over udp"))
        let big = try MXRayProcess.run(["dns", "big.mxray.test", "TXT", "--nameserver", nsd, "--json"])
        #expect(big.stdout.contains("\"transport\" : \"tcp\""))
    }

    @Test func deadNameserverThenNSD() throws {
        // 127.0.0.1:9 (discard) has no DNS server here: the first server fails, the second answers.
        let run = try MXRayProcess.run(["dns", "mx1.mxray.test", "A", "--nameserver", "127.0.0.1:9", "--nameserver", nsd,
                                        "--dns-timeout", "0.2", "--dns-attempts", "1"])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("from \(nsd)"))
        let dead = try MXRayProcess.run(["dns", "mx1.mxray.test", "A", "--nameserver", "127.0.0.1:9", "--dns-timeout", "0.2"])
        #expect(dead.status == 2 && dead.stdout.contains("FAILURE (timeout)"), "\(dead.stdout)")
    }
}
