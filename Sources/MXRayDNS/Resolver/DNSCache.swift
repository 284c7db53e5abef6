import Synchronization

/// A cache of lookups keyed on (name, type) that honours TTLs, including negative answers
/// (RFC 2308 §5). Failures are not cached: the next lookup asks again.
///
/// Bounded by entries and by bytes, with a cost per operation that does not grow with its size or
/// with the length of a run: the keys are spread over `shardCount` shards, each behind its own
/// lock, and each shard evicts with the CLOCK algorithm (a second chance for entries read since
/// the hand last passed), in constant amortised time. Expired entries go when they are read, when
/// the hand meets them, and a few at a time on every insertion.
public final class DNSCache: Sendable {
    /// A question as a cache key. Its hash is computed once, when the key is made: the shard is
    /// chosen from it and the shard's table hashes it again, and a domain name's hash (over its
    /// lower-cased labels) is the expensive part.
    struct Key: Hashable, Sendable {
        let name: DomainName
        let type: RRType
        let hash: Int

        init(name: DomainName, type: RRType) {
            self.name = name
            self.type = type
            var hasher = Hasher()
            hasher.combine(name)
            hasher.combine(type)
            hash = hasher.finalize()
        }

        static func == (l: Key, r: Key) -> Bool { l.hash == r.hash && l.type == r.type && l.name == r.name }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// A cached answer. A class, so that handing it out of a shard's lock costs one retain, not
    /// a copy of every array and string of the lookup.
    final class Entry: Sendable {
        let lookup: DNSLookup
        let stored: ContinuousClock.Instant
        let expires: ContinuousClock.Instant

        init(lookup: DNSLookup, stored: ContinuousClock.Instant, expires: ContinuousClock.Instant) {
            self.lookup = lookup
            self.stored = stored
            self.expires = expires
        }
    }

    /// Shards at most, each with its own lock: concurrent lookups of different names rarely wait.
    static let maxShards = 16
    /// Slots inspected for expiry on every insertion, besides the one the hand evicts.
    static let expirySweepPerInsert = 2

    /// A shard and its lock (`Mutex` cannot be copied, so each lives in a box of its own).
    final class LockedShard: Sendable {
        let mutex: Mutex<Shard>
        init(_ shard: Shard) { mutex = Mutex(shard) }
        func withLock<R>(_ body: (inout Shard) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    private let shards: [LockedShard]
    /// Entries at most, over all shards.
    public let capacity: Int
    /// Approximate bytes at most, over all shards (names, records and bookkeeping).
    public let maxBytes: Int

    public init(capacity: Int, maxBytes: Int = 64 << 20) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(1024, maxBytes)
        // The capacity is shared out exactly: the shards' capacities add up to it.
        let total = max(1, capacity)
        let count = min(Self.maxShards, total)
        let perShardBytes = max(1, max(1024, maxBytes) / count)
        shards = (0..<count).map { i in
            let share = total / count + (i < total % count ? 1 : 0)
            return LockedShard(Shard(capacity: share, maxBytes: perShardBytes))
        }
    }

    private func shard(_ key: Key) -> LockedShard {
        shards[Int(UInt(bitPattern: key.hash) % UInt(shards.count))]
    }

    /// A fresh copy of the cached lookup with TTLs counted down, or nil when absent or expired.
    func get(_ key: Key, now: ContinuousClock.Instant) -> DNSLookup? {
        guard let entry = shard(key).withLock({ $0.get(key, now: now) }) else { return nil }
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
        let bytes = Self.approximateBytes(lookup)
        shard(key).withLock { $0.put(key, entry, bytes: bytes, now: now) }
    }

    public var count: Int { shards.reduce(0) { $0 + $1.withLock { $0.count } } }
    /// The approximate bytes held now.
    public var bytes: Int { shards.reduce(0) { $0 + $1.withLock { $0.bytes } } }

    public func removeAll() {
        for shard in shards { shard.withLock { $0.removeAll() } }
    }

    /// What an entry costs: a fixed overhead, its names and its record data.
    static func approximateBytes(_ lookup: DNSLookup) -> Int {
        func size(_ r: ResourceRecord) -> Int {
            let data: Int =
                switch r.data {
                case .txt(let strings): strings.reduce(0) { $0 + $1.count + 16 }
                case .mx(_, let exchange): exchange.wire.count + 8
                case .cname(let n), .ptr(let n), .ns(let n): n.wire.count
                case .unknown(_, let bytes): bytes.count
                default: 40
                }
            return 48 + r.name.wire.count + data
        }
        var total = 256 + lookup.question.name.wire.count + lookup.source.utf8.count
        if case .records(let records) = lookup.outcome { total += records.reduce(0) { $0 + size($1) } }
        total += lookup.cnameChain.reduce(0) { $0 + size($1) }
        return total
    }
}

/// One shard: a table from key to slot, and the slots the CLOCK hand sweeps.
struct Shard {
    struct Slot {
        var key: DNSCache.Key
        var entry: DNSCache.Entry
        var bytes: Int
        /// Set when read; the hand clears it once before evicting the entry.
        var referenced: Bool
    }

    let capacity: Int
    let maxBytes: Int
    private var index: [DNSCache.Key: Int] = [:]
    private var slots: [Slot?] = []
    private var free: [Int] = []
    private var hand = 0
    /// Walks the slots a few at a time, removing what has expired.
    private var sweepCursor = 0
    private(set) var bytes = 0

    init(capacity: Int, maxBytes: Int) {
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    var count: Int { index.count }

    mutating func get(_ key: DNSCache.Key, now: ContinuousClock.Instant) -> DNSCache.Entry? {
        guard let i = index[key], let entry = slots[i]?.entry else { return nil }
        guard now < entry.expires else {
            remove(at: i)
            return nil
        }
        slots[i]!.referenced = true
        return entry
    }

    mutating func put(_ key: DNSCache.Key, _ entry: DNSCache.Entry, bytes size: Int, now: ContinuousClock.Instant) {
        guard size <= maxBytes else { return }  // larger than the whole shard: never cached
        if let i = index[key] {
            bytes += size - slots[i]!.bytes
            slots[i] = Slot(key: key, entry: entry, bytes: size, referenced: true)
        } else {
            sweepExpired(now: now)
            // Bounded: each call removes one entry, and there are at most `capacity` of them.
            while index.count >= capacity || bytes + size > maxBytes, !index.isEmpty { evictOne(now: now) }
            let i: Int
            if let reused = free.popLast() {
                i = reused
                slots[i] = Slot(key: key, entry: entry, bytes: size, referenced: false)
            } else {
                i = slots.count
                slots.append(Slot(key: key, entry: entry, bytes: size, referenced: false))
            }
            index[key] = i
            bytes += size
        }
    }

    mutating func removeAll() {
        index = [:]
        slots = []
        free = []
        hand = 0
        sweepCursor = 0
        bytes = 0
    }

    private mutating func remove(at i: Int) {
        guard let slot = slots[i] else { return }
        index[slot.key] = nil
        bytes -= slot.bytes
        slots[i] = nil
        free.append(i)
    }

    /// CLOCK: an expired or unreferenced entry under the hand goes; a referenced one loses its
    /// mark. Two turns of the hand at most find a victim, since the first turn clears every mark.
    private mutating func evictOne(now: ContinuousClock.Instant) {
        for _ in 0..<(2 * slots.count + 1) {
            if hand >= slots.count { hand = 0 }
            defer { hand += 1 }
            guard let slot = slots[hand] else { continue }
            if slot.referenced && now < slot.entry.expires {
                slots[hand]!.referenced = false
                continue
            }
            remove(at: hand)
            return
        }
    }

    /// Removes expired entries a few slots at a time, so that a full turn over the slots takes a
    /// number of insertions proportional to the shard's size, never a pass over all of it at once.
    private mutating func sweepExpired(now: ContinuousClock.Instant) {
        guard !slots.isEmpty else { return }
        for _ in 0..<DNSCache.expirySweepPerInsert {
            if sweepCursor >= slots.count { sweepCursor = 0 }
            if let slot = slots[sweepCursor], slot.entry.expires <= now { remove(at: sweepCursor) }
            sweepCursor += 1
        }
    }
}
