import NIOConcurrencyHelpers

/// Items that several tasks draw from, one at a time under a lock. Each worker of a bounded run takes
/// its next item only when it is ready for it, so that a worker can go on through several items (one
/// task, its memory reused) without holding any back from workers that are idle. The first error from
/// the source ends the drawing and is kept for the caller to throw once the work in hand is done.
final class SharedSource<Item>: @unchecked Sendable {
    private let lock = NIOLock()
    /// Called only under `lock`.
    private let draw: () throws -> Item?
    private var finished = false
    private var failure: Error?

    init(_ draw: @escaping () throws -> Item?) { self.draw = draw }

    /// The next item, or nil once the source has none left or failed.
    func next() -> Item? {
        lock.withLock {
            guard !finished else { return nil }
            do {
                if let item = try draw() { return item }
            } catch {
                failure = error
            }
            finished = true
            return nil
        }
    }

    var isFinished: Bool { lock.withLock { finished } }

    /// Throws the source's error, if it had one.
    func check() throws {
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}
