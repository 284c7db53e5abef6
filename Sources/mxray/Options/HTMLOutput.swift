import Foundation
import MXRayAudit
import MXRayReport

/// Where `--html` writes: one page to a file, or, for several domains, a page per domain and an
/// `index.html` in a directory. The index is written row by row as the audits finish.
final class HTMLAuditWriter {
    let pages: HTMLReport
    let path: String
    let several: Bool
    let generated: String
    var index: FileHandle?
    var used: Set<String> = []
    var count = 0

    init(path: String, several: Bool) throws {
        pages = try HTMLReport.bundled.get()
        self.path = path
        self.several = several
        generated = HTMLAuditWriter.timestamp()
        guard several else { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIError("--html \(path): cannot create the directory (\(error.localizedDescription))")
        }
        let indexPath = (path as NSString).appendingPathComponent("index.html")
        guard
            FileManager.default.createFile(
                atPath: indexPath, contents: Data(try pages.indexHead(generated: generated).utf8)),
            let handle = FileHandle(forWritingAtPath: indexPath)
        else { throw CLIError("--html \(path): cannot write index.html") }
        handle.seekToEndOfFile()
        index = handle
    }

    func write(_ report: AuditReport) throws {
        let html = try pages.audit(report, generated: generated)
        guard several else {
            try writeFile(html, to: path)
            return
        }
        var name = HTMLReport.fileName(for: report.domain)
        var n = 1
        while used.contains(name) {
            n += 1
            name = HTMLReport.fileName(for: report.domain + "-\(n)")
        }
        used.insert(name)
        try writeFile(html, to: (path as NSString).appendingPathComponent(name))
        index?.write(Data(try pages.indexRow(report, file: name).utf8))
        count += 1
    }

    func finish() throws {
        guard let index else { return }
        index.write(Data(try pages.indexTail(count: count).utf8))
        try index.close()
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date()) + " UTC"
    }
}

/// Writes a page whole or not at all (a temporary file renamed into place).
func writeFile(_ text: String, to path: String) throws {
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw CLIError("cannot write \(path): \(error.localizedDescription)")
    }
}
