import NIOCore

/// The deadlines of the tries in flight, without a timer each. Tries with the same timeout are sent in
/// time order, so their deadlines queue in that order and the earliest is at the front: adding and
/// taking are O(1), where an event-loop timer per try costs an allocation and a heap insertion, and a
/// cancelled one a linear search of the heap (most tries are answered before their deadline). An
/// answered try is not removed: its deadline passes unnoticed, as `UDPTransport.timedOut` finds it
/// no longer running. One transport sweeps the queue with one timer.
struct TimeoutQueue {
    struct Entry {
        var deadline: NIODeadline
        var lookup: Int
        var attempt: Int
    }

    /// One queue per timeout length (a resolver has one; tests and other callers may have others).
    private var queues: [TimeAmount: CircularBuffer<Entry>] = [:]

    mutating func add(_ entry: Entry, timeout: TimeAmount) {
        queues[timeout, default: CircularBuffer(initialCapacity: 64)].append(entry)
    }

    /// The earliest deadline queued, if any.
    var earliest: NIODeadline? { queues.values.compactMap { $0.first?.deadline }.min() }

    /// Takes every entry whose deadline is at or before `now`, earliest queue by queue.
    mutating func takeDue(now: NIODeadline) -> [Entry] {
        var due: [Entry] = []
        for timeout in queues.keys {
            while let first = queues[timeout]!.first, first.deadline <= now {
                due.append(queues[timeout]!.removeFirst())
            }
            if queues[timeout]!.isEmpty { queues[timeout] = nil }
        }
        return due
    }
}
