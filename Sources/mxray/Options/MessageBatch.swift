import ArgumentParser
import Foundation
import MXRayMessage

/// Inputs that scale, for the commands that read many messages: directories and Maildir folders as
/// well as files and mbox files, a list of paths from `--files-from`, verification on all cores.
struct MessageBatchOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read the paths of messages (files, mbox files, directories, Maildir folders) one per line from "
                + "FILE, or - for standard input.", valueName: "FILE"))
    var filesFrom: String?
    @Option(help: ArgumentHelp("Messages checked at the same time (default: the number of cores).", valueName: "N"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be 1-256") }
    }
}

/// One unit of a batch: a file, read by the worker that verifies it, or messages already read
/// (standard input).
enum MessageSource: Sendable {
    case file(String)
    case loaded(MessageInput)

    /// The messages it holds: a file may be an mbox of several.
    func load() throws -> [MessageInput] {
        switch self {
        case .loaded(let input): [input]
        case .file(let path): try MessageInput.read([path])
        }
    }
}

/// Walks the paths given, in order, yielding one file at a time: a file is a message or an mbox
/// of several; a Maildir folder gives the files of `new/` then `cur/`; another directory gives
/// its regular files, sorted. Only the names of one directory are held, never the messages.
struct MessagePaths {
    private var arguments: IndexingIterator<[String]>
    private let list: LineFileReader?
    /// The files of the directory being walked, last first, so that taking the next costs nothing.
    private var pendingFiles: [String] = []
    /// The messages of standard input (an mbox may hold many), last first, like `pendingFiles`.
    private var pendingMessages: [MessageInput] = []
    private var usedStandardInput = false

    init(arguments: [String], filesFrom: String?) throws {
        self.arguments = (arguments.isEmpty && filesFrom == nil ? ["-"] : arguments).makeIterator()
        list = try filesFrom.map { try LineFileReader(path: $0) }
    }

    mutating func next() throws -> MessageSource? {
        while true {
            if let message = pendingMessages.popLast() { return .loaded(message) }
            if let file = pendingFiles.popLast() { return .file(file) }
            guard let path = try arguments.next() ?? list?.next() else { return nil }
            if path == "-" {
                guard !usedStandardInput else { throw CLIError("standard input can be read only once") }
                usedStandardInput = true
                pendingMessages = try MessageInput.read(["-"]).reversed()
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError("cannot read \(path)")
            }
            pendingFiles = isDirectory.boolValue ? try Self.files(inDirectory: path).reversed() : [path]
        }
    }

    /// The messages of a directory: `new/` and `cur/` of a Maildir, else its regular files.
    static func files(inDirectory path: String) throws -> [String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let maildir = ["cur", "new"].allSatisfy {
            fm.fileExists(atPath: path + "/" + $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        let folders = maildir ? [path + "/new", path + "/cur"] : [path]
        var out: [String] = []
        for folder in folders {
            out += try regularFiles(in: folder).sorted().map { folder + "/" + $0 }
        }
        return out
    }

    /// The names of the regular files in `folder`, hidden ones left out. The type comes with each
    /// entry (readdir's d_type) on the common file systems, so most need no stat of their own.
    static func regularFiles(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else { throw CLIError("cannot read \(folder)") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard !name.hasPrefix(".") else { continue }
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): names.append(name)
            case Int32(DT_UNKNOWN), Int32(DT_LNK):
                var status = stat()
                if stat(folder + "/" + name, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { names.append(name) }
            default: break
            }
        }
        return names
    }
}

/// Runs `work` on every message with at most `jobs` files at a time, renders each result with
/// `render` there too, and hands both to `emit` in input order. Each file is read by the task that
/// works on it, so reading and rendering are spread over the cores as well; a file that cannot be
/// read stops the batch at its place in the order.
func forEachMessage<R: Sendable>(
    _ paths: inout MessagePaths, jobs: Int, work: @escaping @Sendable (MessageInput) async -> R,
    render: @escaping @Sendable (R) throws -> String, emit: (R, String) async throws -> Void
) async throws {
    var chunks = MessageChunks(paths: paths)
    defer { paths = chunks.paths }
    try await runBounded(width: jobs, inOrder: true, next: { try chunks.next() }) {
        chunk -> [Result<[(R, String)], Error>] in
        var outcomes: [Result<[(R, String)], Error>] = []
        for source in chunk {
            do {
                var results: [(R, String)] = []
                for input in try source.load() {
                    let result = await work(input)
                    results.append((result, try render(result)))
                }
                outcomes.append(.success(results))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    } emit: { outcomes in
        for outcome in outcomes {
            for (result, text) in try outcome.get() { try await emit(result, text) }
        }
    }
}

/// The sources of a batch drawn a few at a time, so that one task works through several small files
/// and the cost of starting a task and handing back its result is shared between them. An error from
/// the paths is thrown once the sources drawn before it have been handed out.
struct MessageChunks {
    /// Sources per task: enough to make starting a task cheap beside the work, few enough that a
    /// batch of a handful of files still spreads over the cores.
    static let size = 8
    var paths: MessagePaths
    private var pendingError: Error?

    init(paths: MessagePaths) { self.paths = paths }

    mutating func next() throws -> [MessageSource]? {
        if let pendingError {
            self.pendingError = nil
            throw pendingError
        }
        var chunk: [MessageSource] = []
        do {
            while chunk.count < Self.size, let source = try paths.next() { chunk.append(source) }
        } catch {
            guard !chunk.isEmpty else { throw error }
            pendingError = error
        }
        return chunk.isEmpty ? nil : chunk
    }
}

/// Runs `work` on each item `next` gives, at most `width` at a time, handing each result to
/// `emit` as it finishes or, with `inOrder`, in the order of the items. Items are drawn only as
/// work is started. In order, results that finished early wait for an earlier one; up to
/// `4 × width` items may be started and not yet emitted, so that one slow item does not leave the
/// other workers idle, and memory stays bounded however many items there are. An error from `next`
/// stops drawing; the work started finishes, then the error is thrown.
func runBounded<Item: Sendable, R: Sendable>(
    width: Int, inOrder: Bool, next: () throws -> Item?, work: @escaping @Sendable (Item) async -> R,
    emit: (R) async throws -> Void
) async throws {
    var readError: Error?
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var started = 0
        var emitted = 0
        var running = 0
        let pending = inOrder ? 4 * width : width
        var waiting: [Int: R] = [:]
        func startNext() -> Bool {
            guard readError == nil, running < width, started - emitted < pending else { return false }
            do {
                guard let item = try next() else { return false }
                let index = started
                started += 1
                running += 1
                group.addTask { (index, await work(item)) }
                return true
            } catch {
                readError = error
                return false
            }
        }
        while startNext() {}
        while let (index, result) = try await group.next() {
            running -= 1
            if inOrder {
                waiting[index] = result
                while let ready = waiting.removeValue(forKey: emitted) {
                    try await emit(ready)
                    emitted += 1
                }
            } else {
                try await emit(result)
                emitted += 1
            }
            while startNext() {}
        }
    }
    if let readError { throw readError }
}

/// Prints a JSON array one element at a time, so that a long batch is never held whole.
struct JSONArrayPrinter {
    private var first = true

    /// Prints one element already rendered with `renderJSON`.
    mutating func print(rendered text: String) {
        Swift.print(first ? "[" : ",")
        first = false
        Swift.print(text)
    }

    func finish() { Swift.print(first ? "[]" : "]") }
}
