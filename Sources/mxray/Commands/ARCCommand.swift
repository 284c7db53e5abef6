import ArgumentParser
import MXRayAuth
import MXRayMessage

/// `mxray arc verify|seal`.
struct ARCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arc",
        abstract: "Validate and extend ARC chains (RFC 8617).",
        subcommands: [ARCVerifyCommand.self, ARCSealCommand.self]
    )
}

struct ARCReport: Codable {
    var source: String
    var error: String?
    var arc: ARCVerdict?
}

struct ARCVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Validate the ARC chain of each message.",
        discussion:
            "Exit status: 0 when every chain passed or there was none, 1 when one failed, 2 when input could not "
            + "be read."
    )

    @Argument(help: "Messages: files, mbox files, directories, Maildir folders, or - for standard input.")
    var files: [String] = []
    @OptionGroup var batch: MessageBatchOptions
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Flag(name: .long, help: "Print a JSON array with one object per message.") var json = false

    func run() async throws {
        try await reportingErrors {
            let verifier = ARCVerifier(resolver: try resolverOptions.makeResolver())
            var paths = try MessagePaths(arguments: files, filesFrom: batch.filesFrom)
            var printer = JSONArrayPrinter()
            var unreadable = false, failed = false
            let json = json
            try await forEachMessage(&paths, jobs: batch.jobs) { input -> ARCReport in
                do {
                    return ARCReport(source: input.label, arc: await verifier.verify(try Message(bytes: input.bytes)))
                } catch {
                    return ARCReport(source: input.label, error: "\(error)")
                }
            } render: { report in
                json ? try renderJSON(report) : AuthText.arc([report])
            } emit: { report, text in
                if json { printer.print(rendered: text) } else { print(text) }
                unreadable = unreadable || report.error != nil
                failed = failed || report.arc?.result == .fail
            }
            if json { printer.finish() }
            if unreadable { throw ExitCode(2) }
            if failed { throw ExitCode(1) }
        }
    }
}

struct ARCSealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Add an ARC set as an intermediary; the sealed message goes to standard output.",
        discussion: """
            The incoming chain is validated first: cv=none without one, pass when it validates, fail \
            when it does not (then the new seal covers only the new set). A chain whose newest seal \
            already says cv=fail is not extended (exit status 1). Without --auth-results, the results \
            are taken from the message's Authentication-Results fields written by --authserv-id.
            """
    )

    @Option(help: "The sealing domain (d=).") var domain: String
    @Option(help: "The selector (s=).") var selector: String
    @Option(help: ArgumentHelp("Private key (PEM, or a base64 Ed25519 seed).", valueName: "PEM")) var key: String
    @Option(help: "This hop's authserv-id, as in its Authentication-Results.") var authservId: String
    @Option(
        help: ArgumentHelp(
            "The results this hop computed, e.g. \"spf=pass smtp.mailfrom=a@example.org; dkim=pass "
                + "header.d=example.org\".",
            valueName: "TEXT"))
    var authResults: String?
    @Option(help: ArgumentHelp("Colon-separated header fields the AMS signs.", valueName: "LIST")) var headers: String?
    @Argument(help: "The message file, or - for standard input.") var file: String = "-"
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions

    func run() async throws {
        try await reportingErrors {
            let privateKey = try loadPrivateKey(key)
            guard let input = try MessageInput.read([file]).first else { throw CLIError("no message") }
            let message: Message
            do { message = try Message(bytes: input.bytes) } catch { throw CLIError("\(input.label): \(error)") }
            var results: [String]?
            if let authResults {
                do {
                    results = try AuthenticationResults(parsing: "\(authservId); \(authResults)").results.map(\.text)
                } catch {
                    throw CLIError("--auth-results: \(error)")
                }
            }
            let incoming = await ARCVerifier(resolver: try resolverOptions.makeResolver()).verify(message)
            var sealer = ARCSealer(domain: domain, selector: selector, key: privateKey, authservID: authservId)
            sealer.timestamp = clock.epoch
            sealer.headers = headers.map { $0.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) } }
            do {
                let sealed = try sealer.seal(message, results: results, incoming: incoming)
                writeToStandardOutput(input.prepending(Array(sealed.fields.prefix(3))))
            } catch {
                printToStandardError("not sealed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
