// What the fuzzer (Sources/veil-fuzz) checks that the inspector never needs: every
// instruction set of the C kernel on one input, and whether the walk took a body as JSON.

import CVeilScanKernel

extension Scanner {
    /// The best instruction set this CPU runs (3 AVX-512, 2 AVX2, 1 SSSE3, 0 portable C).
    @_spi(Fuzzing) public static var bestISA: Int32 { veil_kernel_best_isa() }

    /// The instruction set the kernel uses. Setting it changes this scanner's shared tables:
    /// only while nothing else scans with it.
    @_spi(Fuzzing) public var kernelISA: Int32 {
        get { matcher.compiled.kernel.pointee.isa }
        set { matcher.compiled.kernel.pointee.isa = newValue }
    }

    /// The one-pass walk took `body` as JSON (a body it refuses is scanned as plain text).
    @_spi(Fuzzing) public func walksAsJSON(_ body: [UInt8]) -> Bool {
        body.withUnsafeBytes { raw in
            var sink = HitSink(body: raw, ownTypography: config.ownTypography)
            return sink.scanJSON(matcher: matcher)
        }
    }
}
