import Crypto
import _CryptoExtras

/// The signing algorithms of RFC 6376 §3.3 and RFC 8463 §3. rsa-sha1 is parsed so that it can be
/// reported, but never verifies (RFC 8301 §3.1).
public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable {
    case rsaSha256 = "rsa-sha256"
    case ed25519Sha256 = "ed25519-sha256"
    case rsaSha1 = "rsa-sha1"

    var keyType: String { self == .ed25519Sha256 ? "ed25519" : "rsa" }
    var hashName: String { self == .rsaSha1 ? "sha1" : "sha256" }
}

/// A verification key from DNS (RFC 6376 §3.6.1), decoded.
public enum PublicKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    /// RFC 8301 §3.2: RSA keys under 1024 bits must not be used.
    public static let minimumRSABits = 1024

    public var bits: Int {
        switch self {
        case .rsa(let k): k.keySizeInBits
        case .ed25519: 256
        }
    }

    /// Checks `signature` over `data` — the canonicalized header data, hashed with SHA-256 first
    /// (RFC 6376 §3.7; for Ed25519 the hash is what is signed, RFC 8463 §3).
    func isValid(signature: [UInt8], over data: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: data)
        switch self {
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: Array(digest))
        }
    }
}

/// A signing key, read from PEM (PKCS#1 or PKCS#8 RSA; PKCS#8 Ed25519) or, for Ed25519, the
/// base64 32-byte seed dkimpy writes.
public enum PrivateKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    public init(pem text: String) throws(KeyError) {
        let trimmed = text.trimmingFWS
        if trimmed.contains("RSA PRIVATE KEY")
            || (trimmed.contains("PRIVATE KEY") && !Self.looksLikeEd25519PKCS8(trimmed))
        {
            do { self = .rsa(try _RSA.Signing.PrivateKey(unsafePEMRepresentation: trimmed)) } catch {
                throw .unreadable("not an RSA private key of at least 1024 bits: \(error)")
            }
            return
        }
        let base64 = trimmed.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Base64.decode(base64) else { throw .unreadable("not PEM or base64") }
        // PKCS#8 Ed25519 (RFC 8410 §7): a fixed 16-byte prefix then the 32-byte seed.
        let seed: [UInt8] = der.count == 48 ? Array(der.suffix(32)) : der
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .unreadable("not an RSA or Ed25519 private key")
        }
        self = .ed25519(key)
    }

    static func looksLikeEd25519PKCS8(_ pem: String) -> Bool {
        let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Base64.decode(base64) else { return false }
        return der.count == 48
            && der.starts(with: [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70])
    }

    public var algorithm: SigningAlgorithm {
        switch self {
        case .rsa: .rsaSha256
        case .ed25519: .ed25519Sha256
        }
    }

    func sign(_ data: [UInt8]) throws(KeyError) -> [UInt8] {
        let digest = SHA256.hash(data: data)
        do {
            switch self {
            case .rsa(let key):
                return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
            case .ed25519(let key):
                return Array(try key.signature(for: Array(digest)))
            }
        } catch { throw .signingFailed("\(error)") }
    }

    /// The `p=` value to publish for this key.
    public var publicKeyRecordValue: String {
        switch self {
        case .rsa(let key): Base64.encode(Array(key.publicKey.derRepresentation))
        case .ed25519(let key): Base64.encode(Array(key.publicKey.rawRepresentation))
        }
    }
}

public enum KeyError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    case signingFailed(String)

    public var description: String {
        switch self {
        case .unreadable(let s): "cannot read the key: \(s)"
        case .signingFailed(let s): "signing failed: \(s)"
        }
    }
}
