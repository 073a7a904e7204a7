// Coverage-guided fuzzing of the code that reads what a (possibly compromised) agent sends:
// the scanner (`scan`, ScanProperties) and the inspector's HTTP side (`http`, HTTPProperties:
// request parsing, bodies, codings, routing). `scripts/fuzz` builds this with
// AddressSanitizer and libFuzzer linked in and runs it; a plain build (the one `swift build`
// makes) replays files instead, so the target builds everywhere and a crashing input can be
// rerun in the debugger.
//
//   veil-fuzz [scan|http] FILE|DIR ...            replay: check every input, print how many
//   (fuzz build) veil-fuzz [scan|http] [libFuzzer flags] [CORPUS_DIR ...]

import Foundation

/// libFuzzer's entry for programs that have their own `main`. Present only in the fuzz build,
/// which links libFuzzer and exports the symbol; looked up at run time so that the plain
/// build needs no libFuzzer.
typealias FuzzerDriver = @convention(c) (
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The target, named by the first argument (the scanner when none is named).
let targets: [String: ([UInt8]) -> Void] = ["scan": ScanProperties.check, "http": HTTPProperties.check]
let named = CommandLine.arguments.count > 1 ? targets[CommandLine.arguments[1]] : nil
let check = named ?? ScanProperties.check
/// The arguments after the target's name, for libFuzzer or the replay.
let rest = Array(CommandLine.arguments.dropFirst(named == nil ? 1 : 2))

let oneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    check(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

if let symbol = dlsym(nil, "LLVMFuzzerRunDriver") {
    let driver = unsafeBitCast(symbol, to: FuzzerDriver.self)
    // libFuzzer reads argv itself: the program's name, then its flags, without the target's name.
    var args = ([CommandLine.arguments[0]] + rest).map { strdup($0) } + [nil]
    var argc = Int32(args.count - 1)
    exit(args.withUnsafeMutableBufferPointer { buf in
        var argv = Optional(buf.baseAddress!)
        return driver(&argc, &argv, oneInput)
    })
}

var inputs = 0
for arg in rest {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else {
        FileHandle.standardError.write(Data("veil-fuzz: no such file: \(arg)\n".utf8))
        exit(2)
    }
    let files = isDir.boolValue
        ? try FileManager.default.contentsOfDirectory(atPath: arg).sorted().map { arg + "/" + $0 } : [arg]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        check([UInt8](data))
        inputs += 1
    }
}
print("veil-fuzz: \(inputs) inputs checked, every property held")
