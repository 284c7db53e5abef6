import NIOCore

/// How many queries may await replies from one nameserver at once: a congestion window in the manner of
/// RFC 5681, which RFC 8085 §3.1 asks of bulk UDP senders that have no control of their own. Loss is
/// measured as a moving share of the queries that ended (an exponentially weighted average over about
/// the last 256). While that share is under half of `lossThreshold` the window grows by one per reply
/// (doubling every round trip); up to the threshold, by one per window of replies; above it, not at all,
/// and each timeout period with a loss halves it. A path that drops a few replies at random (1 % in the
/// latency lab) keeps its window; a server or path that sheds load gets fewer queries, not more
/// retries. Queries past the window wait their turn, and their retry timers start only when sent.
struct QueryWindow {
    static let minimum = 4.0
    /// The share of lost queries above which the window shrinks.
    static let lossThreshold = 0.1
    /// Weight of the latest query in the loss share.
    static let lossWeight = 1.0 / 256

    private(set) var size: Double
    let maximum: Double
    var inFlight = 0
    private(set) var lossShare = 0.0
    private var lastDecrease = NIODeadline.distantPast
    /// When the server last answered (or when the window was made, before its first answer).
    private(set) var lastAnswer = NIODeadline.now()
    /// The smallest the window has been brought to by losses; the maximum when it never was.
    private(set) var smallest: Double

    init(initial: Int, maximum: Int) {
        self.maximum = Double(max(Int(Self.minimum), maximum))
        size = min(Double(max(initial, Int(Self.minimum))), self.maximum)
        smallest = self.maximum
    }

    var hasRoom: Bool { Double(inFlight) < size.rounded(.down) }

    mutating func answered(now: NIODeadline = .now()) {
        lastAnswer = now
        lossShare -= lossShare * Self.lossWeight
        if lossShare < Self.lossThreshold / 2 {
            size = min(maximum, size + 1)
        } else if lossShare <= Self.lossThreshold {
            size = min(maximum, size + 1 / size)
        }
    }

    /// A reply to a query already counted as lost: the timeout was spurious (the path is slower than
    /// the timeout, not losing), so the loss is taken back and the query counts as answered, as TCP
    /// undoes a spurious retransmission timeout (RFC 4015). Without this, a timeout shorter than the
    /// path's round trip shrinks the window to its minimum for losses that never happened.
    mutating func answeredLate(now: NIODeadline = .now()) {
        lossShare = max(0, (lossShare - Self.lossWeight) / (1 - Self.lossWeight))
        answered(now: now)
    }

    mutating func timedOut(now: NIODeadline, period: TimeAmount) {
        lossShare += (1 - lossShare) * Self.lossWeight
        guard lossShare > Self.lossThreshold, now - lastDecrease >= period else { return }
        lastDecrease = now
        size = max(Self.minimum, (size / 2).rounded(.down))
        smallest = min(smallest, size)
    }
}

/// What the resolver's transports did over its life: the query outcome counts a bulk run reports.
public struct QueryStatistics: Sendable, Equatable {
    /// Datagrams sent, first tries and retries alike. Each ends as one of `answered`, `timedOut`,
    /// `failed` or `superseded`.
    public var sent = 0
    /// Replies that matched a query in flight.
    public var answered = 0
    /// Queries whose reply did not come before the timeout.
    public var timedOut = 0
    /// Queries that could not be sent or were cut short by a network error.
    public var failed = 0
    /// Queries still in flight when a reply to an earlier try of the same lookup answered it.
    public var superseded = 0
    /// Replies that came after their query's timeout but while its lookup was still retrying, and
    /// answered it (each of those queries is also counted in `timedOut`).
    public var answeredLate = 0
    /// Queries that waited for room in a window before being sent.
    public var waited = 0
    /// Queries that waited longer than their timeout for room at a server that had answered nothing for
    /// as long, and ended unsent, as timeouts.
    public var gaveUpWaiting = 0
    /// The most queries in flight to one server at once.
    public var largestInFlight = 0
    /// The smallest window any server's losses brought it to; nil when nothing was lost.
    public var smallestWindow: Int?
    /// Truncated UDP replies asked again over TCP.
    public var retriedOverTCP = 0
    /// The smoothed round trip of the replies (`RoundTripEstimate`); nil before any reply.
    public var roundTrip: Duration?

    public init() {}
}
