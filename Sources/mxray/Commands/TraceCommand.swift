import ArgumentParser
import Foundation
import MXRayInbound
import MXRayMessage
import MXRayReport
import MXRayTrace

/// `mxray trace FILE`: which path did this message take, and what did each hop conclude.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Reconstruct a received message's path and tell whether it passed the gateway.",
        discussion: """
            Reads every Received field (oldest hop first), maps the hops onto the recipient domain's MX \
            tiers (from DNS or --zone, with the vendor catalog), and gives one verdict: via-primary-tier, \
            via-failover-tier, bypassed-gateway or unknown. DKIM, ARC and DMARC are verified again now, \
            and SPF for the client of the hop where the message entered (marked as evaluated now). \
            Exit status: 0 for via-primary-tier or via-failover-tier, 1 for bypassed-gateway or unknown, \
            2 when the message could not be read.
            """
    )

    @Argument(help: "The received message, or - for standard input.") var file: String = "-"
    @Option(
        help: ArgumentHelp(
            "The recipient's domain (default: the envelope recipient found in the headers).", valueName: "DOMAIN"))
    var recipientDomain: String?
    @Option(help: ArgumentHelp("A vendor catalog file to add to the bundled one.", valueName: "FILE")) var catalog:
        String?
    @OptionGroup var dmarcOptions: DMARCOptions
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Option(
        help: ArgumentHelp(
            "Also write a self-contained HTML page: the recipient's tiers with the message's hops over them.",
            valueName: "FILE"))
    var html: String?

    func run() async throws {
        try await reportingErrors {
            guard let input = try MessageInput.read([file]).first else { throw CLIError("no message") }
            let message: Message
            do { message = try Message(bytes: input.bytes) } catch { throw CLIError("\(input.label): \(error)") }
            let vendors = try loadCatalog(catalog)
            let tracer = PathTracer(
                resolver: try resolverOptions.makeResolver(), catalog: vendors, now: clock.epoch,
                dmarcMode: dmarcOptions.mode)
            let report = await tracer.trace(message, recipientDomain: recipientDomain)
            print(json ? try renderJSON(report) : TraceText.render(report, source: input.label))
            if let html {
                let pages: HTMLReport
                do { pages = try HTMLReport.bundled.get() } catch { throw CLIError("\(error)") }
                let page = try pages.trace(report, source: input.label, generated: HTMLAuditWriter.timestamp())
                try writeFile(page, to: html)
            }
            if report.verdict == .bypassedGateway || report.verdict == .unknown { throw ExitCode(1) }
        }
    }
}

/// The bundled operator catalog with a user's file (YAML or the line format) on top.
func loadCatalog(_ path: String?) throws -> VendorCatalog {
    guard let path else { return .bundled }
    do { return try VendorCatalog.bundled.adding(try VendorCatalog.load(path: path)) } catch {
        throw CLIError("\(error)")
    }
}
