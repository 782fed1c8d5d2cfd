#if ZSCAN_FUZZING
/// The target libFuzzer calls (main.swift picks it from the command line before the driver starts).
nonisolated(unsafe) var selectedTarget: ([UInt8]) -> Int = { _ in 0 }
nonisolated(unsafe) var digestSink = 0

/// libFuzzer's per-input callback, by the name its runtime links against.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    digestSink &+= selectedTarget(bytes)
    return 0
}
#endif
