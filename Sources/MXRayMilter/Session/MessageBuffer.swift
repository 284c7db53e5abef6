import Foundation

/// A message body as it arrives in chunks: in memory up to `memoryLimit`, then in a temporary file,
/// and refused past `sizeLimit` (the bytes are dropped and the message marked oversized, so the
/// filter lets it through unjudged instead of holding the MTA). The file is removed on `reset`.
struct MessageBuffer {
    let memoryLimit: Int
    let sizeLimit: Int
    let directory: String
    private(set) var memory: [UInt8] = []
    private(set) var count = 0
    private(set) var oversized = false
    private var file: FileHandle?
    private var path: String?

    init(memoryLimit: Int, sizeLimit: Int, directory: String) {
        self.memoryLimit = memoryLimit
        self.sizeLimit = sizeLimit
        self.directory = directory
    }

    var spilled: Bool { file != nil }

    mutating func append(_ bytes: some Collection<UInt8>) throws {
        guard !oversized else { return }
        guard count + bytes.count <= sizeLimit else {
            oversized = true
            reset(keepingOversized: true)
            return
        }
        count += bytes.count
        if file == nil && memory.count + bytes.count <= memoryLimit {
            memory.append(contentsOf: bytes)
            return
        }
        if file == nil { try spill() }
        try file?.write(contentsOf: Data(bytes))
    }

    /// Moves what is in memory into a new temporary file, created readable by us only.
    private mutating func spill() throws {
        let name = (directory as NSString).appendingPathComponent("mxray-milter-\(UUID().uuidString).body")
        guard
            FileManager.default.createFile(
                atPath: name, contents: Data(memory), attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: name)
        else { throw MilterSessionError.spillFailed(name) }
        try handle.seekToEnd()
        file = handle
        path = name
        memory = []
    }

    /// The whole body (read back from the file when it spilled).
    func bytes() throws -> [UInt8] {
        guard let path else { return memory }
        try file?.synchronize()
        guard let data = FileManager.default.contents(atPath: path) else { throw MilterSessionError.spillFailed(path) }
        return Array(data)
    }

    mutating func reset(keepingOversized: Bool = false) {
        try? file?.close()
        if let path { try? FileManager.default.removeItem(atPath: path) }
        file = nil
        path = nil
        memory = []
        if !keepingOversized {
            count = 0
            oversized = false
        }
    }
}

public enum MilterSessionError: Error, Sendable, CustomStringConvertible {
    case spillFailed(String)
    case outOfOrder(String)

    public var description: String {
        switch self {
        case .spillFailed(let path): "cannot write the message body to \(path)"
        case .outOfOrder(let what): "milter command out of order: \(what)"
        }
    }
}
