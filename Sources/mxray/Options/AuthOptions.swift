import ArgumentParser
import Foundation
import MXRayAuth

/// Options shared by the DKIM and ARC commands.
struct ClockOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Evaluate t= and x= (and sign) as of this time, in seconds since 1970.", valueName: "EPOCH"))
    var now: Int64?

    var epoch: Int64 { now ?? Int64(Date().timeIntervalSince1970) }
}

/// Reads a signing key file; errors say which file and why.
func loadPrivateKey(_ path: String) throws -> PrivateKey {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read key file \(path)") }
    do { return try PrivateKey(pem: String(decoding: data, as: UTF8.self)) } catch {
        throw CLIError("\(path): \(error)")
    }
}

/// Runs `body`, turning a `CLIError` into `error: ...` on stderr and exit status 2.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let error as CLIError {
        printToStandardError("error: \(error)")
        throw ExitCode(2)
    }
}
