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

    /// gzip, with the output bounded by size and by expansion ratio.
    static func gunzip(_ bytes: [UInt8], limits: FeedbackLimits) throws(FeedbackError) -> [UInt8] {
        let bound = limits.outputBound(compressed: bytes.count)
        var buffer = ByteBuffer(bytes: bytes)
        do {
            var inflated = try buffer.decompress(with: .gzip(), maxSize: bound)
            return inflated.readBytes(length: inflated.readableBytes) ?? []
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw FeedbackError("gzip data expands past \(bound) bytes (from \(bytes.count)): refused as a bomb")
        } catch {
            throw FeedbackError("gzip data is corrupt or truncated")
        }
    }

    /// The files in a zip archive (at most `maxParts`), each bounded like gzip.
    static func unzip(_ bytes: [UInt8], limits: FeedbackLimits) throws(FeedbackError) -> [(String, [UInt8])] {
        // ZIPFoundation's in-memory reader traps when an offset in the archive points past its end
        // (found by the feedback-report fuzz target), and its file reader leaks a path per archive;
        // so every offset is checked first, and the archive is read from memory.
        try ZipBounds.check(bytes)
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw FeedbackError("not a readable zip archive")
        }
        var files: [(String, [UInt8])] = []
        let bound = limits.outputBound(compressed: bytes.count)
        var total = 0
        for entry in archive where entry.type == .file {
            guard files.count < limits.maxParts else {
                throw FeedbackError("more than \(limits.maxParts) files in a zip")
            }
            var content: [UInt8] = []
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    total += chunk.count
                    guard total <= bound else { throw ZipBound.exceeded }
                    content.append(contentsOf: chunk)
                }
            } catch ZipBound.exceeded {
                throw FeedbackError("zip content expands past \(bound) bytes (from \(bytes.count)): refused as a bomb")
            } catch {
                throw FeedbackError("zip entry \(entry.path) is corrupt or truncated")
            }
            files.append((entry.path, content))
        }
        return files
    }

    private enum ZipBound: Error { case exceeded }

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
