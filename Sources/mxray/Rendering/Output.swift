import Foundation
import MXRayAudit

func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// JSON for programs: stable key order, readable, no escaped slashes.
func renderJSON<T: Encodable>(_ value: T) throws -> String {
    try FastJSONEncoder(pretty: true).encode(value)
}

/// Milliseconds with a precision that suits the magnitude.
func formatMilliseconds(_ seconds: Double) -> String {
    let ms = seconds * 1000
    return ms < 10 ? String(format: "%.2f ms", ms) : String(format: "%.0f ms", ms)
}
