import Foundation
import MXRayDNS
import MXRayInbound
import MXRaySMTP
import NIOSSL
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

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
            self.recipients = recipients
            self.mailFrom = mailFrom
            self.helo = helo
            self.now = now
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
        let tls = Self.tlsSetup(caFile: options.caFile)
        let domain = inbound.domain
        let results = await withTaskGroup(of: (Int, HostProbe).self) { group in
            var next = 0
            var out: [(Int, HostProbe)] = []
            func add(_ i: Int) {
                let (host, address, tier) = targets[i]
                group.addTask {
                    (i, await self.session(host: host, address: address, tier: tier, domain: domain, tls: tls))
                }
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

    /// What a RCPT-time answer proves about a direct route, in words for the report.
    public static let directLimitation =
        "An RCPT TO accepted here shows the endpoint takes the domain's mail from an arbitrary client; "
        + "a rejection shows a restriction acts at RCPT time. Some restrictions (Microsoft 365 mail flow "
        + "rules, for one) act only after DATA, which the probe never sends: a rejection proves the route "
        + "closed, an acceptance does not prove the message would be delivered."

    /// Addresses of one direct endpoint probed at most (providers publish many behind one name).
    public static let maxDirectAddresses = 4

    /// Talks to each mailbox provider endpoint as a sender that ignores the MX records would:
    /// EHLO, STARTTLS, MAIL FROM, RCPT TO for the recipients, never DATA.
    public func probeDirect(_ endpoints: [MailboxExposure], domain: String) async -> [DirectProbe] {
        let tls = Self.tlsSetup(caFile: options.caFile)
        var out: [DirectProbe] = []
        for e in endpoints {
            guard let endpoint = e.endpoint else { continue }
            var hosts: [HostProbe] = []
            let addresses: [IPAddress?] = e.endpointAddresses.isEmpty ? [nil] : e.endpointAddresses.map { $0 }
            for address in addresses.prefix(Self.maxDirectAddresses) {
                hosts.append(await session(host: endpoint, address: address, tier: 0, domain: domain, tls: tls))
            }
            let accepted = hosts.contains { h in h.recipients.contains { $0.status == .accepted } }
            out.append(
                DirectProbe(
                    provider: e.provider, endpoint: endpoint, hosts: hosts, acceptsDirect: accepted,
                    limitation: Self.directLimitation))
        }
        return out
    }

    /// The TLS client context and the roots certificates are judged against.
    struct TLSSetup: Sendable {
        var context: NIOSSLContext?
        var roots: CertificateStore
        var error: String?
    }

    /// One context whose handshake accepts any certificate and hands the presented chain back (an
    /// opportunistic sender's connection, RFC 3207 §4.1); the chain is then judged against the
    /// system's roots or `--ca-file` with swift-certificates, as an MTA-STS sender would (RFC 8461
    /// §4.2). One connection answers both senders' questions.
    static func tlsSetup(caFile: String?) -> TLSSetup {
        var roots = CertificateStore.systemTrustRoots
        do {
            if let caFile {
                let pem = try String(contentsOfFile: caFile, encoding: .utf8)
                roots = CertificateStore(
                    try PEMDocument.parseMultiple(pemString: pem).map(Certificate.init(pemDocument:)))
            }
            var configuration = TLSConfiguration.makeClientConfiguration()
            // The chain callback replaces NIOSSL's checks; the name is checked here, apart from trust.
            configuration.certificateVerification = .noHostnameVerification
            return TLSSetup(context: try NIOSSLContext(configuration: configuration), roots: roots)
        } catch {
            return TLSSetup(context: nil, roots: roots, error: "\(error)")
        }
    }

    func session(host: String, address: IPAddress?, tier: Int, domain: String, tls: TLSSetup) async -> HostProbe {
        let start = ContinuousClock.now
        var p = HostProbe(
            host: host, address: address, tier: tier, reachable: false, ehlo: false, extensions: [],
            starttlsOffered: false, recipients: [], transcript: [], elapsed: 0)
        guard let ip = address else {
            p.error = "no address to connect to"
            return p
        }
        if await conversation(ip: ip, host: host, domain: domain, tls: tls, probe: &p) == .retryPlain {
            var second = p
            second.transcript.append(
                TranscriptLine(
                    direction: "*", text: "reconnecting without TLS, as senders fall back after a failed handshake"))
            _ = await conversation(ip: ip, host: host, domain: domain, tls: tls, probe: &second, skipTLS: true)
            second.tls = p.tls
            p = second
        }
        p.elapsed = (ContinuousClock.now - start).seconds
        return p
    }

    enum Outcome { case done, retryPlain }

    /// Connects, converses, then closes the connection and keeps the transcript.
    func conversation(
        ip: IPAddress, host: String, domain: String, tls: TLSSetup, probe p: inout HostProbe, skipTLS: Bool = false
    ) async -> Outcome {
        let session: SMTPSession
        do {
            session = try await SMTPSession.connect(to: ip, port: options.port, timeout: options.timeout)
        } catch {
            p.error = "\(error)"
            p.transcript.append(TranscriptLine(direction: "*", text: "\(error)"))
            return .done
        }
        p.reachable = true
        let outcome = await converse(session, host: host, domain: domain, tls: tls, probe: &p, skipTLS: skipTLS)
        await session.close()
        p.transcript += session.transcript
        return outcome
    }

    /// connect → banner → EHLO (or HELO) → STARTTLS → EHLO → MAIL FROM → RCPT TO... → RSET → QUIT.
    func converse(
        _ session: SMTPSession, host: String, domain: String, tls: TLSSetup, probe p: inout HostProbe, skipTLS: Bool
    ) async -> Outcome {
        let t = options.timeout
        do {
            let banner = try await session.readReply("banner", timeout: t)
            p.banner = banner.text
            guard banner.code == 220 else {
                p.error = "banner is not 220: \(banner.text)"
                _ = try? await session.command("QUIT", timeout: t)
                return .done
            }
            var hello = try await ehlo(session)
            p.ehlo = hello.code == 250 && hello.lines.count >= 1
            guard hello.isPositive else {
                p.error = "HELO refused: \(hello.text)"
                return .done
            }
            readExtensions(hello, into: &p)
            if p.starttlsOffered && !skipTLS {
                let reply = try await session.command("STARTTLS", timeout: t)
                if reply.code == 220 {
                    guard let context = tls.context else {
                        // The server now expects a handshake we cannot make: start again in plain text.
                        p.tls = TLSProbe(
                            handshake: false, subjectNames: [],
                            detail: "no TLS client context: \(tls.error ?? "unknown error")")
                        return .retryPlain
                    }
                    do {
                        let facts = try await session.startTLS(context: context, serverHostname: host, timeout: t)
                        p.tls = await Self.judge(facts, host: host, now: options.now, roots: tls.roots)
                    } catch {
                        // The handshake accepts any certificate, so this is a TLS failure, not a
                        // certificate one: senders fall back to plain text.
                        p.tls = TLSProbe(handshake: false, subjectNames: [], detail: "\(error)")
                        return .retryPlain
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
        let status: RecipientProbe.Status =
            reply.isPositive ? .accepted : reply.isTransient ? .deferred : reply.isPermanent ? .rejected : .error
        return RecipientProbe(address: address, status: status, reply: reply.text)
    }

    func readExtensions(_ reply: SMTPReply, into p: inout HostProbe) {
        p.extensions = reply.lines.dropFirst().map { $0.uppercased() }
        p.starttlsOffered = p.starttlsOffered || p.extensions.contains { $0.hasPrefix("STARTTLS") }
        if let size = p.extensions.first(where: { $0.hasPrefix("SIZE") }) {
            p.sizeLimit = Int(size.split(separator: " ").dropFirst().first ?? "")
        }
    }

    /// The certificate as an MTA-STS sender judges it (RFC 8461 §4.2), with swift-certificates:
    /// the presented chain must lead to a trusted root under RFC 5280 at `now` (`trusted`), and
    /// the leaf's DNS subjectAltNames must name the MX host (RFC 6125 §6.4, a wildcard standing
    /// for one leftmost label; `nameValid`).
    static func judge(_ facts: TLSHandshakeFacts, host: String, now: Int64, roots: CertificateStore) async -> TLSProbe {
        var probe = TLSProbe(handshake: true, version: facts.version, subjectNames: [])
        let chain: [Certificate]
        do {
            chain = try facts.presentedChain.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            probe.detail = "the certificate cannot be read: \(error)"
            return probe
        }
        guard let leaf = chain.first else {
            probe.detail = "the server presented no certificate"
            return probe
        }
        do {
            if let alternatives = try leaf.extensions.subjectAlternativeNames {
                for case .dnsName(let dns) in alternatives { probe.subjectNames.append(dns) }
            }
        } catch {
            probe.detail = "the subjectAltName extension cannot be read: \(error)"
        }
        probe.nameValid = probe.subjectNames.contains { MTASTSPolicy.pattern($0, matches: host) }
        let notAfter = Int64(leaf.notValidAfter.timeIntervalSince1970)
        probe.notAfter = notAfter
        probe.daysToExpiry = Int((notAfter - now) / 86400)
        let validationTime = Date(timeIntervalSince1970: TimeInterval(now))
        var verifier = Verifier(rootCertificates: roots) { RFC5280Policy(fixedExpiryValidationTime: validationTime) }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst())) {
        case .validCertificate:
            probe.trusted = true
        case .couldNotValidate(let failures):
            probe.trusted = false
            let reasons = failures.prefix(2).map { "\($0.policyFailureReason)" }
            probe.detail =
                "certificate verification failed" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; "))
        }
        return probe
    }
}
