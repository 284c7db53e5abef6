import Foundation
import Testing

/// The pages `--html` writes for the shipped examples: what every example makes.
enum ExamplePages {
    static let audits: [(String, [String])] = [
        ("cold-backup.html", ["audit", "example.com", "--zone", "Examples/cold-backup.zone", "--offline"]),
        (
            "two-vendors-partial-mta-sts.html",
            [
                "audit", "example.org", "--zone", "Examples/two-vendors-partial-mta-sts.zone", "--mta-sts-policy",
                "Examples/two-vendors-partial-mta-sts.policy.txt",
            ]
        ),
        (
            "healthy-two-vendor.html",
            [
                "audit", "example.net", "--zone", "Examples/healthy-two-vendor.zone", "--mta-sts-policy",
                "Examples/healthy-two-vendor.policy.txt",
            ]
        ),
        (
            "received-bypass.html",
            ["trace", "Examples/received-bypass.eml", "--zone", "Examples/cold-backup.zone", "--now", "1795943000"]
        ),
    ]

    /// Writes every example page into a new directory and returns it.
    static func write() async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, arguments) in audits {
            let run = try await MXRayProcess.run(arguments + ["--html", dir.appendingPathComponent(name).path])
            #expect(run.status == 0 || run.status == 1, "\(name): \(run.stderr)")
        }
        return dir
    }
}

@Suite struct CLIHTMLTests {
    @Test func auditWritesOnePageForOneDomain() async throws {
        let dir = try await ExamplePages.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, _) in ExamplePages.audits {
            let html = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("data-picture=\"mail-flow\""), "\(name)")
        }
        let cold = try String(contentsOf: dir.appendingPathComponent("cold-backup.html"), encoding: .utf8)
        #expect(cold.contains("data-arrow=\"bypass\"") && cold.contains("data-banner=\"critical\""))
    }

    @Test func severalDomainsWriteAPageEachAndAnIndex() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-html-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await MXRayProcess.run([
            "audit", "example.com", "example.org", "example.net", "--offline", "--zone", "Examples/cold-backup.zone",
            "--zone", "Examples/two-vendors-partial-mta-sts.zone", "--zone", "Examples/healthy-two-vendor.zone",
            "--html", dir.path,
        ])
        #expect(run.status == 1, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["example.com.html", "example.net.html", "example.org.html", "index.html"])
        let index = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        for domain in ["example.com", "example.org", "example.net"] {
            #expect(index.contains("<a href=\"\(domain).html\">\(domain)</a>"))
        }
        #expect(index.hasSuffix("</html>\n") && index.contains("3 domains"))
    }

    @Test func anUnwritablePathIsAClearError() async throws {
        let run = try await MXRayProcess.run([
            "audit", "example.com", "--zone", "Examples/cold-backup.zone", "--offline", "--html",
            "/nonexistent-dir/x/page.html",
        ])
        #expect(run.status == 2 && run.stderr.contains("cannot write /nonexistent-dir/x/page.html"))
    }
}

/// The example pages in a real browser: headless Chromium (Debian's package, installed by
/// Scripts/integration-test.sh, which sets MXRAY_CHROMIUM) renders each without overflow at A4,
/// Letter and screen widths, not blank, fetching nothing, and prints it to PDF. The integration
/// script runs these on their own, after the timed tests: a browser takes both cores.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_CHROMIUM"] != nil))
struct CLIBrowserTests {
    static let chromium = ProcessInfo.processInfo.environment["MXRAY_CHROMIUM"] ?? "chromium"

    func check(_ pages: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", MXRayProcess.repository.appendingPathComponent("Scripts/browser_check.py").path,
                Self.chromium,
            ] + pages
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let drain = MXRayProcess.PipeDrain(out.fileHandleForReading)
        await MXRayProcess.exit(of: process, within: .seconds(600))
        return (process.terminationStatus, String(decoding: drain.wait(), as: UTF8.self))
    }

    @Test func examplePagesRenderInChromium() async throws {
        let dir = try await ExamplePages.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pages = ExamplePages.audits.map { dir.appendingPathComponent($0.0).path }
        // With the integration servers up, a page with the probe's badges and grid too.
        if ProcessInfo.processInfo.environment["MXRAY_SMTP_PORT"] != nil {
            let page = dir.appendingPathComponent("probe.html")
            _ = try await CLIProbeNameserverTests.writeProbePage(to: page)
            #expect(FileManager.default.fileExists(atPath: page.path))
            pages.append(page.path)
        }
        let result = try await check(pages)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.components(separatedBy: "ok   ").count - 1 == pages.count, "\(result.output)")
    }

    @Test func theCheckFailsABlankOrOverflowingPage() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let blank = dir.appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)
        let wide = dir.appendingPathComponent("wide.html")
        let text = String(repeating: "words ", count: 100)
        try "<!DOCTYPE html><html><body><div style=\"width:2000px\">\(text)</div></body></html>".write(
            to: wide, atomically: true, encoding: .utf8)
        let result = try await check([blank.path, wide.path])
        #expect(result.status == 1)
        #expect(result.output.contains("FAIL \(blank.path): blank"))
        #expect(result.output.contains("FAIL \(wide.path): A4: wider than"))
    }
}
