import MXRayAuth
import MXRayDNS
import MXRayFeedback
import MXRayInbound
import MXRayMessage
import MXRayMilter
import MXRaySMTP
import NIOCore
import NIOEmbedded

#if canImport(Glibc)
    import Glibc
#endif

/// Every parser that takes bytes from others, each a libFuzzer target chosen by `MXRAY_FUZZ`.
/// A parser may refuse its input with an error; it must never crash, hang or grow without bound.
enum FuzzTarget: String, CaseIterable {
    case dnsWire = "dns-wire"
    case zoneFile = "zone-file"
    case message
    case received
    case authenticationResults = "authentication-results"
    case tagList = "tag-list"
    case spf
    case dmarc
    case mtaSTSPolicy = "mta-sts-policy"
    case smtpReply = "smtp-reply"
    case milterPacket = "milter-packet"
    /// A report input as ingest sees it: XML, JSON, gzip, zip or a MIME message.
    case feedbackReport = "feedback-report"
    case imapResponse = "imap-response"
    /// Body canonicalization and its hash, against a plain reference (a differential oracle).
    case bodyCanonicalization = "body-canonicalization"

    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .dnsWire:
            if let m = try? DNSMessage(decoding: bytes) { _ = try? m.encoded() }
        case .zoneFile:
            _ = try? ZoneFile(parsing: bytes)
        case .message:
            if let m = try? Message(bytes: bytes) { _ = m.fields.count }
        case .received:
            _ = ReceivedField(parsing: text)
        case .authenticationResults:
            _ = try? AuthenticationResults(parsing: text)
        case .tagList:
            _ = try? TagList(parsing: text)
            _ = try? KeyRecord(parsing: text)
            // The DKIM-Signature and ARC tags on top of the list: h=, c=, d=, s=, t=, x=, l= and base64.
            _ = try? SignatureFields(value: text, kind: .dkim)
            _ = try? SignatureFields(value: text, kind: .arcSeal)
        case .spf:
            _ = try? SPFRecord(parsing: text)
        case .dmarc:
            _ = try? DMARCRecord(parsing: text)
        case .mtaSTSPolicy:
            _ = try? MTASTSPolicy(parsing: text)
            _ = try? MTASTSRecord(parsing: text)
            _ = try? TLSRPTRecord(parsing: text)
        case .smtpReply:
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
            _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
            while (try? channel.readInbound(as: SMTPReply.self)) != nil {}
            _ = try? channel.finish()
        case .milterPacket:
            _ = try? MilterCommand(packet: ByteBuffer(bytes: bytes))
        case .feedbackReport:
            // Bounds of 1 MB: the 64 MB default is by design, and inflating it under ASan outruns 5 s per input.
            _ = ReportUnpacker.reports(
                in: bytes, name: "fuzz", limits: FeedbackLimits(maxDocumentBytes: 1 << 20, ratioFloorBytes: 1 << 16))
        case .imapResponse:
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(IMAPResponseDecoder(maxLiteralBytes: 1 << 16)))
            _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
            while (try? channel.readInbound(as: IMAPResponse.self)) != nil {}
            _ = try? channel.finish()
        case .bodyCanonicalization:
            BodyCanonicalizationOracle.check(bytes)
        }
    }
}

/// The target named by `MXRAY_FUZZ`, read once.
let selected: FuzzTarget? = {
    guard let name = getenv("MXRAY_FUZZ").map({ String(cString: $0) }) else { return nil }
    return FuzzTarget(rawValue: name)
}()

/// libFuzzer's entry point (with `-sanitize=fuzzer`), and the replay driver's.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let target = selected else {
        fatalError("set MXRAY_FUZZ to one of: " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    }
    target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
