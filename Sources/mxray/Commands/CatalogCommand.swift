import ArgumentParser
import Foundation
import MXRayInbound

/// `mxray catalog`: the operators mxray knows, and which one a host or an SPF include belongs to.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "List the operator catalog, or say which operator runs a host or asks for an SPF include.",
        discussion: """
            The bundled catalog (Sources/MXRayInbound/Resources/operators.yaml) lists secure email \
            gateways, mailbox providers and inbound forwarders with their MX host patterns: an exact \
            name, *.SUFFIX (one more label) or **.SUFFIX (any number of labels). --catalog FILE adds \
            entries in the same YAML format (or lines of PATTERN ROLE VENDOR) that win over the \
            bundled ones.
            """,
        subcommands: [ListCatalog.self, LookupCatalog.self],
        defaultSubcommand: ListCatalog.self
    )
}

struct CatalogFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("An operator catalog to add to the bundled one.", valueName: "FILE")) var catalog:
        String?
}

struct ListCatalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every operator.")
    @OptionGroup var catalogFile: CatalogFileOption
    @Option(help: ArgumentHelp("Only operators of this role: gateway, mailbox or forwarder.", valueName: "ROLE"))
    var role: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let catalog = try loadCatalog(catalogFile.catalog)
            var entries = catalog.entries
            if let role {
                guard let r = OperatorRole(rawValue: role), r != .unknown else {
                    throw CLIError("--role must be gateway, mailbox or forwarder")
                }
                entries = entries.filter { $0.role == r }
            }
            print(json ? try renderJSON(entries) : CatalogText.list(entries))
        }
    }
}

struct LookupCatalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Which operator runs each HOST (and by which pattern), or asks for an SPF include.",
        discussion: "Exit status: 0 when every name matched an operator, 1 when one did not."
    )
    @Argument(help: "MX host names.") var hosts: [String] = []
    @Option(help: ArgumentHelp("An SPF include: name to look up instead of a host.", valueName: "INCLUDE"))
    var spf: [String] = []
    @OptionGroup var catalogFile: CatalogFileOption
    @Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard !hosts.isEmpty || !spf.isEmpty else { throw ValidationError("name a HOST, or give --spf INCLUDE") }
    }

    func run() async throws {
        try await reportingErrors {
            let catalog = try loadCatalog(catalogFile.catalog)
            var results: [CatalogLookup] = []
            for host in hosts {
                let ascii = DomainInput(host).ascii
                let match = catalog.match(ascii)
                results.append(
                    CatalogLookup(
                        query: host, kind: "host", operators: match.map { [$0.entry] } ?? [],
                        pattern: match?.pattern.description, userCatalog: match?.fromUserCatalog))
            }
            for include in spf {
                results.append(
                    CatalogLookup(
                        query: include, kind: "spf-include", operators: catalog.entries(forSPFInclude: include),
                        pattern: nil, userCatalog: nil))
            }
            print(json ? try renderJSON(results) : CatalogText.lookups(results))
            if results.contains(where: { $0.operators.isEmpty }) { throw ExitCode(1) }
        }
    }
}

/// One answer of `mxray catalog lookup`.
struct CatalogLookup: Encodable {
    var query: String
    var kind: String
    var operators: [CatalogEntry]
    var pattern: String?
    var userCatalog: Bool?
}
