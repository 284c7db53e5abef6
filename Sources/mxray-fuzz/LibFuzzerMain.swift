#if MXRAY_LIBFUZZER
    #if canImport(Glibc)
        import Glibc
    #endif

    /// libFuzzer's driver (compiler-rt's `LLVMFuzzerRunDriver`). SwiftPM names an executable's
    /// entry point itself, so the fuzz build keeps an `@main` and hands control to the driver.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @main
    struct FuzzMain {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            let status = runFuzzerDriver(&argc, &argv) { data, size in
                guard let data else { return 0 }
                return fuzzOne(data, size)
            }
            exit(status)
        }
    }
#endif
