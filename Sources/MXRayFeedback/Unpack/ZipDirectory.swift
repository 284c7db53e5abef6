/// The files of a zip archive, read from its central directory (APPNOTE.TXT §4.3), with every
/// structure checked to lie inside the bytes before it is used. ZIP64 and encrypted entries are
/// refused; reports are small and never encrypted.
///
/// mxray reads the directory itself because ZIPFoundation's reader fails three ways on hostile
/// archives (each found by the feedback-report fuzz target): it traps on an offset past the end,
/// leaks the archive when the end record's comment runs past the end, and loops forever on a
/// deflate stream that does not end. Inflating is compress-nio's, the CRC-32 ZIPFoundation's.
struct ZipDirectory {
    struct Entry {
        var name: String
        /// 0 stored, 8 deflated (APPNOTE.TXT §4.4.5).
        var method: Int
        var crc32: UInt32
        var data: Range<Int>
        var uncompressedSize: Int
        var isDirectory: Bool { name.hasSuffix("/") }
    }

    var entries: [Entry] = []

    init(_ b: [UInt8]) throws(FeedbackError) {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        func signature(_ i: Int, _ s: [UInt8]) -> Bool { i >= 0 && i + 4 <= b.count && Array(b[i..<i + 4]) == s }
        let bad = FeedbackError("not a readable zip archive (an offset points outside it)")
        let zip64 = FeedbackError("ZIP64 archives are not accepted")
        guard b.count >= 22 else { throw bad }
        // The end-of-central-directory record: the last one within the final 22 + 65,535 bytes.
        var eocd = b.count - 22
        let floor = max(0, b.count - 22 - 65_535)
        while eocd >= floor && !signature(eocd, [0x50, 0x4B, 0x05, 0x06]) { eocd -= 1 }
        guard eocd >= floor else { throw FeedbackError("not a readable zip archive (no end record)") }
        let count = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        guard count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else { throw zip64 }
        guard offset + size <= eocd, eocd + 22 + u16(eocd + 20) <= b.count else { throw bad }
        var p = offset
        for _ in 0..<count {
            guard p + 46 <= offset + size, signature(p, [0x50, 0x4B, 0x01, 0x02]) else { throw bad }
            let flags = u16(p + 8), method = u16(p + 10), crc = UInt32(u32(p + 16))
            let compressed = u32(p + 20), uncompressed = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            let local = u32(p + 42)
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw zip64 }
            guard p + 46 + nameLength <= offset + size else { throw bad }
            let name = String(decoding: b[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            p += 46 + nameLength + extraLength + commentLength
            guard p <= offset + size else { throw bad }
            guard local + 30 <= eocd, signature(local, [0x50, 0x4B, 0x03, 0x04]) else { throw bad }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= eocd else { throw bad }
            guard flags & 1 == 0 else { throw FeedbackError("zip entry \(name) is encrypted") }
            entries.append(
                Entry(
                    name: name, method: method, crc32: crc, data: start..<(start + compressed),
                    uncompressedSize: uncompressed))
        }
    }
}
