import Foundation
import MXRayAudit
import MXRayTrace
import Mustache

/// Self-contained HTML pages (inline CSS and SVG, no scripts, no external fetches) for an audit, a
/// trace, and an index of several audits, rendered from the Mustache templates in `Templates/`.
public struct HTMLReport: Sendable {
    let library: MustacheLibrary

    /// The templates bundled with the module.
    public static let bundled: Result<HTMLReport, Error> = Result { try HTMLReport(directory: bundledTemplates()) }

    public init(directory: URL) throws {
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        for file in files where file.pathExtension == "mustache" {
            let text = try String(contentsOf: file, encoding: .utf8)
            do {
                try library.register(text, named: file.deletingPathExtension().lastPathComponent)
            } catch {
                throw HTMLReportError("template \(file.lastPathComponent): \(error)")
            }
        }
        self.library = library
    }

    static func bundledTemplates() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw HTMLReportError("the HTML templates are missing from the mxray bundle")
        }
        return url
    }

    /// One domain's audit page.
    public func audit(_ report: AuditReport, generated: String) throws -> String {
        try render(AuditPage(report, generated: generated), "audit")
    }

    /// One traced message's page.
    public func trace(_ report: TraceReport, source: String, generated: String) throws -> String {
        try render(TracePage(report, source: source, generated: generated), "trace")
    }

    /// The index of several audit pages, written as the audits finish: the head, a row per
    /// domain, then the tail, so that the index never holds every domain in memory.
    public func indexHead(generated: String) throws -> String { try render(["generated": generated], "index-head") }
    public func indexRow(_ report: AuditReport, file: String) throws -> String {
        try render(IndexRow(report, file: file), "index-row")
    }
    public func indexTail(count: Int) throws -> String { try render(["count": count], "index-tail") }

    func render(_ object: Any, _ template: String) throws -> String {
        guard let text = library.render(object, withTemplate: template) else {
            throw HTMLReportError("no template named \(template)")
        }
        return text
    }

    /// A file name for a domain's page: the A-label form, with anything but letters, digits, dots
    /// and hyphens replaced, so that a hostile name cannot leave the directory.
    public static func fileName(for domain: String) -> String {
        var name = String(
            domain.lowercased().unicodeScalars.map { scalar -> Character in
                let c = Character(scalar)
                return (c.isASCII && (c.isLetter || c.isNumber)) || c == "-" || c == "." ? c : "_"
            })
        while name.hasPrefix(".") { name.removeFirst() }
        if name.isEmpty || name == "index" { name = "_" + name }
        return String(name.prefix(200)) + ".html"
    }
}

/// One row of the index page.
struct IndexRow: Sendable {
    var domain: String
    var file: String
    var pattern: String
    var level: String
    var word: String
    var symbol: String
    var findings: Int

    init(_ report: AuditReport, file: String) {
        domain = report.facts.unicodeDomain ?? report.domain
        self.file = file
        pattern = report.facts.pattern.summary
        let top = report.highestSeverity
        level = top?.rawValue ?? "ok"
        word = top?.rawValue.uppercased() ?? "OK"
        symbol = Banner.symbols[level] ?? ""
        findings = report.findings.count
    }
}

public struct HTMLReportError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
