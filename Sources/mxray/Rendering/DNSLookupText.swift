import MXRayDNS

/// Text for a person: a one-line verdict, then the records as master-file lines.
enum DNSLookupText {
    static func render(_ lookup: DNSLookup) -> String {
        let q = lookup.question
        let via = lookup.transport == "zone" ? "" : " over \(lookup.transport)"
        let origin =
            lookup.fromCache ? "from the cache" : "from \(lookup.source)\(via) in \(formatMilliseconds(lookup.elapsed))"
        var lines: [String] = []
        switch lookup.outcome {
        case .records(let records):
            lines.append(";; \(q.name) \(q.type): \(records.count) record\(records.count == 1 ? "" : "s") \(origin)")
        case .nxdomain:
            lines.append(";; \(q.name) \(q.type): NXDOMAIN, \(lookup.canonicalName) does not exist (\(origin))")
        case .nodata:
            lines.append(
                ";; \(q.name) \(q.type): NODATA, \(lookup.canonicalName) exists but has no \(q.type) records "
                    + "(\(origin))"
            )
        case .failure(let failure):
            lines.append(
                ";; \(q.name) \(q.type): FAILURE (\(failure.kind.rawValue)) after "
                    + "\(formatMilliseconds(lookup.elapsed)); whether records exist is unknown"
            )
            lines.append(";; \(failure.detail)")
        }
        for link in lookup.cnameChain { lines.append(link.description) }
        for record in lookup.records { lines.append(record.description) }
        return lines.joined(separator: "\n")
    }
}
