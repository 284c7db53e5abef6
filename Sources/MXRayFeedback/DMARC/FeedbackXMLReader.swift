import CLibXML2
import Foundation

/// Reads the elements of a DMARC aggregate report (RFC 7489 Appendix C) with libxml2's SAX2
/// interface, straight into the `WireFeedback` strings: no tree and no per-element Foundation
/// objects. Elements are taken only under the parent the schema gives them (a `dkim` under
/// `policy_evaluated` is a verdict, under `auth_results` a result set); unknown elements, such as
/// extensions, are skipped with their content. Names are local names (namespaces are processed), so
/// RFC 7489 and DMARCbis documents read alike. No entity is loaded or substituted: the caller has
/// refused any DTD, and the parser is given no entity or external-subset handler.
final class FeedbackXMLReader {
    private var wire = WireFeedback()
    private var path: [String] = []
    private var text: [UInt8] = []
    private var record = WireFeedback.WireRecord()
    private var reason = WireFeedback.WireReason()
    private var dkim = WireFeedback.WireDKIM()
    private var spf = WireFeedback.WireSPF()
    private var rootName: String?
    private var errorCode: Int32 = 0

    /// libxml2's global state is set up once, before any thread parses (its documented rule).
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// Element nesting past this is refused (libxml2's own limit is 256).
    static let maxDepth = 64

    func read(_ bytes: ArraySlice<UInt8>) throws -> WireFeedback {
        _ = Self.initialised
        guard bytes.count < Int(Int32.max) else { throw FeedbackError("the document is too large") }
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = { context, name, _, _, _, _, _, _, _ in
            guard let context, let name else { return }
            Unmanaged<FeedbackXMLReader>.fromOpaque(context).takeUnretainedValue().start(String(cString: name))
        }
        handler.endElementNs = { context, name, _, _ in
            guard let context, let name else { return }
            Unmanaged<FeedbackXMLReader>.fromOpaque(context).takeUnretainedValue().end(String(cString: name))
        }
        handler.characters = { context, characters, length in
            guard let context, let characters, length > 0 else { return }
            let reader = Unmanaged<FeedbackXMLReader>.fromOpaque(context).takeUnretainedValue()
            reader.text.append(contentsOf: UnsafeBufferPointer(start: characters, count: Int(length)))
        }
        handler.cdataBlock = handler.characters
        handler.serror = { context, error in
            guard let context, let error else { return }
            let reader = Unmanaged<FeedbackXMLReader>.fromOpaque(context).takeUnretainedValue()
            if reader.errorCode == 0, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                reader.errorCode = error.pointee.code
            }
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlSAXUserParseMemory(&handler, me, chars.baseAddress, Int32(chars.count))
            }
        }
        if errorCode != 0 || status != 0 {
            throw FeedbackError(
                "the XML is not well-formed: " + XMLSafety.libxml2Reason(Int(errorCode != 0 ? errorCode : status)))
        }
        guard rootName == "feedback" else {
            throw FeedbackError("the root element is <\(rootName ?? "")>, not <feedback>")
        }
        return wire
    }

    private func start(_ name: String) {
        if rootName == nil { rootName = name }
        guard path.count < Self.maxDepth else {
            if errorCode == 0 { errorCode = -1 }
            return
        }
        let parent = path.last
        path.append(name)
        text.removeAll(keepingCapacity: true)
        switch (parent, name) {
        case ("feedback", "record"): record = .init()
        case ("policy_evaluated", "reason"): reason = .init()
        case ("auth_results", "dkim"): dkim = .init()
        case ("auth_results", "spf"): spf = .init()
        default: break
        }
    }

    /// Switches on the element's own name first, then checks its parents: one comparison per
    /// candidate instead of three, and the value is made into a String only when it is kept.
    private func end(_ name: String) {
        guard !path.isEmpty else { return }
        path.removeLast()
        let parent = path.last ?? ""
        let grandparent = path.count >= 2 ? path[path.count - 2] : ""
        var value: String { String(decoding: text, as: UTF8.self) }
        defer { text.removeAll(keepingCapacity: true) }
        switch name {
        case "record" where parent == "feedback": wire.record.append(record)
        case "row" where parent == "record": record.hasRow = true
        case "source_ip" where parent == "row": record.row.source_ip = value
        case "count" where parent == "row": record.row.count = value
        case "policy_evaluated" where parent == "row": record.hasRow = true
        case "disposition" where parent == "policy_evaluated": record.row.policy_evaluated.disposition = value
        case "dkim" where parent == "policy_evaluated": record.row.policy_evaluated.dkim = value
        case "spf" where parent == "policy_evaluated": record.row.policy_evaluated.spf = value
        case "dkim" where parent == "auth_results": record.auth_results.dkim.append(dkim)
        case "spf" where parent == "auth_results": record.auth_results.spf.append(spf)
        case "reason" where parent == "policy_evaluated": record.row.policy_evaluated.reason.append(reason)
        case "type" where parent == "reason": reason.type = value
        case "comment" where parent == "reason": reason.comment = value
        case "header_from" where parent == "identifiers": record.identifiers.header_from = value
        case "envelope_from" where parent == "identifiers": record.identifiers.envelope_from = value
        case "envelope_to" where parent == "identifiers": record.identifiers.envelope_to = value
        case "domain" where grandparent == "auth_results" && parent == "dkim": dkim.domain = value
        case "selector" where grandparent == "auth_results" && parent == "dkim": dkim.selector = value
        case "result" where grandparent == "auth_results" && parent == "dkim": dkim.result = value
        case "domain" where grandparent == "auth_results" && parent == "spf": spf.domain = value
        case "scope" where grandparent == "auth_results" && parent == "spf": spf.scope = value
        case "result" where grandparent == "auth_results" && parent == "spf": spf.result = value
        case _ where parent == "policy_published" && grandparent == "feedback": wire.policy_published.set(name, value)
        case "version" where parent == "feedback": wire.version = value
        case "report_metadata" where parent == "feedback": wire.hasMetadata = true
        case "org_name" where parent == "report_metadata": wire.report_metadata.org_name = value
        case "email" where parent == "report_metadata": wire.report_metadata.email = value
        case "report_id" where parent == "report_metadata": wire.report_metadata.report_id = value
        case "error" where parent == "report_metadata": wire.report_metadata.error.append(value)
        case "date_range" where parent == "report_metadata": wire.report_metadata.hasDateRange = true
        case "begin" where parent == "date_range" && grandparent == "report_metadata":
            wire.report_metadata.date_range.begin = value
        case "end" where parent == "date_range" && grandparent == "report_metadata":
            wire.report_metadata.date_range.end = value
        default: break
        }
    }
}
