// swift-tools-version: 6.0
import PackageDescription

/// Swift 6 language mode everywhere, plus upcoming features that keep APIs honest.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Tally",
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyFormats", targets: ["TallyFormats"]),
        .library(name: "TallyStore", targets: ["TallyStore"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // SHA-256 with the x86 SHA extensions: C only because Swift cannot reach those instructions.
        .target(name: "CSHA256"),
        .target(name: "TallyFormats", dependencies: ["CSHA256"], swiftSettings: strictSettings),
        .target(name: "TallyStore", dependencies: ["CSQLite"], swiftSettings: strictSettings),
        .target(name: "TallyKit", dependencies: ["TallyFormats", "TallyStore"], swiftSettings: strictSettings),
        .executableTarget(name: "tally", dependencies: ["TallyKit"], swiftSettings: strictSettings),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(name: "TallyFormatsTests", dependencies: ["TallyFormats", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "TallyStoreTests", dependencies: ["TallyStore", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "TallyKitTests", dependencies: ["TallyKit", "TallyFormats", "TallyStore", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "TallyEndToEndTests",
            dependencies: ["tally", "TestSupport", "TallyStore"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
