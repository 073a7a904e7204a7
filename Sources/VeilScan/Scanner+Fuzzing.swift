// What the fuzzer (Sources/veil-fuzz) checks that the inspector never needs: every
// instruction set of the C kernel on one input, whether the walk took a body as JSON, and
// the junctions of strings read by the deferred pass alone.

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

    /// The findings with every junction of a stream read by the deferred pass
    /// (HitSink+JoinsDeferred.swift), as past the budget; nil when the walk refused the body.
    @_spi(Fuzzing) public func scanDeferringJoins(_ body: [UInt8]) -> [Finding]? {
        body.withUnsafeBytes { raw in
            var sink = HitSink(body: raw, ownTypography: config.ownTypography)
            sink.joinBudget = 0
            return sink.scanJSON(matcher: matcher) ? sink.finish() : nil
        }
    }
}
