import CompressNIO
import Foundation
import MXRayMessage
import NIOCore
import ZIPFoundation

/// One report found in an input, or why a part of it could not be read.
public struct UnpackedReport: Sendable {
    /// Where in the input: `report.xml.gz`, `message part 2 (google.com!example.com!1.zip)`.
    public var part: String
    public var outcome: Result<FeedbackReport, FeedbackError>
}

/// Finds the reports in one input, whatever wraps them: gzip (RFC 1952), zip, a MIME message
/// (RFC 2045/2046) with reports attached (RFC 7489 §7.2.1.1, RFC 8460 §5.3), or the XML or JSON itself.
/// Nothing here throws: every part that cannot be read becomes an outcome with its reason.
public enum ReportUnpacker {
    static let maxNesting = 4

    public static func reports(in bytes: [UInt8], name: String, limits: FeedbackLimits = .standard)
        -> [UnpackedReport]
    {
        var out: [UnpackedReport] = []
        unpack(bytes, part: name, depth: 0, limits: limits, into: &out)
        if out.isEmpty {
            out.append(.init(part: name, outcome: .failure(FeedbackError("no DMARC or TLS report found"))))
        }
        return out
    }

    private static func unpack(
        _ bytes: [UInt8], part: String, depth: Int, limits: FeedbackLimits, into out: inout [UnpackedReport]
    ) {
        func fail(_ reason: String) { out.append(.init(part: part, outcome: .failure(FeedbackError(reason)))) }
        guard depth <= maxNesting else { return fail("wrapped more than \(maxNesting) times") }
        switch Kind.sniff(bytes) {
        case .gzip:
            do {
                let inner = try gunzip(bytes, limits: limits)
                unpack(inner, part: part, depth: depth + 1, limits: limits, into: &out)
            } catch { fail(error.description) }
        case .zip:
            do {
                let entries = try unzip(bytes, limits: limits)
                if entries.isEmpty { fail("the zip archive holds no file") }
                for (entryName, inner) in entries {
                    unpack(inner, part: part + "/" + entryName, depth: depth + 1, limits: limits, into: &out)
                }
            } catch { fail(error.description) }
        case .xml:
            do {
                out.append(
                    .init(part: part, outcome: .success(.dmarc(try DMARCReportParser.parse(bytes, limits: limits)))))
            } catch { fail(error.description) }
        case .json:
            do {
                out.append(.init(part: part, outcome: .success(.tls(try TLSReportParser.parse(bytes, limits: limits)))))
            } catch { fail(error.description) }
        case .other:
            guard depth == 0 || depth == 1, let message = try? Message(bytes: bytes), !message.fields.isEmpty else {
                return fail("neither XML, JSON, gzip, zip nor a message")
            }
            do {
                let leaves = try MIMEParts.leaves(of: message, limit: limits.maxParts)
                var index = 0
                for leaf in leaves where leaf.mayCarryReport {
                    index += 1
                    let label = part + " part \(index)" + (leaf.fileName.map { " (\($0))" } ?? "")
                    unpack(leaf.content, part: label, depth: depth + 1, limits: limits, into: &out)
                }
            } catch { fail(error.description) }
        }
    }

    /// gzip, with the output bounded by size and by expansion ratio. compress-nio returns what it
    /// inflated when the input ends early, so the length is checked against the trailer's ISIZE
    /// (RFC 1952 §2.3.1; zlib checks the CRC only when the stream is whole).
    static func gunzip(_ bytes: [UInt8], limits: FeedbackLimits) throws(FeedbackError) -> [UInt8] {
        let bound = limits.outputBound(compressed: bytes.count)
        var buffer = ByteBuffer(bytes: bytes)
        let corrupt = FeedbackError("gzip data is corrupt or truncated")
        do {
            var inflated = try buffer.decompress(with: .gzip(), maxSize: bound)
            let size = bytes.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            guard bytes.count >= 18, inflated.readableBytes % (1 << 32) == size else { throw corrupt }
            return inflated.readBytes(length: inflated.readableBytes) ?? []
        } catch let error as FeedbackError {
            throw error
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw FeedbackError("gzip data expands past \(bound) bytes (from \(bytes.count)): refused as a bomb")
        } catch {
            throw corrupt
        }
    }

    /// The files in a zip archive (at most `maxParts`), bounded together like gzip; each file's
    /// size and CRC-32 are checked against the central directory, so a truncated entry is caught.
    static func unzip(_ bytes: [UInt8], limits: FeedbackLimits) throws(FeedbackError) -> [(String, [UInt8])] {
        let directory = try ZipDirectory(bytes)
        var files: [(String, [UInt8])] = []
        let bound = limits.outputBound(compressed: bytes.count)
        var total = 0
        for entry in directory.entries where !entry.isDirectory {
            guard files.count < limits.maxParts else {
                throw FeedbackError("more than \(limits.maxParts) files in a zip")
            }
            guard entry.uncompressedSize <= bound - total else {
                throw FeedbackError("zip content expands past \(bound) bytes (from \(bytes.count)): refused as a bomb")
            }
            let content: [UInt8]
            switch entry.method {
            case 0:
                content = Array(bytes[entry.data])
            case 8:
                var buffer = ByteBuffer(bytes: bytes[entry.data])
                do {
                    // One byte past the declared size, so an entry that lies about its size fails below.
                    var inflated = try buffer.decompress(with: .deflate(), maxSize: entry.uncompressedSize + 1)
                    content = inflated.readBytes(length: inflated.readableBytes) ?? []
                } catch {
                    throw FeedbackError("zip entry \(entry.name) is corrupt, truncated or larger than it says")
                }
            default:
                throw FeedbackError("zip entry \(entry.name) uses compression method \(entry.method), not deflate")
            }
            guard content.count == entry.uncompressedSize,
                Data(content).crc32(checksum: 0) == entry.crc32
            else { throw FeedbackError("zip entry \(entry.name) is corrupt or truncated (size or CRC-32 differs)") }
            total += content.count
            files.append((entry.name, content))
        }
        return files
    }

    enum Kind {
        case gzip, zip, xml, json, other

        static func sniff(_ bytes: [UInt8]) -> Kind {
            if bytes.starts(with: [0x1F, 0x8B]) { return .gzip }
            if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
            var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
            guard i < bytes.count else { return .other }
            if bytes[i] == UInt8(ascii: "<") { return .xml }
            if bytes[i] == UInt8(ascii: "{") { return .json }
            return .other
        }
    }
}

extension FeedbackLimits {
    /// The most a compressed document of this size may expand to.
    func outputBound(compressed: Int) -> Int {
        min(
            maxDocumentBytes,
            max(ratioFloorBytes, compressed.multipliedReportingOverflow(by: maxExpansionRatio).partialValue))
    }
}

extension MIMEPart {
    /// A part worth opening: a named attachment, or a type reports are sent as. A text body part
    /// ("This is a DMARC report") is not.
    var mayCarryReport: Bool {
        if let name = fileName?.lowercased(),
            [".xml", ".gz", ".zip", ".json", ".gzip"].contains(where: { name.hasSuffix($0) })
        {
            return true
        }
        return ["xml", "json", "gzip", "zip", "octet-stream", "tlsrpt"].contains { mediaType.contains($0) }
    }
}
