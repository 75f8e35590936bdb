// swift-tools-version:6.0
import PackageDescription

// Layers, bottom up:
//   C system libraries (CLua, COpenSSL, CZlib, CZstd) and CShims (macro wrappers);
//   ShardRuntime  — the gateway client (transport, protocol, shard);
//   LuaBridge     — C over the Lua 5.4 API (states, sandbox, JSON → tables);
//   GatewaySim    — a local Discord gateway + REST emulator (tests and `--sim`);
//   BotrunKit     — the runtime that wires shards to Lua scripts;
//   botrun        — the command-line entry point.
let package = Package(
    name: "botrun",
    products: [
        .executable(name: "botrun", targets: ["botrun"]),
        .library(name: "ShardRuntime", targets: ["ShardRuntime"]),
    ],
    targets: [
        .systemLibrary(name: "CLua", path: "Sources/CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "CShims", dependencies: ["COpenSSL", "CZlib", "CZstd"]),
        .target(name: "LuaBridge", dependencies: ["CLua"]),
        .target(name: "ShardRuntime", dependencies: ["CShims", "COpenSSL", "CZlib", "CZstd"]),
        .target(name: "GatewaySim", dependencies: ["ShardRuntime", "CShims"]),
        .target(name: "BotrunKit", dependencies: ["ShardRuntime", "LuaBridge", "GatewaySim"]),
        .executableTarget(name: "botrun", dependencies: ["BotrunKit"]),
        // scripts/bench client: ShardRuntime alone, no Lua (issue 3); not a product.
        .executableTarget(name: "shard-bench", dependencies: ["ShardRuntime"], path: "bench/shard-bench"),
        .testTarget(name: "ShardRuntimeTests", dependencies: ["ShardRuntime", "GatewaySim"]),
        .testTarget(name: "GatewaySimTests", dependencies: ["GatewaySim", "ShardRuntime"]),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge"]),
        .testTarget(name: "BotrunTests", dependencies: ["BotrunKit"]),
    ]
)
