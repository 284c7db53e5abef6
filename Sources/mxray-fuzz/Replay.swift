#if !MXRAY_LIBFUZZER
    import Foundation

    /// Without libFuzzer (an ordinary build), the same targets replay files: `MXRAY_FUZZ=TARGET
    /// mxray-fuzz FILE|DIR...`, so that a crash found by the fuzzer can be reproduced in a debugger
    /// and the seed corpus can be run in any build.
    @main
    struct Replay {
        static func main() {
            var count = 0
            for path in CommandLine.arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                let files =
                    isDirectory.boolValue
                    ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map {
                        path + "/" + $0
                    } : [path]
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else { continue }
                    let bytes = [UInt8](data)
                    _ = bytes.withUnsafeBufferPointer {
                        fuzzOne($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)
                    }
                    count += 1
                }
            }
            print("replayed \(count) inputs")
        }
    }
#endif
