// swift-tools-version:6.2
// Hummingbird 2.28 itself needs tools 6.2.
import PackageDescription

let package = Package(
    name: "myelin",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "myelin", targets: ["myelin"]),
        .executable(name: "myelin-thumbnailer", targets: ["myelin-thumbnailer"]),
    ],
    dependencies: [
        // traits: [] drops swift-configuration and the full-Foundation extras we do not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages). Debian's mbedTLS 2.28 ships no .pc file.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CMbedTLS", providers: [.apt(["libmbedtls-dev"])]),
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // SRV lookups for federation server discovery (libc6-dev; getaddrinfo has no SRV).
        .systemLibrary(name: "CResolv"),
        // glibc's malloc_trim and mallopt: freed memory given back to the system (libc6-dev).
        .systemLibrary(name: "CMalloc"),
        // posix_spawn's close-from file action: children inherit no sockets (libc6-dev).
        .systemLibrary(name: "CSpawn"),

        .target(name: "MatrixCore", dependencies: ["CSodium"]),
        .target(name: "MyelinStorage", dependencies: [
            "MatrixCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinAccounts", dependencies: [
            "MatrixCore", "MyelinStorage", "CSodium", "CMbedTLS",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Server-side key backups: versions and backed-up room keys (no HTTP here).
        .target(name: "MyelinKeyBackup", dependencies: ["MatrixCore", "MyelinStorage", "MyelinAccounts"]),
        // End-to-end encryption keys: device, one-time, fallback and cross-signing keys. No HTTP here.
        .target(name: "MyelinE2EE", dependencies: ["MatrixCore", "MyelinStorage", "MyelinAccounts"]),
        // Rooms: the event pipeline, room state, membership, history, aliases, directory. No HTTP here.
        .target(name: "MyelinRooms", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Push rules run over accepted events: who is notified of what (unread counts; pushers later).
        .target(name: "MyelinPush", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinRooms",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // /sync: stream tokens, the notifier that wakes waiting requests, the response.
        .target(name: "MyelinSync", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts", "MyelinRooms", "MyelinEphemeral", "MyelinPush",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Profiles (and their member events) and the user directory. No HTTP here.
        .target(name: "MyelinProfiles", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts", "MyelinRooms",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Typing, receipts and read markers, presence: the ephemeral streams sync serves. No HTTP here.
        .target(name: "MyelinEphemeral", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts", "MyelinRooms",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinMedia", dependencies: [
            "MatrixCore", "MyelinStorage", "CSodium", "MyelinHTTPClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinTLS", dependencies: [
            "CMbedTLS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinHTTPClient", dependencies: [
            "MyelinTLS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Federation: server keys, discovery, X-Matrix, transactions in and out, missing events, remote joins.
        .target(name: "MyelinFederation", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinRooms", "MyelinHTTPClient", "CResolv",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinHTTP", dependencies: [
            "MatrixCore", "MyelinAccounts", "MyelinStorage", "MyelinTLS", "MyelinMedia", "MyelinKeyBackup", "MyelinE2EE",
            "MyelinRooms", "MyelinSync", "MyelinProfiles", "MyelinEphemeral", "MyelinFederation",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MyelinServer", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts", "MyelinHTTP", "MyelinTLS", "MyelinHTTPClient", "MyelinMedia",
            "MyelinThumbnail", "MyelinKeyBackup", "MyelinRooms", "MyelinSync", "MyelinProfiles", "MyelinEphemeral",
            "MyelinPush", "MyelinFederation", "CMbedTLS", "CMalloc",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "myelin", dependencies: [
            "MyelinServer", "MyelinStorage", "MyelinAccounts", "MatrixCore", "MyelinTLS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libvips stays out of the server process (DESIGN.md): it is linked only here.
        .executableTarget(name: "myelin-thumbnailer", dependencies: ["CVips"]),
        // The server-side client of myelin-thumbnailer: spawns it and speaks its pipe protocol. No
        // CVips here, so the server can depend on it without linking libvips.
        .target(name: "MyelinThumbnail", dependencies: ["CSpawn"]),

        // Figures for closing notes (argon2id cost); see also Benchmarks/idle-rss.sh.
        .executableTarget(name: "myelin-bench", dependencies: [
            "MatrixCore", "MyelinAccounts", "MyelinStorage", "MyelinRooms", "CSodium",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ],
                          path: "Benchmarks/MyelinBench"),

        // Requests/s of the outbound HTTP client over one keep-alive connection (see its main.swift).
        .executableTarget(name: "myelin-httpclient-bench", dependencies: [
            "MyelinHTTPClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/HTTPClientBench"),

        // Federation figures: /send throughput into a `myelin serve` process and its RSS over a gap.
        .executableTarget(name: "myelin-federation-bench", dependencies: [
            "MyelinServer", "MyelinFederation", "MyelinHTTPClient", "MatrixCore", "MyelinTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/FederationBench"),

        // Spawning helper programs from tests without Foundation's Process (see ChildProcess.swift).
        .target(name: "MyelinTestSupport", dependencies: ["CSpawn"], path: "Tests/TestSupport"),
        .testTarget(name: "MatrixCoreTests", dependencies: ["MatrixCore"]),
        // Federation parts that need no running homeserver (discovery, keys, signing, queues).
        .testTarget(name: "MyelinFederationTests", dependencies: [
            "MyelinFederation", "MatrixCore", "MyelinStorage", "MyelinHTTPClient", "MyelinTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MyelinHTTPClientTests", dependencies: [
            "MyelinHTTPClient", "MyelinTLS", "MyelinTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Fixtures"]),
        // Runs the built myelin-thumbnailer (found next to the test bundle) through MyelinThumbnail.
        .testTarget(name: "MyelinThumbnailTests", dependencies: ["MyelinThumbnail", "MyelinTestSupport"]),
        .testTarget(name: "MyelinTests", dependencies: [
            "MatrixCore", "MyelinStorage", "MyelinAccounts", "MyelinHTTP", "MyelinServer", "MyelinMedia", "MyelinE2EE",
            "MyelinRooms", "MyelinProfiles", "MyelinEphemeral", "MyelinPush", "MyelinFederation", "MyelinTestSupport",
            "MyelinHTTPClient",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
