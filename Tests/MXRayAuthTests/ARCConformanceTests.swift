import Foundation
import MXRayDNS
import MXRayMessage
import Testing
import Yams

@testable import MXRayAuth

/// One case of the ValiMail ARC suites. The validation suite repeats four test keys in "Arc Seal
/// Fields", which Yams refuses; PyYAML (the suite's own reader) keeps the last of each, and so
/// does this loader, by renaming the earlier ones before parsing and dropping them after.
struct ValiMailCase: CustomTestStringConvertible, Sendable {
    var scenario: String
    var name: String
    var fields: [String: String]
    var txtRecords: [(String, String)]
    var scenarioFields: [String: String]
    var testDescription: String { name }

    static func load(_ file: String) throws -> [ValiMailCase] {
        let text = shadowingDuplicateTests(try Conformance.text("arc-valimail/" + file))
        var cases: [ValiMailCase] = []
        for document in try Yams.compose_all(yaml: text) {
            guard let root = document.mapping else { continue }
            var scenarioFields: [String: String] = [:]
            var records: [(String, String)] = []
            var tests: [(String, Node.Mapping)] = []
            for (key, value) in root {
                switch key.string {
                case "tests":
                    for (name, test) in value.mapping ?? Node.Mapping([]) {
                        guard let name = name.string, !name.contains(shadowMark), let mapping = test.mapping else {
                            continue
                        }
                        tests.removeAll { $0.0 == name }
                        tests.append((name, mapping))
                    }
                case "txt-records":
                    for (name, record) in value.mapping ?? Node.Mapping([]) {
                        records.append(
                            (name.string ?? "", (record.string ?? "").replacingOccurrences(of: "\n", with: "")))
                    }
                default:
                    if let k = key.string, let v = value.string { scenarioFields[k] = v }
                }
            }
            for (name, mapping) in tests {
                var fields: [String: String] = [:]
                for (k, v) in mapping { if let k = k.string { fields[k] = v.string ?? "" } }
                cases.append(
                    ValiMailCase(
                        scenario: scenarioFields["description"] ?? "", name: name, fields: fields,
                        txtRecords: records, scenarioFields: scenarioFields))
            }
        }
        return cases
    }
}

let shadowMark = "~shadowed"

/// Renames every test key that appears again later in the same YAML document.
func shadowingDuplicateTests(_ text: String) -> String {
    var out: [String] = []
    for document in text.components(separatedBy: "\n---") {
        var lines = document.components(separatedBy: "\n")
        var lastIndex: [String: Int] = [:]
        func key(_ line: String) -> String? {
            guard line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") || line.contains(": ") == false,
                let colon = line.firstIndex(of: ":")
            else { return nil }
            let name = line[line.index(line.startIndex, offsetBy: 2)..<colon]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).isEmpty
            else { return nil }
            return String(name)
        }
        for (i, line) in lines.enumerated() { if let k = key(line) { lastIndex[k] = i } }
        var counter = 0
        for (i, line) in lines.enumerated() {
            if let k = key(line), lastIndex[k] != i {
                counter += 1
                lines[i] = "  \(k)\(shadowMark)\(counter):"
            }
        }
        out.append(lines.joined(separator: "\n"))
    }
    return out.joined(separator: "\n---")
}

@Suite struct ARCConformanceTests {
    static let validationCases = (try? ValiMailCase.load("arc-draft-validation-tests.yml")) ?? []
    static let signingCases = (try? ValiMailCase.load("arc-draft-sign-tests.yml")) ?? []

    @Test func suitesHaveEveryDistinctCase() {
        #expect(Self.validationCases.count == 171)
        #expect(Set(Self.validationCases.map(\.name)).count == 171)
        #expect(Self.signingCases.count == 17)

    }

    /// The suite writes `cv: None|Pass|Fail`; an empty cv (the chain already said cv=fail) is a fail.
    @Test(arguments: validationCases)
    func validationCase(_ c: ValiMailCase) async throws {
        let message = try Message(bytes: Array((c.fields["message"] ?? "").utf8))
        let verdict = await ARCVerifier(resolver: txtResolver(c.txtRecords)).verify(message)
        let expected: ARCResult =
            switch (c.fields["cv"] ?? "").lowercased() {
            case "pass": .pass
            case "none": .none
            default: .fail
            }
        #expect(verdict.result == expected, "\(c.name): \(verdict.reason)")
    }
}

/// The ValiMail signing suite: seal each message and compare AMS, AS and AAR with the expected
/// ones as its README says: tag by tag for AMS and AS (whitespace inside b= and bh= ignored), the
/// AAR with whitespace runs reduced to one space.
@Suite struct ARCSigningConformanceTests {
    static func tags(_ text: String) -> [String: String] {
        guard let list = try? TagList(parsing: text) else { return [:] }
        var out: [String: String] = [:]
        for (name, value) in list.tags { out[name] = value.filter { !$0.isWhitespace } }
        return out
    }

    /// unused_tests.yml: signing cases upstream keeps out of its two suite files (signed-header
    /// order and duplicates, AR merging). They run like the others, with one named exception.
    static let unusedCases = (try? ValiMailCase.load("unused_tests.yml")) ?? []

    /// Cases whose expected b= values are not compared: their expected ARC-Message-Signature does
    /// not verify over the case's own message and key (checked below, so this list cannot go
    /// stale silently), while every other tag, the AAR and our own seal are still checked.
    static let unverifiableExpectedSignatures: Set<String> = [
        "header_order", "header_dup_ord1", "header_dup_ord2", "sig_header_dup_once", "sig_header_dup_twice",
        "header_non",
    ]

    @Test func unusedSuiteHasEveryCase() { #expect(Self.unusedCases.count == 7) }

    @Test(arguments: ARCConformanceTests.signingCases)
    func signingCase(_ c: ValiMailCase) async throws { try await Self.check(c) }

    @Test(arguments: unusedCases)
    func unusedSigningCase(_ c: ValiMailCase) async throws {
        let skipSignatures = Self.unverifiableExpectedSignatures.contains(c.name)
        if skipSignatures {
            let verdict = await ARCVerifier(resolver: txtResolver(c.txtRecords)).verify(try Self.expectedSet(c))
            #expect(
                verdict.reason.contains("ARC-Message-Signature i=1: signature does not verify"),
                "\(c.name): \(verdict.reason)")
        }
        try await Self.check(c, compareSignatures: !skipSignatures)
    }

    /// The case's message with the expected ARC set on top.
    static func expectedSet(_ c: ValiMailCase) throws -> Message {
        func field(_ name: String) -> String {
            "\(name): "
                + (c.fields[name == "ARC-Seal" ? "AS" : name == "ARC-Message-Signature" ? "AMS" : "AAR"] ?? "")
                .split(separator: "\n").joined(separator: "\r\n\t") + "\r\n"
        }
        let text =
            field("ARC-Seal") + field("ARC-Message-Signature") + field("ARC-Authentication-Results")
            + (c.fields["message"] ?? "").replacingOccurrences(of: "\n", with: "\r\n")
        return try Message(bytes: Array(text.utf8))
    }

    static func withoutSignature(_ tags: [String: String], _ compare: Bool) -> [String: String] {
        compare ? tags : tags.filter { $0.key != "b" }
    }

    static func check(_ c: ValiMailCase, compareSignatures: Bool = true) async throws {
        let message = try Message(bytes: Array((c.fields["message"] ?? "").utf8))
        let key = try PrivateKey(pem: c.scenarioFields["privatekey"] ?? "")
        let resolver = txtResolver(c.txtRecords)
        var sealer = ARCSealer(
            domain: c.scenarioFields["domain"] ?? "", selector: c.scenarioFields["sel"] ?? "",
            key: key, authservID: c.fields["srv-id"] ?? "")
        sealer.timestamp = Int64(c.fields["t"] ?? "")
        sealer.headers = (c.fields["sig-headers"] ?? "").split(separator: ":").map(String.init)
        // The suite's expected b= values were made over its alphabetical layout.
        sealer.tagOrder = .alphabetical
        let incoming = await ARCVerifier(resolver: resolver).verify(message)
        let expectedAMS = c.fields["AMS"] ?? "", expectedAS = c.fields["AS"] ?? "", expectedAAR = c.fields["AAR"] ?? ""
        do {
            let sealed = try sealer.seal(message, results: nil, incoming: incoming)
            let added = Array(sealed.fields.prefix(3))
            #expect(!expectedAS.isEmpty, "\(c.name): sealed a chain the suite says must not be extended")
            #expect(
                withoutSignature(Self.tags(added[0].value), compareSignatures)
                    == withoutSignature(Self.tags(expectedAS), compareSignatures),
                "\(c.name) AS: \(added[0].value)")
            #expect(
                withoutSignature(Self.tags(added[1].value), compareSignatures)
                    == withoutSignature(Self.tags(expectedAMS), compareSignatures),
                "\(c.name) AMS: \(added[1].value)")
            #expect(
                added[2].value.collapsingWhitespace == expectedAAR.collapsingWhitespace,
                "\(c.name) AAR: \(added[2].value)")
            // What we sealed validates.
            #expect(
                await ARCVerifier(resolver: resolver).verify(sealed).result
                    == (incoming.result == .fail ? .fail : .pass))
        } catch {
            #expect(expectedAS.isEmpty && expectedAMS.isEmpty, "\(c.name): \(error)")
        }
    }

    @Test(arguments: ["001.txt", "002.txt"])
    func stalwartChains(file: String) async throws {
        let (resolver, message) = try stalwartCase("arc-stalwart/" + file)
        let verdict = await ARCVerifier(resolver: resolver).verify(message)
        #expect(verdict.result == .pass, "\(file): \(verdict.reason)")
        #expect(verdict.oldestPassingInstance == 1)
    }
}
