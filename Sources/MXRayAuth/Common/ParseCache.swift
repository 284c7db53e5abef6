import Synchronization

/// Parsed records by their text, shared by every check of one evaluator or fetcher: a record
/// seen again (the same SPF include, the same DKIM key) is not parsed again. Parsing is a pure
/// function of the text, so failures are kept too. Bounded; past the bound it starts over.
final class ParseCache<Value: Sendable, Failure: Error & Sendable>: Sendable {
    let capacity: Int
    private let parse: @Sendable (String) throws(Failure) -> Value
    private let table = Mutex<[String: Result<Value, Failure>]>([:])

    init(capacity: Int, _ parse: @escaping @Sendable (String) throws(Failure) -> Value) {
        self.capacity = capacity
        self.parse = parse
    }

    func callAsFunction(_ text: String) -> Result<Value, Failure> {
        if let hit = table.withLock({ $0[text] }) { return hit }
        let parsed: Result<Value, Failure>
        do { parsed = .success(try parse(text)) } catch { parsed = .failure(error) }
        table.withLock { t in
            if t.count >= capacity { t.removeAll() }
            t[text] = parsed
        }
        return parsed
    }
}
