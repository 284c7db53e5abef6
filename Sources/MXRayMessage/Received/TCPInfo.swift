import MXRayDNS

/// The from-clause of a Received field (RFC 5321 §4.4: `"from" From-domain [TCP-info]`) as the
/// many MTAs write it, read for the one fact a trace stands on: the address the receiving server
/// observed. That address is only ever taken from the TCP-info the receiver recorded, never from
/// the HELO argument, which the sender chooses:
///
/// - `(name [1.2.3.4])` Postfix, Sendmail; `([1.2.3.4] helo=x)`, `(port=1 helo=x)` after
///   `from [1.2.3.4]` Exim; `([1.2.3.4:50387] helo=x)` Momentum; `(1.2.3.4)` Exchange;
///   `(user@1.2.3.4)` qmail; `(1.2.3.4:23198)` XMail; `([unknown] [1.2.3.4])` Sun; `name [1.2.3.4]`
///   Exim 3, fetchmail, MDaemon; `[1.2.3.4.port]` old Exim; `from [1.2.3.4] (HELO x)`
///   CommuniGate; `from 1.2.3.4 by` webmail and gateways that write the peer bare.
/// - A bracketed literal alone in the from-slot (`from [1.2.3.4] by host`) is a HELO argument
///   with nothing recorded beside it: no observed address, except on HTTP submissions.
enum TCPInfo {
    /// Words that introduce a HELO argument inside a comment.
    static let heloWords: Set<String> = ["helo", "ehlo", "hello", "lhlo"]

    /// The observed client address of a from-clause given as its tokens (between `from` and `by`).
    static func observedAddress(_ tokens: [ReceivedTokenizer.Token], httpSubmission: Bool) -> IPAddress? {
        // The receiver appends its record after whatever the sender said, and a hostile HELO may
        // carry parentheses of its own (`from x([203.0.113.5]) (unknown [198.51.100.7])`): the
        // last comment that holds an address wins.
        var comments: [String] = []
        var literalWord: IPAddress?
        var slot: String?
        for (index, token) in tokens.enumerated() {
            switch token {
            case .comment(let c):
                comments.append(c)
            case .word(let w):
                if index == 0 {
                    slot = w
                } else if literalWord == nil, w.hasPrefix("[") {
                    // `from name [1.2.3.4]`: the receiver's record, outside parentheses.
                    literalWord = literal(w)
                }
            }
        }
        for c in comments.reversed() {
            if let ip = address(inComment: c) { return ip }
        }
        if let literalWord { return literalWord }
        let hasComment = !comments.isEmpty
        guard let slot else { return nil }
        if slot.hasPrefix("[") {
            // A bracketed literal in the from-slot is the HELO argument, unless the receiver
            // recorded something beside it (Exim and CommuniGate put the peer there).
            return hasComment || httpSubmission ? literal(slot) : nil
        }
        // A bare address cannot be a HELO argument (RFC 5321 §4.1.3 brackets literals).
        return address(bare: slot)
    }

    /// The observed address inside one comment, skipping HELO arguments.
    static func address(inComment c: String) -> IPAddress? {
        // qmail's own line: `(qmail 1 invoked from network[1.2.3.4/name])`.
        if let r = c.range(of: "from network[") {
            let inner = c[r.upperBound...].prefix { $0 != "/" && $0 != "]" }
            return address(bare: String(inner))
        }
        let kept = splitHELO(c).rest
        for word in kept {
            if word.contains("["), let ip = literal(word) { return ip }
        }
        for word in kept where word.contains("@") {
            // qmail's `(user@1.2.3.4)`: the address after the last @.
            let after = word[word.index(after: word.lastIndex(of: "@")!)...]
            if let ip = address(bare: String(after.prefix { $0.isHexDigit || $0 == "." || $0 == ":" })) { return ip }
        }
        // Exchange `(1.2.3.4)`, XMail `(1.2.3.4:23198)`, smap `(1.2.3.4, HELO x)`, qmail-ofmipd
        // `(ofmipd 1.2.3.4)`: an address written bare in the comment.
        for word in kept { if let ip = address(bare: word) { return ip } }
        return nil
    }

    /// A comment's words apart from its HELO argument (`HELO x`, `EHLO x`, `helo=x`), and that
    /// argument (the last, when there are several): the sender's words, never the receiver's record.
    static func splitHELO(_ comment: String) -> (helo: String?, rest: [String]) {
        let words = comment.split(whereSeparator: { $0 == " " || $0 == "\t" }).map {
            String($0).trimmingCharacters(in: [",", ";"])
        }
        var helo: String?
        var rest: [String] = []
        var index = 0
        while index < words.count {
            let lower = words[index].lowercased()
            if heloWords.contains(lower) {
                if index + 1 < words.count { helo = words[index + 1] }
                index += 2
                continue
            }
            if let eq = lower.firstIndex(of: "="), heloWords.contains(String(lower[..<eq])) {
                helo = String(words[index][words[index].index(after: eq)...])
            } else {
                rest.append(words[index])
            }
            index += 1
        }
        return (helo, rest)
    }

    /// The address in the first `[...]` group of a word that holds one (`[1.2.3.4]`, `[[1.2.3.4:1]`,
    /// `[IPv6:...]`, `[unknown] [1.2.3.4]` word by word).
    static func literal(_ word: String) -> IPAddress? {
        var rest = Substring(word)
        while let open = rest.firstIndex(of: "[") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "]") else { return nil }
            var inner = rest[afterOpen..<close]
            while inner.first == "[" { inner = inner.dropFirst() }
            if let ip = address(bare: String(inner)) { return ip }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }

    /// An address written bare: `1.2.3.4`, `1.2.3.4:port`, `1.2.3.4.port` (old Exim), `IPv6:...`,
    /// `fe80::1%11`; IPv4-mapped IPv6 unmapped.
    static func address(bare text: String) -> IPAddress? {
        var t = Substring(text)
        if t.lowercased().hasPrefix("ipv6:") { t = t.dropFirst(5) }
        if let percent = t.firstIndex(of: "%") { t = t[..<percent] }
        if let ip = IPAddress(String(t)) { return ip.unmapped }
        let dotted = t.split(separator: ".", omittingEmptySubsequences: false)
        if !t.contains(":"), dotted.count == 5, let ip = IPAddress(dotted.prefix(4).joined(separator: ".")) {
            return ip
        }
        // IPv4 with a port, `1.2.3.4:50387`.
        if let colon = t.lastIndex(of: ":"), t[..<colon].contains("."), !t[..<colon].contains(":") {
            return IPAddress(String(t[..<colon]))
        }
        return nil
    }
}
