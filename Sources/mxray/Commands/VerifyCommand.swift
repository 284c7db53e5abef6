import ArgumentParser
import Foundation
import MXRayAuth
import MXRayDNS
import MXRayMessage

/// How DMARC finds Organizational Domains.
struct DMARCOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("rfc9989 (DNS tree walk, the default) or rfc7489 (Public Suffix List).", valueName: "MODE"))
    var dmarc: String = "rfc9989"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A Public Suffix List file to use instead of the bundled one (with --dmarc rfc7489).", valueName: "FILE"))
    var psl: String?

    func validate() throws {
        guard DMARCMode(rawValue: dmarc) != nil else { throw ValidationError("--dmarc must be rfc9989 or rfc7489") }
    }

    var mode: DMARCMode { DMARCMode(rawValue: dmarc) ?? .rfc9989 }

    func publicSuffixList() throws -> PublicSuffixList {
        guard let psl else { return .bundled }
        do { return try PublicSuffixList(contentsOf: psl) } catch {
            throw CLIError("cannot read the Public Suffix List \(psl): \(error.localizedDescription)")
        }
    }
}

struct VerifyReport: Codable {
    var source: String
    var error: String?
    var result: MessageVerification?
}

/// `mxray verify`: what a receiving server would conclude about each message.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run SPF, DKIM, ARC and DMARC on messages and print the Authentication-Results a receiver would add.",
        discussion: """
            SPF needs the connection: give --ip, --helo and --mail-from as the receiving server saw \
            them, or --from-received to read them from the newest Received and Return-Path fields \
            (marked as inferred: any hop could have written them). Without either, SPF is not evaluated \
            and DMARC relies on DKIM alone. Exit status: 0 when DMARC passed or found no policy, 1 when \
            it failed or erred, 2 when input could not be read.
            """
    )

    @Argument(help: "Messages: files, mbox files, directories, Maildir folders, or - for standard input.")
    var files: [String] = []
    @OptionGroup var batch: MessageBatchOptions
    @Option(help: "The connecting client's IP address.") var ip: String?
    @Option(help: "The HELO/EHLO name the client gave.") var helo: String?
    @Option(help: ArgumentHelp("The MAIL FROM address (empty for a bounce).", valueName: "ADDR")) var mailFrom: String?
    @Option(help: "The authserv-id to write in Authentication-Results.") var authservId: String = "mxray"
    @Flag(help: "Infer the connection facts from the message's newest Received field.") var fromReceived = false
    @OptionGroup var dmarcOptions: DMARCOptions
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Flag(name: .long, help: "Print a JSON array with one object per message.") var json = false

    func validate() throws {
        if let ip { guard IPAddress(ip) != nil else { throw ValidationError("--ip \(ip) is not an IP address") } }
        if ip != nil && fromReceived { throw ValidationError("use either --ip or --from-received") }
        if ip == nil && (helo != nil || mailFrom != nil) { throw ValidationError("--helo and --mail-from need --ip") }
    }

    func run() async throws {
        try await reportingErrors {
            let verifier = MessageVerifier(
                resolver: try resolverOptions.makeResolver(), now: clock.epoch, authservID: authservId,
                dmarcMode: dmarcOptions.mode, publicSuffixList: try dmarcOptions.publicSuffixList())
            let (ip, helo, mailFrom, fromReceived) = (ip, helo, mailFrom, fromReceived)
            var paths = try MessagePaths(arguments: files, filesFrom: batch.filesFrom)
            var printer = JSONArrayPrinter()
            var unreadable = false, failed = false
            let json = json
            try await forEachMessage(&paths, jobs: batch.jobs) { input -> VerifyReport in
                do {
                    let message = try Message(bytes: input.bytes)
                    var connection: ConnectionFacts?
                    if let ip, let address = IPAddress(ip) {
                        connection = ConnectionFacts(ip: address, helo: helo ?? "", mailFrom: mailFrom ?? "")
                    } else if fromReceived {
                        connection = ConnectionFacts.inferred(from: message)
                        if connection == nil {
                            printToStandardError(
                                "warning: \(input.label): no Received field with a client address; SPF not evaluated")
                        }
                    }
                    return VerifyReport(
                        source: input.label, result: await verifier.verify(message, connection: connection))
                } catch {
                    return VerifyReport(source: input.label, error: "\(error)")
                }
            } render: { report in
                json ? try renderJSON(report) : VerifyText.render([report])
            } emit: { report, text in
                if json { printer.print(rendered: text) } else { print(text) }
                unreadable = unreadable || report.error != nil
                failed = failed || [.fail, .temperror, .permerror].contains(report.result?.dmarc.result)
            }
            if json { printer.finish() }
            if unreadable { throw ExitCode(2) }
            if failed { throw ExitCode(1) }
        }
    }
}

/// `mxray spf IP SENDER`: check_host() alone, with its trace.
struct SPFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spf",
        abstract: "Evaluate SPF (RFC 7208) for a client address and sender, with a trace of every term and query.",
        discussion:
            "SENDER may be empty (\"\") for a bounce: then the HELO identity is checked. Exit status: 0 for "
            + "pass, 1 otherwise."
    )

    @Argument(help: "The client IP address.") var ip: String
    @Argument(help: "The MAIL FROM address, or a domain.") var sender: String
    @Option(help: "The HELO/EHLO name.") var helo: String = ""
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            guard let address = IPAddress(ip) else { throw CLIError("\(ip) is not an IP address") }
            if sender.isEmpty && helo.isEmpty { throw CLIError("an empty SENDER needs --helo") }
            let verdict = await SPFEvaluator(resolver: try resolverOptions.makeResolver(), now: clock.epoch)
                .check(ip: address, mailFrom: sender, helo: helo)
            print(json ? try renderJSON(verdict) : VerifyText.spf(verdict))
            if verdict.result != .pass { throw ExitCode(1) }
        }
    }
}

/// `mxray dmarc DOMAIN`: policy discovery alone.
struct DMARCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmarc",
        abstract: "Find the DMARC policy that applies to mail from DOMAIN (RFC 9989 tree walk or RFC 7489 PSL).",
        discussion:
            "Exit status: 0 when a policy was found, 1 when none applies, 2 on error (invalid record, DNS failure)."
    )

    @Argument(help: "The author (From) domain.") var domain: String
    @OptionGroup var dmarcOptions: DMARCOptions
    @OptionGroup var resolverOptions: ResolverOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let evaluator = DMARCEvaluator(
                resolver: try resolverOptions.makeResolver(), mode: dmarcOptions.mode,
                publicSuffixList: try dmarcOptions.publicSuffixList())
            let verdict = await evaluator.discover(domain)
            print(json ? try renderJSON(verdict) : VerifyText.dmarc(verdict))
            switch verdict.result {
            case .pass: return
            case .none, .fail: throw ExitCode(1)
            case .temperror, .permerror: throw ExitCode(2)
            }
        }
    }
}
