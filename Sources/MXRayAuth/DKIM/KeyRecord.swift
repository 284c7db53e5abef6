import Crypto
import _CryptoExtras

/// A DKIM key record at `selector._domainkey.domain` (RFC 6376 §3.6.1), with its key decoded.
public struct KeyRecord: Sendable {
    public var tags: TagList
    /// Nil when `p=` is empty: the key was revoked (RFC 6376 §3.6.1).
    public var key: PublicKey?
    public var keyType: String
    /// `h=`: hash algorithms the key may be used with; nil allows all.
    public var hashAlgorithms: [String]?
    /// `t=y`: the domain is testing DKIM.
    public var testing: Bool
    /// `t=s`: the i= domain must equal d= exactly.
    public var strict: Bool

    /// Parses a key record. Unknown tags are ignored; a wrong v=, an unknown k=, bad base64 or a
    /// key that does not decode make the record unusable.
    public init(parsing text: String) throws(KeyRecordError) {
        do { tags = try TagList(parsing: text) } catch { throw .syntax("\(error)") }
        if let v = tags["v"] {
            // RFC 6376 §3.6.1: if present, v= must be first and equal DKIM1.
            guard v == "DKIM1", tags.tags.first?.name == "v" else {
                throw .syntax("v=\(v) is not DKIM1 in first position")
            }
        }
        keyType = tags["k"] ?? "rsa"
        hashAlgorithms = tags["h"].map { $0.split(separator: ":").map { $0.trimmingFWS } }
        let flags = (tags["t"] ?? "").split(separator: ":").map { $0.trimmingFWS }
        testing = flags.contains("y")
        strict = flags.contains("s")
        if let services = tags["s"] {
            let list = services.split(separator: ":").map { $0.trimmingFWS }
            guard list.contains("*") || list.contains("email") else { throw .notForEmail(services) }
        }
        guard let p = tags["p"] else { throw .syntax("no p= tag") }
        if p.isEmpty {
            key = nil
            return
        }
        guard let der = Base64.decode(p) else { throw .syntax("p= is not base64") }
        switch keyType {
        case "rsa":
            do { key = .rsa(try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)) } catch {
                // The unsafe initialiser still refuses keys under 1024 bits; tell the two apart.
                if let bits = Self.rsaModulusBits(der), bits < PublicKey.minimumRSABits { throw .keyTooSmall(bits) }
                throw .badKey("p= does not hold an RSA public key")
            }
        case "ed25519":
            guard der.count == 32, let k = try? Curve25519.Signing.PublicKey(rawRepresentation: der) else {
                throw .badKey("p= does not hold a 32-byte Ed25519 public key")
            }
            key = .ed25519(k)
        default:
            throw .unknownKeyType(keyType)
        }
    }

    /// The key to check an `algorithm` signature with, or why this record cannot give one
    /// (RFC 6376 §3.6.1: an empty p= is a revoked key; k= must match the algorithm).
    func key(for algorithm: SigningAlgorithm, named name: String) -> Result<PublicKey, KeyUseError> {
        guard let key else { return .failure(KeyUseError("key revoked: the key record has an empty p=")) }
        guard keyType == algorithm.keyType else {
            return .failure(KeyUseError("key type k=\(keyType) does not match a=\(name)"))
        }
        return .success(key)
    }

    /// Reads the modulus length out of an SPKI or PKCS#1 DER public key, for the error message.
    static func rsaModulusBits(_ der: [UInt8]) -> Int? {
        // Only for bytes shaped like an RSA key: SubjectPublicKeyInfo naming rsaEncryption
        // (1.2.840.113549.1.1.1), or a PKCS#1 SEQUENCE whose first element is an INTEGER.
        let rsaOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        guard der.count > 4, der[0] == 0x30 else { return nil }
        let headerLength = der[1] & 0x80 == 0 ? 2 : 2 + Int(der[1] & 0x7F)
        guard headerLength < der.count else { return nil }
        // (A key shorter than the OID cannot hold it: the range below would be empty and invalid.)
        let isSPKI =
            der.count >= rsaOID.count
            && (0...(der.count - rsaOID.count)).contains { der[$0..<($0 + rsaOID.count)].elementsEqual(rsaOID) }
        guard isSPKI || der[headerLength] == 0x02 else { return nil }
        // Find the first INTEGER (0x02) long enough to be a modulus; skip its leading zero.
        var i = 0
        while i + 2 < der.count {
            if der[i] == 0x02 {
                var length = Int(der[i + 1]), header = 2
                if length & 0x80 != 0 {
                    let count = length & 0x7f
                    guard count <= 2, i + 2 + count <= der.count else { return nil }
                    length = der[(i + 2)..<(i + 2 + count)].reduce(0) { $0 << 8 | Int($1) }
                    header = 2 + count
                }
                guard i + header < der.count else { return nil }
                let leadingZero = der[i + header] == 0 ? 1 : 0
                if length > 16 { return (length - leadingZero) * 8 }
            }
            i += 1
        }
        return nil
    }
}

public enum KeyRecordError: Error, Sendable, CustomStringConvertible {
    case syntax(String)
    case badKey(String)
    case keyTooSmall(Int)
    case unknownKeyType(String)
    case notForEmail(String)

    public var description: String {
        switch self {
        case .syntax(let s): "key record syntax: \(s)"
        case .badKey(let s): "key record: \(s)"
        case .keyTooSmall(let bits): "RSA key of \(bits) bits is below the 1024-bit minimum (RFC 8301 §3.2)"
        case .unknownKeyType(let k): "key record has unknown key type k=\(k)"
        case .notForEmail(let s): "key record service s=\(s) does not include email"
        }
    }
}

/// Why a key record's key cannot check a signature.
struct KeyUseError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
