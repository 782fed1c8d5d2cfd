// zscan-fuzz: the fuzz targets of zscan's parsers (see FuzzTargets and scripts/fuzz).
//
//   zscan-fuzz TARGET [libFuzzer options] [CORPUS_DIR...]   built by scripts/fuzz (-sanitize=fuzzer
//                                                           -DZSCAN_FUZZING): fuzzes TARGET
//   zscan-fuzz TARGET FILE_OR_DIR...                        any other build: runs every input once
//                                                           (the regression replay the tests use)
import CZScanSys
import Glibc

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    FileOutput.error("usage: zscan-fuzz TARGET [libFuzzer options] [CORPUS_DIR...]\ntargets: \(names)\n")
    exit(2)
}

#if ZSCAN_FUZZING
selectedTarget = target
// libFuzzer reads argv[0] and its own options; the target's name is taken out.
var argv: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = Int32(arguments.count - 1)
exit(
    argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &pointer) { data, size in fuzzOneInput(data, size) }
    })
#else
var inputs = 0
for path in arguments.dropFirst(2) {
    for file in FileOutput.files(at: path) {
        guard let bytes = FileOutput.read(file) else {
            FileOutput.error("zscan-fuzz: cannot read \(file)\n")
            exit(2)
        }
        _ = target(bytes)
        inputs += 1
    }
}
print("\(arguments[1]): \(inputs) inputs, no crash")
#endif
