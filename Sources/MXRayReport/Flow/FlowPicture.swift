/// The mail-flow picture of a domain's inbound path as plain geometry in SVG user units: the
/// senders, each MX tier as a column in preference order (RFC 5321 §5.1), the mailboxes behind the
/// gateways, and the arrows between them. The page templates draw it; nothing here is markup.
public struct FlowPicture: Sendable {
    /// What an arrow stands for; each kind has its own line style and label, never colour alone.
    public enum ArrowKind: String, Sendable, CaseIterable {
        /// Senders to the first tier, and a gateway's relay onward.
        case normal
        /// Senders to a later tier, tried when the earlier tiers do not answer.
        case failover
        /// A tier that takes mail for the mailboxes without passing a gateway.
        case bypass
        /// Someone who chooses the host on purpose, whatever the preferences say.
        case attacker
        /// The traced message's own way in.
        case message
    }

    /// A column heading.
    public struct Column: Sendable {
        public var centerX: Int
        public var title: String
        public var subtitle: String
    }

    /// One line of text inside a box.
    public struct Line: Sendable {
        public var x: Int
        public var y: Int
        public var text: String
        /// `host`, `label` or `note`: the template's text styles.
        public var style: String
    }

    /// A small labelled mark on a host: a symbol and a word, with its meaning as a tooltip.
    public struct Badge: Sendable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var text: String
        /// `ok`, `bad`, `warn`, `none` or `hop`.
        public var style: String
        public var meaning: String
        // Stored, not computed: the templates read values by reflection.
        public var textX: Int
        public var textY: Int

        init(x: Int, y: Int, width: Int, text: String, style: String, meaning: String) {
            self.x = x
            self.y = y
            self.width = width
            self.text = text
            self.style = style
            self.meaning = meaning
            textX = x + width / 2
            textY = y + 12
        }
    }

    /// A box: the senders, an attacker, an MX host, a direct endpoint or the mailboxes.
    public struct Box: Sendable {
        public var id: String
        /// `senders`, `attacker`, `gateway`, `mailbox`, `forwarder`, `unknown`, `endpoint`,
        /// `mailboxes` or `empty`.
        public var kind: String
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
        public var lines: [Line]
        public var badges: [Badge]
        /// The MX preference of a host box.
        public var tier: Int?
        public var host: String?
        /// The traced message entered here.
        public var highlighted: Bool
        public var centerY: Int { y + height / 2 }
        public var right: Int { x + width }
    }

    /// An arrow from one box to another, drawn as an orthogonal path.
    public struct Arrow: Sendable {
        public var kind: ArrowKind
        public var from: String
        public var to: String
        /// SVG path data.
        public var path: String
        /// Nil when another arrow of the same kind already says it.
        public var label: String?
        public var labelX: Int
        public var labelY: Int
        /// The kind's name, stored for the templates.
        public var style: String

        init(kind: ArrowKind, from: String, to: String, path: String, label: String?, labelX: Int, labelY: Int) {
            self.kind = kind
            self.from = from
            self.to = to
            self.path = path
            self.label = label
            self.labelX = labelX
            self.labelY = labelY
            style = kind.rawValue
        }
    }

    public var width: Int
    public var height: Int
    public var columns: [Column]
    public var boxes: [Box]
    public var arrows: [Arrow]
    /// The picture in words, for readers that do not see it.
    public var description: String

    /// The arrows of one kind (the tests and the legend ask).
    public func arrows(_ kind: ArrowKind) -> [Arrow] { arrows.filter { $0.kind == kind } }
    public func box(_ id: String) -> Box? { boxes.first { $0.id == id } }
}
