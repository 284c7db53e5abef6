import Foundation

@testable import MXRayDNS

/// Test helpers: names from literals and the captured nsd replies.
func name(_ text: String) -> DomainName { try! DomainName(text) }

enum Captured {
    static let directory = Bundle.module.url(forResource: "Resources", withExtension: nil)!.appendingPathComponent(
        "captured")

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static var all: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".bin") }.sorted())
            ?? []
    }
}

func zone(_ text: String) throws(ZoneFileError) -> ZoneFile { try ZoneFile(parsing: Array(text.utf8)) }
