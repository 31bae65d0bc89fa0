// swift-tools-version:6.0
import Foundation
import PackageDescription

/// System codec libraries, each wrapped by a tiny module map (Debian -dev packages).
let codecs: [(name: String, pkg: String, apt: String)] = [
    ("CLibDeflate", "libdeflate", "libdeflate-dev"),
    ("CZlib", "zlib", "zlib1g-dev"),
    ("CLZ4", "liblz4", "liblz4-dev"),
    ("CZstd", "libzstd", "libzstd-dev"),
    ("CLZMA", "liblzma", "liblzma-dev"),
    ("CXXHash", "libxxhash", "libxxhash-dev"),
]

/// The XRootD client's C shim is a shared object of its own (libHEPKitXRootD.so, next to hepkit),
/// loaded only when a root:// URL is opened; it is built where Debian's libxrootd-client-dev is installed.
let hasXRootD = FileManager.default.fileExists(atPath: "/usr/include/xrootd/XrdCl/XrdClFile.hh")

let optimized: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "HEPKit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hepkit", targets: ["hepkit"]),
        .library(name: "ROOTIO", targets: ["ROOTIO"]),
        .library(name: "DiffColumns", targets: ["DiffColumns"]),
        .library(name: "HistFactory", targets: ["HistFactory"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Collective", targets: ["Collective"]),
        .library(name: "Batch", targets: ["Batch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: codecs.map { .systemLibrary(name: $0.name, pkgConfig: $0.pkg, providers: [.apt([$0.apt])]) } + [
        .target(name: "CSupport"),
        .target(name: "HEPKitSupport", dependencies: ["CSupport"], swiftSettings: optimized),
        .target(name: "CMPILoader", dependencies: ["CSupport"], exclude: ["bridge"], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "Collective", dependencies: ["CMPILoader"], swiftSettings: optimized),
        .target(name: "CRemote", dependencies: ["CSupport"], exclude: ["bridge"], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "ROOTIO", dependencies: ["HEPKitSupport", "CRemote"] + codecs.map { .target(name: $0.name) }, swiftSettings: optimized),
        .target(name: "DiffColumns", dependencies: ["HEPKitSupport"], swiftSettings: optimized),
        .target(name: "HistFactory", dependencies: ["HEPKitSupport"], swiftSettings: optimized),
        .target(name: "Inference", dependencies: ["HEPKitSupport", "HistFactory"], swiftSettings: optimized),
        .target(
            name: "Analysis",
            dependencies: ["HEPKitSupport", "ROOTIO", "DiffColumns", "HistFactory", "Inference", "Collective", "Yams"],
            swiftSettings: optimized),
        .target(name: "HistFactoryXML", dependencies: ["HEPKitSupport", "HistFactory", "ROOTIO"], swiftSettings: optimized),
        .target(name: "Plots", swiftSettings: optimized),
        .target(name: "Batch", dependencies: ["HEPKitSupport"]),
        .executableTarget(
            name: "hepkit",
            dependencies: [
                "CSupport", "HEPKitSupport", "ROOTIO", "HistFactory", "HistFactoryXML", "Inference", "Analysis", "Plots", "Batch",
                "Collective", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized),
        .testTarget(name: "HEPKitSupportTests", dependencies: ["HEPKitSupport"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective"]),
        .testTarget(name: "ROOTIOTests", dependencies: ["ROOTIO", "HEPKitSupport"]),
        .testTarget(name: "DiffColumnsTests", dependencies: ["DiffColumns"]),
        .testTarget(name: "HistFactoryTests", dependencies: ["HistFactory", "HEPKitSupport"]),
        .testTarget(name: "HistFactoryXMLTests", dependencies: ["HistFactoryXML", "HistFactory", "ROOTIO"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "HistFactory"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(name: "BatchTests", dependencies: ["Batch"]),
        .testTarget(
            name: "hepkitTests",
            dependencies: ["hepkit", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)

if hasXRootD {
    package.products.append(.library(name: "HEPKitXRootD", type: .dynamic, targets: ["CXRootDShim"]))
    package.targets.append(
        .target(name: "CXRootDShim", cxxSettings: [.unsafeFlags(["-I/usr/include/xrootd"])],
                linkerSettings: [.linkedLibrary("XrdCl")]))
}

// Coverage-guided fuzz targets (libFuzzer), one executable per folder of Fuzz/, built only when
// HEPKIT_FUZZ=1: tools/fuzz.sh builds them with -sanitize=fuzzer,address for every module.
if ProcessInfo.processInfo.environment["HEPKIT_FUZZ"] == "1" {
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Fuzz")) ?? []
    for name in folders.sorted() where !name.hasPrefix(".") {
        // SwiftPM links an executable with main = <name>_main: CSupport's hepkit_fuzz_main is that entry
        // point and starts libFuzzer's driver (pulled from the libFuzzer archive with -u)
        package.targets.append(
            .executableTarget(
                name: name, dependencies: ["CSupport", "HEPKitSupport", "ROOTIO", "HistFactory", "HistFactoryXML", "Inference", "Analysis"],
                path: "Fuzz/\(name)",
                linkerSettings: [.unsafeFlags(["-Xlinker", "--defsym", "-Xlinker", "\(name)_main=hepkit_fuzz_main",
                                               "-Xlinker", "--defsym", "-Xlinker", "main=hepkit_fuzz_main",
                                               "-Xlinker", "-u", "-Xlinker", "LLVMFuzzerRunDriver"])]))
    }
}
