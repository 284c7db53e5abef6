import MXRayInbound
import MXRayProbe

/// The verdict banner: the worst thing found, in one sentence, with its severity as a word and a symbol.
struct Banner: Sendable {
    var level: String
    var symbol: String
    var word: String
    var sentence: String

    init(level: String, word: String, sentence: String) {
        self.level = level
        self.symbol = Banner.symbols[level] ?? "ℹ"
        self.word = word
        self.sentence = sentence
    }

    static let symbols = ["critical": "✖", "high": "▲", "medium": "◆", "low": "●", "info": "ℹ", "ok": "✓"]

    /// The first finding of the highest severity, or a clean bill.
    init(findings: [Finding], subject: String) {
        guard let top = findings.max(by: { $0.severity < $1.severity }),
            let worst = findings.first(where: { $0.severity == top.severity })
        else {
            self.init(level: "ok", word: "OK", sentence: "Nothing found to fix in the inbound posture of \(subject).")
            return
        }
        let more = findings.count > 1 ? " (and \(findings.count - 1) more findings below)" : ""
        self.init(
            level: worst.severity.rawValue, word: worst.severity.rawValue.uppercased(), sentence: worst.title + more)
    }
}

/// One line of the posture table.
struct PostureRow: Sendable {
    var name: String
    var status: String
    /// `ok`, `warn`, `bad` or `none`.
    var level: String
    var symbol: String
    var detail: String

    init(_ name: String, _ status: String, _ level: String, _ detail: String = "") {
        self.name = name
        self.status = status
        self.level = level
        self.symbol = ["ok": "✓", "warn": "!", "bad": "✗"][level] ?? "–"
        self.detail = detail
    }
}

/// The findings of one severity.
struct FindingGroup: Sendable {
    struct Item: Sendable {
        var id: String
        var title: String
        var evidence: [String]
        var remediation: String
        var rfc: String?
    }

    var severity: String
    var word: String
    var symbol: String
    var count: Int
    var findings: [Item]

    static func groups(_ findings: [Finding]) -> [FindingGroup] {
        Severity.allCases.reversed().compactMap { severity in
            let items = findings.filter { $0.severity == severity }.map {
                Item(
                    id: $0.id.rawValue, title: $0.title, evidence: $0.evidence, remediation: $0.remediation, rfc: $0.rfc
                )
            }
            guard !items.isEmpty else { return nil }
            return FindingGroup(
                severity: severity.rawValue, word: severity.rawValue.uppercased(),
                symbol: Banner.symbols[severity.rawValue] ?? "", count: items.count, findings: items)
        }
    }
}

/// The probe's parity matrix as a grid: one row per probed address, one column per property.
struct MatrixGrid: Sendable {
    struct Cell: Sendable {
        var text: String
        var level: String
    }

    struct Row: Sendable {
        var tier: Int
        var host: String
        var address: String
        var cells: [Cell]
    }

    var headers: [String]
    var rows: [Row]

    init(_ probe: ProbeReport) {
        let properties = ProbeProperty.allCases
        headers = properties.map(\.rawValue)
        rows = probe.matrix.map { row in
            Row(
                tier: row.tier, host: row.host, address: row.address.map { "\($0)" } ?? "-",
                cells: properties.map { property in
                    let value = row.value(property)
                    return switch value {
                    case .yes: Cell(text: "✓ yes", level: "ok")
                    case .no: Cell(text: "✗ no", level: property.isCompared ? "bad" : "none")
                    case .deferred: Cell(text: "↻ deferred", level: "warn")
                    case .unknown: Cell(text: "–", level: "none")
                    case .number(let n): Cell(text: String(n), level: "none")
                    }
                })
        }
    }
}

/// One row of the tier table under the picture: the same facts as text to search and copy.
struct HostRow: Sendable {
    var preference: Int
    var host: String
    var addresses: String
    var vendor: String
    var role: String
    var mtaSTS: String
    var dane: String

    init(_ host: HostFacts) {
        preference = host.preference
        self.host = host.name
        addresses = host.addresses.map { "\($0)" }.joined(separator: " ")
        vendor = host.operator.role == .unknown ? "unknown" : host.operator.vendor
        role = host.operator.role.rawValue
        mtaSTS = host.coveredByMTASTS.map { $0 ? "✓ listed" : "✗ not listed" } ?? "– no policy"
        dane = host.tlsaRecords > 0 ? "✓ \(host.tlsaRecords) TLSA" : "– none"
    }
}

/// One entry of the picture's legend.
struct LegendItem: Sendable {
    var kind: String
    var label: String
    var meaning: String

    static func items(for picture: FlowPicture) -> [LegendItem] {
        let meanings: [FlowPicture.ArrowKind: (String, String)] = [
            .normal: ("normal", "the path mail takes when every host answers"),
            .failover: ("failover", "taken when the tiers before it do not answer"),
            .bypass: ("bypass ⚠", "reaches the mailboxes without passing a gateway"),
            .attacker: ("attacker ⚠", "anyone may deliver here directly, whatever the preferences"),
            .message: ("this message", "the way the traced message came in"),
        ]
        return FlowPicture.ArrowKind.allCases.compactMap { kind in
            guard !picture.arrows(kind).isEmpty, let (label, meaning) = meanings[kind] else { return nil }
            return LegendItem(kind: kind.rawValue, label: label, meaning: meaning)
        }
    }
}
