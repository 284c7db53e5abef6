import NIOCore

/// How long replies take to come back: each try's round trip, smoothed as TCP smooths its
/// round-trip time (RFC 6298 §2.3, gain 1/8). Reported with the resolver's query counts.
struct RoundTripEstimate {
    /// Microseconds; nil until the first reply.
    private var smoothed: Int64?

    /// A reply to a try sent at `sentAt` came in at `now`.
    mutating func record(sentAt: NIODeadline, now: NIODeadline = .now()) {
        let sample = max(0, (now - sentAt).nanoseconds / 1000)
        smoothed = smoothed.map { $0 + (sample - $0) / 8 } ?? sample
    }

    /// The smoothed round trip; nil before any reply.
    var current: Duration? { smoothed.map { .microseconds($0) } }
}
