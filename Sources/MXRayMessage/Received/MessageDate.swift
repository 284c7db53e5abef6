/// Dates as Received and Date fields write them (RFC 5322 §3.3, with the obsolete zone names of
/// §4.3): `[day-name,] day month year hh:mm[:ss] zone`.
public enum MessageDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
        "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    ]

    /// Seconds since 1970, or nil when the text is not a date.
    public static func parse(_ text: String) -> Int64? {
        // Comments such as "(UTC)" are dropped; commas separate the day name.
        var cleaned = ""
        var depth = 0
        for c in text {
            if c == "(" {
                depth += 1
                continue
            }
            if c == ")" {
                depth = max(0, depth - 1)
                continue
            }
            if depth == 0 { cleaned.append(c == "," ? " " : c) }
        }
        var parts = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).map {
            $0.lowercased()
        }
        if let first = parts.first,
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(String(first.prefix(3))), Int(first) == nil
        {
            parts.removeFirst()
        }
        guard parts.count >= 4, let day = Int(parts[0]), let month = months.firstIndex(of: String(parts[1].prefix(3))),
            var year = Int(parts[2])
        else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }  // RFC 5322 §4.3
        let time = parts[3].split(separator: ":").map { Int($0) }
        guard time.count >= 2, time.allSatisfy({ $0 != nil }), let hour = time[0], let minute = time[1] else {
            return nil
        }
        let second = time.count > 2 ? time[2]! : 0
        guard (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var offset = 0
        if parts.count >= 5 {
            let z = parts[4]
            if let sign = z.first, sign == "+" || sign == "-", z.count == 5, let value = Int(z.dropFirst()) {
                offset = (value / 100 * 3600 + value % 100 * 60) * (sign == "-" ? -1 : 1)
            } else if let hours = zones[z] {
                offset = hours * 3600
            }
        }
        return daysFromCivil(year, month + 1, day) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y - 1 : y)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
