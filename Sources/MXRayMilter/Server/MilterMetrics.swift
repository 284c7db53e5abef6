import Metrics

/// The milter's counters and latency (swift-metrics; the CLI backs them with Prometheus): messages
/// by listener and DMARC verdict, DMARC actions, ARC overrides, DNS failures, errors by kind.
struct MilterMetrics: Sendable {
    func record(_ outcome: MilterFilter.Outcome, listener: MilterConfig.Listener, elapsed: Duration) {
        let roles = listener.roles.map(\.rawValue).joined(separator: "+")
        Counter(label: "mxray_milter_messages_total", dimensions: [("roles", roles), ("dmarc", outcome.dmarc)])
            .increment()
        if outcome.action != "none" {
            Counter(label: "mxray_milter_dmarc_actions_total", dimensions: [("action", outcome.action)]).increment()
        }
        if outcome.action == "override" { Counter(label: "mxray_milter_arc_overrides_total").increment() }
        if outcome.dnsFailure { Counter(label: "mxray_milter_dns_failures_total").increment() }
        if outcome.sealed { Counter(label: "mxray_milter_sealed_total").increment() }
        if outcome.signed { Counter(label: "mxray_milter_signed_total").increment() }
        Timer(label: "mxray_milter_latency_seconds", dimensions: [("roles", roles)]).record(duration: elapsed)
    }

    func errors(kind: String) {
        Counter(label: "mxray_milter_errors_total", dimensions: [("kind", kind)]).increment()
    }
}
