// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "conduit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "conduit", targets: ["ConduitCLI"]),
    ],
    targets: [
        // C for what Swift cannot reach: the CPU's SHA instructions, and libcurl's
        // C-variadic API (looked up at run time; nothing to install).
        .target(name: "CConduit"),
        .target(
            name: "Conduit",
            dependencies: ["CConduit"],
            // The bundled definitions reach the binary as generated Swift (Scripts/embed-integrations).
            exclude: ["Integrations/Definitions"]
        ),
        .executableTarget(
            name: "ConduitCLI",
            dependencies: ["Conduit"]
        ),
        .testTarget(
            name: "ConduitTests",
            dependencies: ["Conduit"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Conduit", "ConduitCLI"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
