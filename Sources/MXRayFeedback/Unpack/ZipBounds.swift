/// Checks, before ZIPFoundation reads an archive from memory, that every structure it will seek to
/// lies inside the bytes: the end-of-central-directory record, the central directory, each local
/// header and each entry's data (APPNOTE.TXT §4.3). ZIP64 archives are refused; reports are small.
/// This reads offsets only; ZIPFoundation still does all the reading and inflating.
enum ZipBounds {
    static func check(_ b: [UInt8]) throws(FeedbackError) {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        func signature(_ i: Int, _ s: [UInt8]) -> Bool { i >= 0 && i + 4 <= b.count && Array(b[i..<i + 4]) == s }
        let bad = FeedbackError("not a readable zip archive (an offset points outside it)")
        guard b.count >= 22 else { throw bad }
        // The end-of-central-directory record: the last one within the final 22 + 65,535 bytes.
        var eocd = b.count - 22
        let floor = max(0, b.count - 22 - 65_535)
        while eocd >= floor && !signature(eocd, [0x50, 0x4B, 0x05, 0x06]) { eocd -= 1 }
        guard eocd >= floor else { throw FeedbackError("not a readable zip archive (no end record)") }
        let entries = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        guard entries != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else {
            throw FeedbackError("ZIP64 archives are not accepted")
        }
        guard offset + size <= eocd else { throw bad }
        var p = offset
        for _ in 0..<entries {
            guard p + 46 <= offset + size, signature(p, [0x50, 0x4B, 0x01, 0x02]) else { throw bad }
            let compressed = u32(p + 20), nameLength = u16(p + 28), extraLength = u16(p + 30)
            let commentLength = u16(p + 32), local = u32(p + 42)
            guard compressed != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw FeedbackError("ZIP64 archives are not accepted")
            }
            p += 46 + nameLength + extraLength + commentLength
            guard p <= offset + size else { throw bad }
            guard local + 30 <= eocd, signature(local, [0x50, 0x4B, 0x03, 0x04]) else { throw bad }
            guard local + 30 + u16(local + 26) + u16(local + 28) + compressed <= eocd else { throw bad }
        }
    }
}
