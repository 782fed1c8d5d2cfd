// swift-tools-version:6.0
// zscan: finds what processes left behind. No package dependencies: only what the toolchain ships.
import PackageDescription

let package = Package(
    name: "zscan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "zscan", targets: ["zscan"]),
        .executable(name: "zscan-fixture", targets: ["zscan-fixture"]),
        .executable(name: "zscan-fuzz", targets: ["zscan-fuzz"]),
    ],
    targets: [
        .target(name: "CZScanSys"),
        .target(name: "ZScanCore"),
        .target(name: "ZScanLinux", dependencies: ["ZScanCore", "CZScanSys"]),
        // The command line: argument parsing, options and their precedence, the config file, the
        // commands. A library so that tests call it directly; the executable only calls it.
        .target(name: "ZScanCLI", dependencies: ["ZScanCore", "ZScanLinux"]),
        .executableTarget(name: "zscan", dependencies: ["ZScanCLI"]),
        .executableTarget(name: "zscan-fixture"),
        // Fuzz targets of the parsers: scripts/fuzz builds it with libFuzzer; otherwise it replays inputs.
        .executableTarget(name: "zscan-fuzz", dependencies: ["ZScanCore", "ZScanLinux", "CZScanSys"]),
        .testTarget(name: "ZScanCoreTests", dependencies: ["ZScanCore"]),
        // Linux and CLI tests run the real binaries, so they depend on them to get them built.
        .target(name: "ZScanTestSupport", path: "Tests/ZScanTestSupport"),
        .testTarget(name: "ZScanLinuxTests", dependencies: ["ZScanLinux", "ZScanCore", "ZScanTestSupport", "zscan-fixture"]),
        .testTarget(name: "ZScanCLITests", dependencies: ["ZScanCLI", "ZScanCore", "ZScanTestSupport", "zscan", "zscan-fixture", "zscan-fuzz"]),
        // The command line called in this process: help, usage errors, option precedence, durations,
        // the config's errors, which findings cleanup settles. No binary is built or spawned for them.
        .testTarget(name: "ZScanCLIUnitTests", dependencies: ["ZScanCLI", "ZScanCore"]),
    ],
    swiftLanguageModes: [.v6]
)
