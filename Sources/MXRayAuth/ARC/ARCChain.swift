import MXRayMessage

/// The ARC header fields of a message grouped into sets by instance (RFC 8617 §4.1, §5.2 step 1).
struct ARCChain {
    /// RFC 8617 §4.2.1: a chain has at most 50 sets.
    static let maxInstances = 50

    struct Set {
        var instance: Int
        var aar: HeaderField
        var ams: HeaderField
        var amsIndex: Int
        var seal: HeaderField
        /// The AMS and AS tags, parsed once when the chain is read.
        var amsTags: TagList
        var sealTags: TagList
        /// The seal's cv= (RFC 8617 §4.1.3), typed; nil when missing or invalid.
        var chainValidation: ARCResult? { sealTags["cv"].flatMap(ARCResult.init(rawValue:)) }
    }

    var sets: [Set]

    /// Any ARC field at all.
    static func hasARC(_ message: Message) -> Bool {
        message.fields.contains {
            $0.is("ARC-Seal") || $0.is("ARC-Message-Signature") || $0.is("ARC-Authentication-Results")
        }
    }

    /// Groups the fields; a structural problem throws with the reason (the chain then fails).
    init(_ message: Message) throws(ARCError) {
        var aars: [Int: HeaderField] = [:], amss: [Int: (HeaderField, Int, TagList)] = [:],
            seals: [Int: (HeaderField, TagList)] = [:]
        for (index, field) in message.fields.enumerated() {
            if field.is("ARC-Authentication-Results") {
                let i = try Self.aarInstance(field.value)
                guard aars[i] == nil else {
                    throw .structure("more than one ARC-Authentication-Results with i=\(i)", i)
                }
                aars[i] = field
            } else if field.is("ARC-Message-Signature") || field.is("ARC-Seal") {
                let name = field.is("ARC-Seal") ? "ARC-Seal" : "ARC-Message-Signature"
                let tags: TagList
                do { tags = try TagList(parsing: field.value) } catch {
                    throw .structure("\(name) is malformed: \(error)", nil)
                }
                guard let text = tags["i"], let i = Int(text), text.allSatisfy(\.isASCIIDigit), i >= 1 else {
                    throw .structure("\(name) has no valid i= instance", nil)
                }
                guard i <= Self.maxInstances else {
                    throw .structure("\(name) i=\(i) exceeds the limit of \(Self.maxInstances) sets", i)
                }
                if name == "ARC-Seal" {
                    guard seals[i] == nil else { throw .structure("more than one ARC-Seal with i=\(i)", i) }
                    seals[i] = (field, tags)
                } else {
                    guard amss[i] == nil else { throw .structure("more than one ARC-Message-Signature with i=\(i)", i) }
                    amss[i] = (field, index, tags)
                }
            }
        }
        let highest = max(aars.keys.max() ?? 0, amss.keys.max() ?? 0, seals.keys.max() ?? 0)
        var sets: [Set] = []
        for i in stride(from: 1, through: highest, by: 1) {
            guard let aar = aars[i] else { throw .structure("ARC set \(i) has no ARC-Authentication-Results", i) }
            guard let (ams, amsIndex, amsTags) = amss[i] else {
                throw .structure("ARC set \(i) has no ARC-Message-Signature", i)
            }
            guard let (seal, sealTags) = seals[i] else { throw .structure("ARC set \(i) has no ARC-Seal", i) }
            sets.append(
                Set(
                    instance: i, aar: aar, ams: ams, amsIndex: amsIndex, seal: seal, amsTags: amsTags,
                    sealTags: sealTags))
        }
        self.sets = sets
    }

    /// RFC 8617 §4.1.1: the AAR value starts with `i=N;`.
    static func aarInstance(_ value: String) throws(ARCError) -> Int {
        let trimmed = value.trimmingFWS
        guard trimmed.hasPrefix("i") else { throw .structure("ARC-Authentication-Results does not start with i=", nil) }
        let afterI = trimmed.dropFirst().trimmingFWS
        guard afterI.hasPrefix("=") else { throw .structure("ARC-Authentication-Results does not start with i=", nil) }
        let rest = afterI.dropFirst().trimmingFWS
        let digits = rest.prefix { $0.isASCIIDigit }
        guard let i = Int(digits), i >= 1, i <= maxInstances, rest.dropFirst(digits.count).trimmingFWS.hasPrefix(";")
        else {
            throw .structure("ARC-Authentication-Results has no valid \"i=N;\" prefix", nil)
        }
        return i
    }
}

public enum ARCError: Error, Sendable, CustomStringConvertible {
    case structure(String, Int?)
    case chainFailed(Int)
    case key(KeyError)
    case tooManySets

    public var description: String {
        switch self {
        case .structure(let s, _): s
        case .chainFailed(let i):
            "the chain already failed (ARC-Seal i=\(i) says cv=fail); RFC 8617 §5.1.2 says not to extend it"
        case .key(let e): "\(e)"
        case .tooManySets: "the chain already has \(ARCChain.maxInstances) sets (RFC 8617 §4.2.1)"
        }
    }
}
