// Coverage-guided fuzzing of the scanner, the code that reads what a (possibly compromised)
// agent sends. `scripts/fuzz` builds this with AddressSanitizer and libFuzzer linked in and
// runs it; a plain build (the one `swift build` makes) replays files instead, so the target
// builds everywhere and a crashing input can be rerun in the debugger.
//
//   veil-fuzz FILE|DIR ...            replay: check every input, print how many
//   (fuzz build) veil-fuzz [libFuzzer flags] [CORPUS_DIR ...]

import Foundation

/// libFuzzer's entry for programs that have their own `main`. Present only in the fuzz build,
/// which links libFuzzer and exports the symbol; looked up at run time so that the plain
/// build needs no libFuzzer.
typealias FuzzerDriver = @convention(c) (
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

let oneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    ScanProperties.check(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

if let symbol = dlsym(nil, "LLVMFuzzerRunDriver") {
    let driver = unsafeBitCast(symbol, to: FuzzerDriver.self)
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(driver(&argc, &argv, oneInput))
}

var inputs = 0
for arg in CommandLine.arguments.dropFirst() {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else {
        FileHandle.standardError.write(Data("veil-fuzz: no such file: \(arg)\n".utf8))
        exit(2)
    }
    let files = isDir.boolValue
        ? try FileManager.default.contentsOfDirectory(atPath: arg).sorted().map { arg + "/" + $0 } : [arg]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        ScanProperties.check([UInt8](data))
        inputs += 1
    }
}
print("veil-fuzz: \(inputs) inputs checked, every property held")
