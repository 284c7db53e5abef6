import Foundation
import Synchronization
import Testing

@testable import mxray

/// The batch scheduler behind `--jobs` and `--concurrency`: never more than `width` items at work,
/// results in input order when asked, and a bounded number started but not yet handed out.
@Suite struct RunBoundedTests {
    /// Counts the items at work now and the most there ever were.
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    @Test(arguments: [true, false]) func widthIsNeverExceeded(inOrder: Bool) async throws {
        let gauge = Gauge()
        var items = (0..<60).makeIterator()
        var drawn = 0
        var emitted: [Int] = []
        var mostAhead = 0
        try await runBounded(
            width: 3, inOrder: inOrder,
            next: {
                let item = items.next()
                if item != nil { drawn += 1 }
                return item
            }
        ) { item in
            gauge.enter()
            // Early items are the slow ones, so later ones finish first and must wait their turn.
            try? await Task.sleep(for: .milliseconds(item % 5 == 0 ? 20 : 1))
            gauge.leave()
            return item
        } emit: { item in
            emitted.append(item)
            mostAhead = max(mostAhead, drawn - emitted.count)
        }
        #expect(gauge.most <= 3)
        #expect(emitted.count == 60 && Set(emitted).count == 60)
        if inOrder { #expect(emitted == Array(0..<60)) }
        // Drawn but not handed out: at most four times the width in order, the width otherwise.
        #expect(mostAhead <= (inOrder ? 12 : 3) - 1)
    }

    /// Workers drawing from one source at once get every item exactly once; an error from the source
    /// comes after the items before it, ends the drawing, and is thrown by `check`.
    @Test func aSharedSourceHandsOutEachItemOnce() async throws {
        struct Broken: Error {}
        var items = (0..<500).makeIterator()
        var calls = 0
        let source = SharedSource<Int> {
            calls += 1
            guard let item = items.next() else { throw Broken() }
            return item
        }
        let drawn = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [Int] = []
                    while let item = source.next() {
                        mine.append(item)
                        await Task.yield()
                    }
                    return mine
                }
            }
            return await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(drawn.sorted() == Array(0..<500))
        #expect(source.isFinished && source.next() == nil && calls == 501)
        #expect(throws: Broken.self) { try source.check() }
    }
}
