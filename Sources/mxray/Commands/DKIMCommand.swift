import ArgumentParser
import MXRayAuth
import MXRayMessage

/// `mxray dkim verify|sign`.
struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "Verify and produce DKIM signatures (RFC 6376, RFC 8463).",
        subcommands: [DKIMVerifyCommand.self, DKIMSignCommand.self]
    )
}

/// The per-message report of `dkim verify`.
struct DKIMReport: Codable {
    var source: String
    var lineEndings: LineEndings?
    var error: String?
    var dkim: [DKIMVerdict]
}

struct DKIMVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify every DKIM-Signature of each message.",
        discussion: """
            FILE may be a message, an mbox file (each message is checked) or - for standard input. \
            Exit status: 0 when no signature failed, 1 when one did not pass, 2 when input could not be read.
            """
    )

    @Argument(help: "Messages: files, mbox files, directories, Maildir folders, or - for standard input.")
    var files: [String] = []

    @OptionGroup var batch: MessageBatchOptions
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions

    @Flag(name: .long, help: "Print a JSON array with one object per message.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let resolver = try resolverOptions.makeResolver()
            let verifier = DKIMVerifier(resolver: resolver, now: clock.epoch)
            var paths = try MessagePaths(arguments: files, filesFrom: batch.filesFrom)
            var printer = JSONArrayPrinter()
            var unreadable = false, failed = false
            let json = json
            try await forEachMessage(&paths, jobs: batch.jobs) { input -> DKIMReport in
                do {
                    let message = try Message(bytes: input.bytes)
                    return DKIMReport(
                        source: input.label, lineEndings: message.lineEndings, dkim: await verifier.verify(message))
                } catch {
                    return DKIMReport(source: input.label, error: "\(error)", dkim: [])
                }
            } render: { report in
                json ? try renderJSON(report) : AuthText.dkim([report])
            } emit: { report, text in
                if json { printer.print(rendered: text) } else { print(text) }
                unreadable = unreadable || report.error != nil
                failed = failed || report.dkim.contains { $0.result != .pass }
            }
            if json { printer.finish() }
            if unreadable { throw ExitCode(2) }
            if failed { throw ExitCode(1) }
        }
    }
}

struct DKIMSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a message; the signed message goes to standard output.",
        discussion: """
            The DKIM-Signature is added on top of the message, which is otherwise written out byte for \
            byte as it came (with its own line endings). By default the RFC 6376 §5.4.1 fields present \
            are signed, with From signed once more than it appears, and l= is not used.
            """
    )

    @Option(help: "The signing domain (d=).") var domain: String
    @Option(help: "The selector (s=).") var selector: String
    @Option(
        help: ArgumentHelp(
            "Private key: PEM (RSA PKCS#1 or PKCS#8, Ed25519 PKCS#8) or a base64 Ed25519 seed.", valueName: "PEM"))
    var key: String
    @Option(help: "rsa-sha256 or ed25519-sha256; must match the key (default: the key's).") var algorithm: String?
    @Option(help: ArgumentHelp("Header/body canonicalization.", valueName: "HEADER/BODY")) var canonicalization =
        "relaxed/relaxed"
    @Option(help: ArgumentHelp("Colon-separated header fields to sign (h=).", valueName: "LIST")) var headers: String?
    @Option(help: ArgumentHelp("Signature lifetime in seconds (x=).", valueName: "SECONDS")) var expireAfter: Int64?
    @Argument(help: "The message file, or - for standard input.") var file: String = "-"
    @OptionGroup var clock: ClockOptions

    func run() async throws {
        try await reportingErrors {
            let privateKey = try loadPrivateKey(key)
            if let algorithm, algorithm != privateKey.algorithm.rawValue {
                throw CLIError(
                    "--algorithm \(algorithm) does not match the key, which is \(privateKey.algorithm.rawValue)")
            }
            let parts = canonicalization.split(separator: "/").map(String.init)
            guard (1...2).contains(parts.count), let h = Canonicalization(rawValue: parts[0]),
                let b = Canonicalization(rawValue: parts.count == 2 ? parts[1] : "simple")
            else {
                throw CLIError("--canonicalization must be simple or relaxed, as HEADER/BODY")
            }
            guard let input = try MessageInput.read([file]).first else { throw CLIError("no message") }
            let message: Message
            do { message = try Message(bytes: input.bytes) } catch { throw CLIError("\(input.label): \(error)") }
            var signer = DKIMSigner(domain: domain, selector: selector, key: privateKey)
            signer.headerCanonicalization = h
            signer.bodyCanonicalization = b
            signer.headers = headers.map { $0.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) } }
            signer.timestamp = clock.epoch
            signer.expiration = expireAfter.map { clock.epoch + $0 }
            let field: HeaderField
            do { field = try signer.signatureField(for: message) } catch { throw CLIError("\(error)") }
            writeToStandardOutput(input.prepending([field]))
        }
    }
}
