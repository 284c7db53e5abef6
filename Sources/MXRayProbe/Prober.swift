import Foundation
import MXRayDNS
import MXRayInbound
import MXRaySMTP
import NIOSSL
import X509

/// Probes every address of every MX host of a domain over SMTP, concurrently up to a bound.
public struct Prober: Sendable {
    public struct Options: Sendable {
        public var recipients: [String]
        public var mailFrom: String?
        public var helo: String
        public var port: Int = 25
        /// Each phase (connect, banner, each command, the TLS handshake) waits at most this long.
        public var timeout: Duration = .seconds(10)
        public var caFile: String?
        /// Sessions at the same time.
        public var concurrency: Int = 32
        public var now: Int64

        public init(recipients: [String], mailFrom: String? = nil, helo: String, now: Int64) {
            self.recipients = recipients; self.mailFrom = mailFrom; self.helo = helo; self.now = now
        }
    }

    public var options: Options
    public init(options: Options) { self.options = options }

    /// Probes every address of every host of the tiers, then judges parity and findings; the
    /// policy, when given, says which hosts compliant senders would refuse (RFC 8461 §4).
    public func probe(_ inbound: InboundTiers, policy: MTASTSPolicy?) async -> ProbeReport {
        var targets: [(host: String, address: IPAddress?, tier: Int)] = []
        for tier in inbound.tiers {
            for host in tier.hosts {
                for address in host.addresses { targets.append((host.name, address, tier.preference)) }
                if host.addresses.isEmpty { targets.append((host.name, nil, tier.preference)) }
            }
        }
        let tls = Self.contexts(caFile: options.caFile)
        let domain = inbound.domain
        let results = await withTaskGroup(of: (Int, HostProbe).self) { group in
            var next = 0
            var out: [(Int, HostProbe)] = []
            func add(_ i: Int) {
                let (host, address, tier) = targets[i]
                group.addTask { (i, await self.session(host: host, address: address, tier: tier, domain: domain, tls: tls)) }
            }
            while next < min(options.concurrency, targets.count) {
                add(next)
                next += 1
            }
            while let r = await group.next() {
                out.append(r)
                if next < targets.count {
                    add(next)
                    next += 1
                }
            }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return ProbeReport(
            domain: domain, mtaSTSMode: policy?.mode, hosts: results, matrix: ProbeJudge.matrix(results),
            findings: ProbeJudge.findings(results, policy: policy, now: options.now))
    }

    struct Contexts: Sendable { var verifying: NIOSSLContext?; var opportunistic: NIOSSLContext?; var error: String? }

    /// One context that checks the chain (not the name: that is checked here, to tell the two
    /// apart), and one that checks nothing, as an opportunistic sender connects.
    static func contexts(caFile: String?) -> Contexts {
        do {
            var verify = TLSConfiguration.makeClientConfiguration()
            verify.certificateVerification = .noHostnameVerification
            if let caFile { verify.trustRoots = .file(caFile) }
            var any = TLSConfiguration.makeClientConfiguration()
            any.certificateVerification = .none
            return Contexts(verifying: try NIOSSLContext(configuration: verify), opportunistic: try NIOSSLContext(configuration: any))
        } catch {
            return Contexts(error: "\(error)")
        }
    }

    func session(host: String, address: IPAddress?, tier: Int, domain: String, tls: Contexts) async -> HostProbe {
        let start = ContinuousClock.now
        var p = HostProbe(host: host, address: address, tier: tier, reachable: false, ehlo: false, extensions: [], starttlsOffered: false,
                          recipients: [], transcript: [], elapsed: 0)
        guard let ip = address else {
            p.error = "no address to connect to"
            return p
        }
        let attempt = await conversation(ip: ip, host: host, domain: domain, tls: tls, verifying: true, probe: &p)
        if attempt == .retryWithoutVerification {
            // The certificate did not verify: connect again and carry on as an opportunistic sender.
            var second = p
            second.transcript.append(TranscriptLine(direction: "*", text: "reconnecting without certificate checks, as an opportunistic sender would"))
            _ = await conversation(ip: ip, host: host, domain: domain, tls: tls, verifying: false, probe: &second)
            var tlsFacts = second.tls ?? p.tls
            tlsFacts?.trusted = false
            tlsFacts?.detail = p.tls?.detail
            second.tls = tlsFacts
            p = second
        } else if attempt == .retryPlain {
            var second = p
            second.transcript.append(TranscriptLine(direction: "*", text: "reconnecting without TLS, as senders fall back after a failed handshake"))
            _ = await conversation(ip: ip, host: host, domain: domain, tls: tls, verifying: false, probe: &second, skipTLS: true)
            second.tls = p.tls
            p = second
        }
        p.elapsed = (ContinuousClock.now - start).seconds
        return p
    }

    enum Outcome { case done, retryWithoutVerification, retryPlain }

    /// connect → banner → EHLO (or HELO) → STARTTLS → EHLO → MAIL FROM → RCPT TO... → RSET → QUIT.
    func conversation(ip: IPAddress, host: String, domain: String, tls: Contexts, verifying: Bool, probe p: inout HostProbe,
                      skipTLS: Bool = false) async -> Outcome {
        let t = options.timeout
        let session: SMTPSession
        do { session = try await SMTPSession.connect(to: ip, port: options.port, timeout: t) } catch {
            p.error = "\(error)"
            p.transcript.append(TranscriptLine(direction: "*", text: "\(error)"))
            return .done
        }
        defer { p.transcript += session.transcript }
        defer { Task { await session.close() } }
        p.reachable = true
        do {
            let banner = try await session.readReply("banner", timeout: t)
            p.banner = banner.text
            guard banner.code == 220 else { p.error = "banner is not 220: \(banner.text)"; _ = try? await session.command("QUIT", timeout: t); return .done }
            var hello = try await ehlo(session)
            p.ehlo = hello.code == 250 && hello.lines.count >= 1
            guard hello.isPositive else { p.error = "HELO refused: \(hello.text)"; return .done }
            readExtensions(hello, into: &p)
            if p.starttlsOffered && !skipTLS {
                let reply = try await session.command("STARTTLS", timeout: t)
                if reply.code == 220 {
                    guard let context = verifying ? tls.verifying : tls.opportunistic else {
                        // The server now expects a handshake we cannot make: start again in plain text.
                        p.tls = TLSProbe(handshake: false, subjectNames: [], detail: "no TLS client context: \(tls.error ?? "unknown error")")
                        return .retryPlain
                    }
                    do {
                        let facts = try await session.startTLS(context: context, serverHostname: host, timeout: t)
                        p.tls = Self.judge(facts, host: host, now: options.now, trusted: verifying ? true : nil)
                    } catch {
                        var text = "\(error)"
                        // BoringSSL's error names the reason between its last two colons.
                        if let r = text.range(of: "CERTIFICATE_VERIFY_FAILED") { text = "certificate verification failed (\(text[r]))" }
                        let certificateProblem = text.contains("CERTIFICATE_VERIFY_FAILED") || text.lowercased().contains("certificate")
                        // A certificate problem means the handshake got as far as verification.
                        p.tls = TLSProbe(handshake: certificateProblem, trusted: certificateProblem ? false : nil,
                                         subjectNames: [], detail: text)
                        return certificateProblem && verifying ? .retryWithoutVerification : .retryPlain
                    }
                    hello = try await ehlo(session)
                    readExtensions(hello, into: &p)
                    p.starttlsOffered = true
                } else {
                    p.tls = TLSProbe(handshake: false, subjectNames: [], detail: "STARTTLS answered \(reply.text)")
                }
            }
            let from = options.mailFrom ?? "postmaster@\(options.helo)"
            let mail = try await session.command("MAIL FROM:<\(from)>", timeout: t)
            p.mailFrom = mail.text
            guard mail.isPositive else {
                p.error = "MAIL FROM refused: \(mail.text)"
                _ = try? await session.command("QUIT", timeout: t)
                return .done
            }
            p.recipients = []
            for rcpt in options.recipients { p.recipients.append(try await recipient(session, rcpt)) }
            let random = "mxray-probe-\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF_FFFF)@\(domain)"
            p.unknownRecipient = try await recipient(session, random)
            _ = try? await session.command("RSET", timeout: t)
            _ = try? await session.command("QUIT", timeout: t)
        } catch {
            p.error = "\(error)"
        }
        return .done
    }

    func ehlo(_ session: SMTPSession) async throws -> SMTPReply {
        let reply = try await session.command("EHLO \(options.helo)", timeout: options.timeout)
        if reply.isPermanent { return try await session.command("HELO \(options.helo)", timeout: options.timeout) }
        return reply
    }

    func recipient(_ session: SMTPSession, _ address: String) async throws -> RecipientProbe {
        let reply = try await session.command("RCPT TO:<\(address)>", timeout: options.timeout)
        let status: RecipientProbe.Status = reply.isPositive ? .accepted : reply.isTransient ? .deferred : reply.isPermanent ? .rejected : .error
        return RecipientProbe(address: address, status: status, reply: reply.text)
    }

    func readExtensions(_ reply: SMTPReply, into p: inout HostProbe) {
        p.extensions = reply.lines.dropFirst().map { $0.uppercased() }
        p.starttlsOffered = p.starttlsOffered || p.extensions.contains { $0.hasPrefix("STARTTLS") }
        if let size = p.extensions.first(where: { $0.hasPrefix("SIZE") }) {
            p.sizeLimit = Int(size.split(separator: " ").dropFirst().first ?? "")
        }
    }

    /// The certificate as an MTA-STS sender judges it (RFC 8461 §4.2): its DNS subjectAltNames,
    /// read with swift-certificates, must name the MX host (RFC 6125 §6.4, a wildcard standing for
    /// one leftmost label), and its validity must not have ended.
    static func judge(_ facts: TLSHandshakeFacts, host: String, now: Int64, trusted: Bool?) -> TLSProbe {
        var names: [String] = []
        var notAfter: Int64?
        var detail: String?
        if let der = try? facts.peerCertificate?.toDERBytes() {
            do {
                let certificate = try Certificate(derEncoded: der)
                if let alternatives = try certificate.extensions.subjectAlternativeNames {
                    for case .dnsName(let dns) in alternatives { names.append(dns) }
                }
                notAfter = Int64(certificate.notValidAfter.timeIntervalSince1970)
            } catch {
                detail = "the certificate cannot be read: \(error)"
            }
        }
        let valid = names.contains { MTASTSPolicy.pattern($0, matches: host) }
        let days = notAfter.map { Int(($0 - now) / 86400) }
        return TLSProbe(
            handshake: true, version: facts.version, trusted: trusted,
            nameValid: facts.peerCertificate == nil ? nil : valid, subjectNames: names, notAfter: notAfter,
            daysToExpiry: days, detail: detail)
    }
}
