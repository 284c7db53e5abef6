import ArgumentParser
import MXRayDNS

/// `mxray dns NAME TYPE`: what mxray's own resolver sees for one question.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Show what mxray's resolver sees for one name and type.",
        discussion: """
            Prints the records with their TTLs, or which of the other outcomes happened: NXDOMAIN \
            (the name does not exist), NODATA (it exists without records of this type) or a failure \
            (timeout, SERVFAIL, REFUSED, malformed answer), with the nameserver and the time taken. \
            An IP address with type PTR is turned into its reverse name.

            Exit status: 0 records, 1 NXDOMAIN or NODATA, 2 failure or bad input.
            """
    )

    @Argument(help: "The domain name to look up.")
    var name: String

    @Argument(help: "The record type: A, AAAA, MX, TXT, CNAME, PTR, NS, SOA, TLSA, TYPEnnn.")
    var type: String = "A"

    @OptionGroup var resolverOptions: ResolverOptions

    @Flag(name: .long, help: "Print JSON for programs.")
    var json = false

    func validate() throws {
        guard RRType(name: type) != nil else { throw ValidationError("unknown record type \"\(type)\"") }
    }

    func run() async throws {
        let rrtype = RRType(name: type)!
        let question: DomainName
        if rrtype == .ptr, let ip = IPAddress(name) {
            question = ip.reverseName
        } else {
            do { question = try DomainName(name) } catch {
                throw CLIError("\"\(name)\" is not a domain name: \(error)")
            }
        }
        let resolver: any DNSResolver
        do { resolver = try resolverOptions.makeResolver() } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(2)
        }
        let lookup = await resolver.lookup(question, rrtype)
        if let stub = resolver as? StubResolver { await stub.shutdown() }
        print(json ? try renderJSON(lookup) : DNSLookupText.render(lookup))
        switch lookup.outcome {
        case .records: return
        case .nxdomain, .nodata: throw ExitCode(1)
        case .failure: throw ExitCode(2)
        }
    }
}
