import MXRayInbound

extension FlowPicture {
    /// Lays the picture out: senders on the left, the tiers as a staircase of columns (each tier
    /// starts below the one before, so every arrow reaches its box through empty space), the
    /// mailboxes on the right, and an attacker row at the bottom when a route around the gateway exists.
    public init(_ facts: FlowFacts) {
        var layout = FlowLayout(facts: facts)
        self = layout.picture()
    }
}

/// The measures of the picture, in SVG user units (the page scales it to the paper's width).
enum FlowMeasure {
    static let margin = 16
    static let top = 64
    static let sendersWidth = 150
    static let hostWidth = 236
    static let mailboxesWidth = 170
    static let outerGap = 112
    static let tierGap = 72
    static let stackGap = 12
    static let tierDrop = 20
    static let lineHeight = 15
    static let badgeHeight = 17
    static let padding = 8
    /// Characters of a 12-unit monospace line that fit a host box.
    static let hostChars = (hostWidth - 2 * padding) * 10 / 73
}

struct FlowLayout {
    typealias M = FlowMeasure
    let facts: FlowFacts
    var boxes: [FlowPicture.Box] = []
    var arrows: [FlowPicture.Arrow] = []
    var columns: [FlowPicture.Column] = []
    /// Labels already written: one label says it for the arrows of the same kind and column.
    var labelled: Set<String> = []

    init(facts: FlowFacts) { self.facts = facts }

    var tiers: [Tier] { facts.tiers.filter { !$0.hosts.isEmpty } }

    mutating func picture() -> FlowPicture {
        let tierX = tiers.indices.map { M.margin + M.sendersWidth + M.outerGap + $0 * (M.hostWidth + M.tierGap) }
        let lastRight = (tierX.last ?? (M.margin + M.sendersWidth + M.outerGap)) + M.hostWidth
        let mailboxesX = lastRight + M.outerGap
        columns.append(.init(centerX: M.margin + M.sendersWidth / 2, title: "Senders", subtitle: "the Internet"))
        for (i, tier) in tiers.enumerated() {
            let role = i == 0 ? "first tier" : "tried if MX \(tiers[i - 1].preference) fails"
            columns.append(.init(centerX: tierX[i] + M.hostWidth / 2, title: "MX \(tier.preference)", subtitle: role))
        }

        // The tiers, as a staircase.
        let hops = hopMarks()
        var y = M.top
        var hostBoxes: [[FlowPicture.Box]] = []
        for (i, tier) in tiers.enumerated() {
            var column: [FlowPicture.Box] = []
            for (j, host) in tier.hosts.enumerated() {
                let id = "host-\(tier.preference)-\(j)"
                var box = hostBox(host, id: id, x: tierX[i], y: y, extra: hops.hosts[id] ?? [])
                box.highlighted = id == hops.entry
                column.append(box)
                y = box.y + box.height + M.stackGap
            }
            y += M.tierDrop - M.stackGap
            hostBoxes.append(column)
        }
        if tiers.isEmpty {
            boxes.append(emptyBox(x: M.margin + M.sendersWidth + M.outerGap, y: M.top))
            y = M.top + boxes[0].height + M.tierDrop
        }
        boxes += hostBoxes.flatMap { $0 }

        let senders = sendersBox(firstTier: hostBoxes.first)
        boxes.append(senders)

        // The route around the gateway: tiers that are the mailbox provider, and a direct endpoint.
        let bypassing = Set(
            hostBoxes.indices.filter { i in gatewayUpTo(i) }.flatMap { i in
                hostBoxes[i].filter { $0.kind == OperatorRole.mailbox.rawValue }.map(\.id)
            })
        var endpoint: FlowPicture.Box?
        if let direct = facts.directEndpoint {
            endpoint = endpointBox(direct, x: M.margin + M.sendersWidth + M.outerGap, y: y)
        }
        var attacker: FlowPicture.Box?
        if !bypassing.isEmpty || endpoint != nil {
            let ay = endpoint.map { $0.centerY } ?? (y + 24)
            attacker = box(
                id: "attacker", kind: "attacker", x: M.margin, y: ay - 22, width: M.sendersWidth,
                lines: ["Attacker", "picks the host"])
        }
        if let endpoint { boxes.append(endpoint) }
        if let attacker { boxes.append(attacker) }
        let contentBottom = boxes.map { $0.y + $0.height }.max() ?? M.top

        // The mailboxes behind the gateways.
        let relaying = tiers.flatMap(\.hosts).contains {
            $0.operator.role == .gateway || $0.operator.role == .forwarder
        }
        var mailboxes: FlowPicture.Box?
        if relaying || endpoint != nil {
            let provider = facts.mailboxProvider ?? "provider unknown"
            var m = box(
                id: "mailboxes", kind: "mailboxes", x: mailboxesX, y: M.top, width: M.mailboxesWidth,
                lines: ["Mailboxes", provider])
            m.height = max(m.height, contentBottom - M.top)
            m.lines = m.lines.enumerated().map { i, line in
                var l = line
                l.y = m.centerY - 8 + i * M.lineHeight
                return l
            }
            mailboxes = m
            boxes.append(m)
            columns.append(
                .init(centerX: mailboxesX + M.mailboxesWidth / 2, title: "Mailboxes", subtitle: "behind the gateways"))
        }

        // Arrows: senders to every host, hosts onward, the attacker's routes, the traced message.
        for (i, column) in hostBoxes.enumerated() {
            for host in column {
                let kind: FlowPicture.ArrowKind =
                    bypassing.contains(host.id) ? .bypass : (i == 0 ? .normal : .failover)
                let label =
                    switch kind {
                    case .bypass: "bypass ⚠"
                    case .failover: "failover"
                    default: "normal"
                    }
                connect(senders, host, kind: kind, label: label, labelKey: "in-\(kind)-\(i)", via: senders.right + 24)
                guard let mailboxes else { continue }
                let onward: (FlowPicture.ArrowKind, String) =
                    switch host.kind {
                    case OperatorRole.mailbox.rawValue:
                        bypassing.contains(host.id) ? (.bypass, "no gateway ⚠") : (.normal, "stores")
                    case OperatorRole.unknown.rawValue: (i == 0 ? .normal : .failover, "relays? (unknown)")
                    default: (i == 0 ? .normal : .failover, "relays")
                    }
                connect(host, mailboxes, kind: onward.0, label: onward.1, labelKey: "out-\(onward.1)-\(i)")
            }
        }
        if let attacker {
            for host in hostBoxes.flatMap({ $0 }) where bypassing.contains(host.id) {
                connectFromBelow(attacker, host, kind: .attacker, label: "attacker ⚠", labelKey: "attacker")
            }
            if let endpoint {
                connect(attacker, endpoint, kind: .attacker, label: "attacker ⚠", labelKey: "attacker-endpoint")
                if let mailboxes {
                    connect(endpoint, mailboxes, kind: .bypass, label: "no gateway ⚠", labelKey: "endpoint-out")
                }
            }
        }
        if let trace = facts.trace {
            if let m = boxes.firstIndex(where: { $0.id == "mailboxes" }) { addBadges(hops.mailboxes, toBox: m) }
            drawMessage(trace, senders: senders)
        }

        let width = (mailboxes?.right ?? lastRight) + M.margin
        let height = (boxes.map { $0.y + $0.height }.max() ?? M.top) + M.margin + 10
        return FlowPicture(
            width: width, height: height, columns: columns, boxes: boxes, arrows: arrows,
            description: FlowDescription.sentence(facts, bypassing: !bypassing.isEmpty))
    }

    /// True when tier i or an earlier one has a gateway or forwarder: a mailbox host there takes
    /// mail the gateway should have seen.
    func gatewayUpTo(_ i: Int) -> Bool {
        tiers[0...i].contains { $0.hosts.contains { $0.operator.role == .gateway || $0.operator.role == .forwarder } }
    }

    // MARK: Boxes

    func box(id: String, kind: String, x: Int, y: Int, width: Int, lines texts: [String]) -> FlowPicture.Box {
        let lines = texts.enumerated().map { i, text in
            FlowPicture.Line(
                x: x + width / 2, y: y + M.padding + 12 + i * M.lineHeight, text: text, style: i == 0 ? "title" : "note"
            )
        }
        return FlowPicture.Box(
            id: id, kind: kind, x: x, y: y, width: width, height: 2 * M.padding + texts.count * M.lineHeight + 4,
            lines: lines, badges: [], tier: nil, host: nil, highlighted: false)
    }

    func hostBox(_ host: HostFacts, id: String, x: Int, y: Int, extra: [HostBadges.Mark]) -> FlowPicture.Box {
        var lines: [FlowPicture.Line] = []
        var ty = y + M.padding + 12
        for part in wrapHostName(host.name, width: M.hostChars) {
            lines.append(.init(x: x + M.padding, y: ty, text: part, style: "host"))
            ty += M.lineHeight
        }
        let who = host.operator.role == .unknown ? "operator unknown" : host.operator.vendor
        lines.append(.init(x: x + M.padding, y: ty, text: "\(who) · \(host.operator.role.rawValue)", style: "label"))
        ty += 6
        let badges = layBadges(HostBadges.badges(host, probe: facts.probe) + extra, x: x + M.padding, y: ty)
        let bottom = (badges.map { $0.y + M.badgeHeight }.max() ?? ty) + M.padding
        return FlowPicture.Box(
            id: id, kind: host.operator.role.rawValue, x: x, y: y, width: M.hostWidth, height: bottom - y,
            lines: lines, badges: badges, tier: host.preference, host: host.name, highlighted: false)
    }

    func sendersBox(firstTier: [FlowPicture.Box]?) -> FlowPicture.Box {
        var texts = ["Senders", "any mail server"]
        if let trace = facts.trace { texts = ["Sender"] + wrapHostName(trace.sender, width: 20) }
        var b = box(id: "senders", kind: "senders", x: M.margin, y: M.top, width: M.sendersWidth, lines: texts)
        if let first = firstTier?.first, let last = firstTier?.last {
            let center = (first.y + last.y + last.height) / 2
            b = box(
                id: "senders", kind: "senders", x: M.margin, y: max(M.top, center - b.height / 2),
                width: M.sendersWidth, lines: texts)
        }
        return b
    }

    func emptyBox(x: Int, y: Int) -> FlowPicture.Box {
        let texts: [String] =
            switch facts.kind {
            case .null: ["Null MX", "MX 0 . (RFC 7505):", "accepts no mail"]
            case .none: ["No MX, no address", "mail cannot be delivered"]
            case .unknown: ["MX unknown", "the DNS lookup failed"]
            case .explicit, .implicit: ["No MX hosts", "none resolved"]
            }
        return box(id: "no-mx", kind: "empty", x: x, y: y, width: M.hostWidth, lines: texts)
    }

    func endpointBox(_ direct: DirectEndpoint, x: Int, y: Int) -> FlowPicture.Box {
        var lines: [FlowPicture.Line] = []
        var ty = y + M.padding + 12
        for part in wrapHostName(direct.host, width: M.hostChars) {
            lines.append(.init(x: x + M.padding, y: ty, text: part, style: "host"))
            ty += M.lineHeight
        }
        lines.append(.init(x: x + M.padding, y: ty, text: "\(direct.provider) · direct endpoint", style: "label"))
        ty += 6
        var marks = [HostBadges.Mark(text: "not in MX", style: "bad", meaning: "no MX record names this host")]
        switch direct.acceptsDirect {
        case true?:
            marks.append(.init(text: "accepts ✗", style: "bad", meaning: "the probe's --direct check was accepted"))
        case false?:
            marks.append(.init(text: "refuses ✓", style: "ok", meaning: "the probe's --direct check was refused"))
        case nil: break
        }
        let badges = layBadges(marks, x: x + M.padding, y: ty)
        let bottom = (badges.map { $0.y + M.badgeHeight }.max() ?? ty) + M.padding
        return FlowPicture.Box(
            id: "endpoint", kind: "endpoint", x: x, y: y, width: M.hostWidth, height: bottom - y, lines: lines,
            badges: badges, tier: nil, host: direct.host, highlighted: false)
    }

    func layBadges(_ marks: [HostBadges.Mark], x: Int, y: Int) -> [FlowPicture.Badge] {
        var badges: [FlowPicture.Badge] = []
        var bx = x
        var by = y
        for mark in marks {
            let width = mark.text.count * 6 + 12
            if bx + width > x + M.hostWidth - 2 * M.padding && bx > x {
                bx = x
                by += M.badgeHeight + 3
            }
            badges.append(.init(x: bx, y: by, width: width, text: mark.text, style: mark.style, meaning: mark.meaning))
            bx += width + 4
        }
        return badges
    }

    // MARK: Arrows

    /// An arrow from a's right edge to b's left edge; `via` is the x of its vertical segment.
    mutating func connect(
        _ a: FlowPicture.Box, _ b: FlowPicture.Box, kind: FlowPicture.ArrowKind, label: String, labelKey: String,
        via: Int? = nil, offset: Int = 0
    ) {
        let x1 = a.right
        let y1 = a.centerY + offset
        let x2 = b.x - 2
        let y2 = (b.kind == "mailboxes" ? min(max(a.centerY, b.y + 10), b.y + b.height - 10) : b.centerY) + offset
        let gx = via ?? (x1 + (x2 - x1) / 2)
        let path = y1 == y2 ? "M \(x1) \(y1) H \(x2)" : "M \(x1) \(y1) H \(gx) V \(y2) H \(x2)"
        let first = labelled.insert(labelKey).inserted
        let labelX = y1 == y2 ? (x1 + x2) / 2 : (gx + x2) / 2
        arrows.append(
            .init(
                kind: kind, from: a.id, to: b.id, path: path, label: first ? label : nil, labelX: labelX,
                labelY: offset > 0 ? y2 + 13 : y2 - 5))
    }

    /// An arrow from a's right edge, along the bottom, up into b from below (the attacker's route
    /// to a tier: it shares no line with the senders' arrows into the same box).
    mutating func connectFromBelow(
        _ a: FlowPicture.Box, _ b: FlowPicture.Box, kind: FlowPicture.ArrowKind, label: String, labelKey: String
    ) {
        let x2 = b.x + b.width / 3
        let y2 = b.y + b.height + 2
        let path = "M \(a.right) \(a.centerY) H \(x2) V \(y2)"
        let first = labelled.insert(labelKey).inserted
        arrows.append(
            .init(
                kind: kind, from: a.id, to: b.id, path: path, label: first ? label : nil, labelX: (a.right + x2) / 2,
                labelY: a.centerY - 5))
    }

    /// Where the traced message's hops landed: a mark per host box (by id) and for the mailboxes,
    /// and the box where it entered.
    func hopMarks() -> (hosts: [String: [HostBadges.Mark]], mailboxes: [HostBadges.Mark], entry: String?) {
        guard let trace = facts.trace else { return ([:], [], nil) }
        var hosts: [String: [HostBadges.Mark]] = [:]
        var mailboxes: [HostBadges.Mark] = []
        var entry: String?
        for landing in trace.landings {
            let isEntry = landing.hop == trace.entryHop
            let mark = HostBadges.Mark(
                text: isEntry ? "hop \(landing.hop) ← entry" : "hop \(landing.hop)", style: "hop",
                meaning: isEntry ? "the message entered the organisation here" : "the message passed here")
            guard let tier = landing.tier, let t = tiers.first(where: { $0.preference == tier }) else {
                if landing.vendor == facts.mailboxProvider { mailboxes.append(mark) }
                continue
            }
            let j = t.hosts.firstIndex { $0.operator.vendor == landing.vendor } ?? 0
            let id = "host-\(tier)-\(j)"
            hosts[id, default: []].append(mark)
            if isEntry { entry = id }
        }
        return (hosts, mailboxes, entry)
    }

    /// The traced message's way in, to the highlighted entry box.
    mutating func drawMessage(_ trace: TraceOverlay, senders: FlowPicture.Box) {
        guard let index = boxes.firstIndex(where: { $0.highlighted }) else { return }
        let label = trace.bypassed ? "this message ⚠" : "this message"
        connect(
            senders, boxes[index], kind: .message, label: label, labelKey: "message", via: senders.right + 40, offset: 8
        )
    }

    mutating func addBadges(_ marks: [HostBadges.Mark], toBox index: Int) {
        guard !marks.isEmpty else { return }
        let b = boxes[index]
        let laid = layBadges(marks, x: b.x + M.padding, y: b.y + b.height - M.padding - M.badgeHeight)
        boxes[index].badges += laid
    }
}

/// Breaks a host name after dots so that each line has at most `width` characters (a label
/// longer than that is cut where it must be); the lines joined give the name back.
func wrapHostName(_ name: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    var pieces: [Substring] = []
    var rest = Substring(name)
    while let dot = rest.firstIndex(of: ".") {
        pieces.append(rest[...dot])
        rest = rest[rest.index(after: dot)...]
    }
    if !rest.isEmpty { pieces.append(rest) }
    for var piece in pieces {
        while piece.count > width {
            if !current.isEmpty {
                lines.append(current)
                current = ""
            }
            lines.append(String(piece.prefix(width)))
            piece = piece.dropFirst(width)
        }
        if current.count + piece.count > width {
            lines.append(current)
            current = ""
        }
        current += piece
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
}
