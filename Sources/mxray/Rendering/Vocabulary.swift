import MXRayInbound

extension Severity {
    /// The accepted spellings, for help texts and error messages ("info, low, ... or critical").
    static var spelledOut: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
