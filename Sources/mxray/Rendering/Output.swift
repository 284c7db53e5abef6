import Foundation

func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// JSON for programs: stable key order, readable, no escaped slashes.
func renderJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Milliseconds with a precision that suits the magnitude.
func formatMilliseconds(_ seconds: Double) -> String {
    let ms = seconds * 1000
    return ms < 10 ? String(format: "%.2f ms", ms) : String(format: "%.0f ms", ms)
}
