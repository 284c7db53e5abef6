extension Substring {
    /// The text without the spaces and tabs (WSP, RFC 5234 appendix B.1) at either end, as a slice: records
    /// such as `_mta-sts` (RFC 8461 §3.1) and `_smtp._tls` (RFC 8460 §3) allow them around their fields.
    /// Foundation's `trimmingCharacters(in:)` builds a character set and a new string on every call.
    func trimmingWSP() -> Substring {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return self[start..<end]
    }
}
