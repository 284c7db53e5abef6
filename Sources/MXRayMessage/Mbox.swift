/// Splits an mbox file (RFC 4155) into messages: each starts at a `From ` line at the start of the
/// file or after a blank line; `>From ` quoting (mboxrd) is undone. Input that does not start
/// with `From ` is one message.
public enum Mbox {
    public static func isMbox(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("From ".utf8)) }

    public static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        guard isMbox(bytes) else { return [bytes] }
        var messages: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        var previousBlank = true
        var started = false
        while i < bytes.count {
            var end = i
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let next = min(end + 1, bytes.count)
            var line = Array(bytes[i..<next])
            let content = line.last == 0x0A ? line.dropLast() : line[...]
            let isBlank = content.isEmpty || (content.count == 1 && content.first == 0x0D)
            if previousBlank && line.starts(with: Array("From ".utf8)) {
                if started { messages.append(trimSeparator(current)) }
                current = []
                started = true
            } else {
                if isQuotedFrom(line) { line.removeFirst() }
                current += line
            }
            previousBlank = isBlank
            i = next
        }
        if started { messages.append(trimSeparator(current)) }
        return messages
    }

    /// `>From `, `>>From `, ...: mboxrd removes one `>`.
    static func isQuotedFrom(_ line: [UInt8]) -> Bool {
        var j = 0
        while j < line.count && line[j] == UInt8(ascii: ">") { j += 1 }
        return j > 0 && line[j...].starts(with: Array("From ".utf8))
    }

    /// The blank line before the next `From ` belongs to the mbox, not the message.
    static func trimSeparator(_ message: [UInt8]) -> [UInt8] {
        var m = message
        if m.suffix(2) == [0x0A, 0x0A] {
            m.removeLast()
        } else if m.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A] {
            m.removeLast(2)
        }
        return m
    }
}
