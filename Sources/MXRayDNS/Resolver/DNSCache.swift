import Synchronization

/// A cache of lookups keyed on (name, type) that honours TTLs, including negative answers
/// (RFC 2308 §5). Failures are not cached: the next lookup asks again.
public final class DNSCache: Sendable {
    struct Key: Hashable, Sendable {
        var name: DomainName
        var type: RRType
    }

    struct Entry: Sendable {
        var lookup: DNSLookup
        var stored: ContinuousClock.Instant
        var expires: ContinuousClock.Instant
    }

    private let entries: Mutex<[Key: Entry]> = Mutex([:])
    public let capacity: Int

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// A fresh copy of the cached lookup with TTLs counted down, or nil when absent or expired.
    func get(_ key: Key, now: ContinuousClock.Instant) -> DNSLookup? {
        guard let entry = entries.withLock({ $0[key] }) else { return nil }
        guard now < entry.expires else {
            entries.withLock { table in
                if let e = table[key], e.expires <= now { table[key] = nil }
            }
            return nil
        }
        let age = UInt32(clamping: (now - entry.stored).components.seconds)
        var lookup = entry.lookup
        if age > 0 {
            func aged(_ r: ResourceRecord) -> ResourceRecord {
                var r = r
                r.ttl = r.ttl > age ? r.ttl - age : 0
                return r
            }
            if case .records(let records) = lookup.outcome { lookup.outcome = .records(records.map(aged)) }
            lookup.cnameChain = lookup.cnameChain.map(aged)
        }
        lookup.fromCache = true
        lookup.transport = "cache"
        lookup.elapsed = 0
        return lookup
    }

    func put(_ key: Key, _ lookup: DNSLookup, ttl: UInt32, now: ContinuousClock.Instant) {
        guard ttl > 0 else { return }
        let entry = Entry(lookup: lookup, stored: now, expires: now + .seconds(Int64(ttl)))
        entries.withLock { table in
            if table.count >= capacity && table[key] == nil {
                // Make room: drop what has expired, and if that is not enough, an arbitrary tenth.
                table = table.filter { $0.value.expires > now }
                if table.count >= capacity {
                    for k in table.keys.prefix(max(1, capacity / 10)) { table[k] = nil }
                }
            }
            table[key] = entry
        }
    }

    public var count: Int { entries.withLock { $0.count } }

    public func removeAll() { entries.withLock { $0.removeAll() } }
}
