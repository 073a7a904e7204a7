// swift-tools-version:6.0
// veil: run AI coding agents in a sandbox that looks like nobody's machine,
// and inspect every byte they send to their model.
import PackageDescription

// The launch path (`veil run`): generic types get their metadata at compile time instead of
// being demangled and built by the runtime on first use, which cost ~0.6 ms of every launch.
let launchPath: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-prespecialize-generic-metadata",
                  "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release)),
]

/// Every warning is an error: one that lands stays.
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]
/// Swift 6 language mode (complete concurrency checking): every library and executable module
/// but the fuzzer and the tests.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)] + strict

let package = Package(
    name: "veil",
    platforms: [.macOS(.v13)],
    products: [
        // Two binaries installed side by side: `veil` runs sandboxes and is kept small (no
        // Foundation, no NIO) because launch time is a feature; `veil-core` has the rest and
        // serves each run's inspector.
        .executable(name: "veil", targets: ["veil"]),
        .executable(name: "veil-core", targets: ["veil-core"]),
    ],
    dependencies: [
        // CLI parsing: subcommands, help, validation.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The inspector's HTTP/1.1 server and the stub upstream.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Upstream client for https and host proxies: TLS with the system trust store, CONNECT.
        // (Plain-http upstreams, the stub's and local gateways', use veil's own lean NIO client.)
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        // AHC's TLS, named directly for the host's own trust settings (SSL_CERT_FILE/DIR).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        // `veil doctor` signs a throwaway CA and server certificate in memory, to try a real
        // handshake with the inspector's trust settings. (Both were in the resolved graph already.)
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The run CA's certificates for IP-address hosts (an ASN.1 octet string in the SAN).
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.0.0"),
    ],
    targets: [
        // Kernel libraries, linked through pkg-config.
        .systemLibrary(
            name: "CSeccomp", path: "Sources/CSeccomp", pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(
            name: "CCap", path: "Sources/CCap", pkgConfig: "libcap",
            providers: [.apt(["libcap-dev"])]),
        // zlib and zstd: the inspector reads compressed request bodies (Codex CLI sends zstd).
        .systemLibrary(
            name: "CCompression", path: "Sources/CCompression",
            providers: [.apt(["zlib1g-dev", "libzstd-dev"])]),
        // The few calls Swift cannot make directly (variadic syscalls, cmsg macros).
        .target(name: "CVeilShim", path: "Sources/CVeilShim"),

        // Profiles: a small TOML reader with exact positions, the profile model and its loader.
        .target(name: "VeilProfile", path: "Sources/VeilProfile", swiftSettings: launchPath + swift6),
        // The sandbox: pure planning, plus one file per kernel concern.
        .target(
            name: "VeilSandbox",
            dependencies: ["VeilProfile", "CVeilShim", "CSeccomp", "CCap"],
            path: "Sources/VeilSandbox", swiftSettings: launchPath + swift6),
        // `veil run`: options, profile choice, what the agent sees of its model, the launch and
        // the inspector's process. Glibc only, like everything it depends on.
        .target(name: "VeilLaunch", dependencies: ["VeilProfile", "VeilSandbox", "CVeilShim"], path: "Sources/VeilLaunch",
                swiftSettings: launchPath + swift6),
        // The scanner's hot loop, in C for run-time instruction-set dispatch (AVX2 here).
        .target(name: "CVeilScanKernel", path: "Sources/CVeilScanKernel"),
        // Pure inspector decisions: JSON walk, canaries, covert characters. No NIO.
        .target(name: "VeilScan", dependencies: ["VeilProfile", "CVeilScanKernel"], path: "Sources/VeilScan", swiftSettings: swift6),
        // The inspector proxy, the stub upstream, records and reports.
        .target(
            name: "VeilProxy",
            dependencies: [
                "VeilScan", "VeilProfile", "CCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // The run's CA, which terminates the TLS of the CONNECTs a profile allows.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/VeilProxy", swiftSettings: swift6),
        // Pure evidence: pairing recorded requests, structural and character diffs, volatile
        // values, attribution, and the terminal/JSON/HTML reports of compare and probe.
        .target(name: "VeilCompare", dependencies: ["VeilProfile", "VeilScan"], path: "Sources/VeilCompare", swiftSettings: swift6),
        // What the commands do: run sessions, doctor, compare and probe.
        .target(
            name: "VeilApp",
            dependencies: [
                "VeilProfile", "VeilSandbox", "VeilLaunch", "VeilScan", "VeilProxy", "VeilCompare", "CSeccomp", "CVeilShim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/VeilApp", swiftSettings: swift6),
        // The launcher: `veil run` itself; everything else is handed to veil-core.
        // Released fully static: no dynamic loader, no shared libraries to map and relocate.
        // (It needs nothing that static glibc lacks: no DNS lookups; getpwuid falls back to
        // $USER where NSS cannot load.)
        .executableTarget(
            name: "veil", dependencies: ["VeilLaunch"], path: "Sources/veil", swiftSettings: launchPath + swift6,
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(configuration: .release))]),
        // Thin commands.
        .executableTarget(
            name: "veil-core",
            dependencies: [
                "VeilProfile", "VeilSandbox", "VeilLaunch", "VeilScan", "VeilProxy", "VeilApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/veil-core", swiftSettings: swift6),
        // The scanner and the inspector's HTTP side under libFuzzer and AddressSanitizer
        // (scripts/fuzz); a plain build replays files.
        .executableTarget(
            name: "veil-fuzz",
            dependencies: ["VeilScan", "VeilProfile", "VeilProxy", "CCompression",
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            path: "Sources/veil-fuzz", swiftSettings: strict),

        .testTarget(name: "VeilProfileTests", dependencies: ["VeilProfile"], path: "Tests/VeilProfileTests", swiftSettings: strict),
        .testTarget(name: "VeilSandboxTests", dependencies: ["VeilSandbox"], path: "Tests/VeilSandboxTests", swiftSettings: strict),
        .testTarget(name: "VeilCompareTests", dependencies: ["VeilCompare"], path: "Tests/VeilCompareTests", swiftSettings: strict),
        .testTarget(name: "VeilAppTests", dependencies: ["VeilApp", "VeilLaunch", "VeilProxy", "VeilProfile"], path: "Tests/VeilAppTests", swiftSettings: strict),
        .testTarget(name: "VeilLaunchTests", dependencies: ["VeilLaunch"], path: "Tests/VeilLaunchTests", swiftSettings: strict),
        .testTarget(name: "VeilScanTests", dependencies: ["VeilScan", "VeilProfile"], path: "Tests/VeilScanTests", swiftSettings: strict),
        .testTarget(
            name: "VeilProxyTests",
            dependencies: [
                "VeilProxy", "VeilScan", "VeilProfile", "CCompression", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/VeilProxyTests", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v5]
)
