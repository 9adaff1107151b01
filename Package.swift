// swift-tools-version: 6.2
import Foundation
import PackageDescription

// Vigil runs on Linux only: the UDP listener uses recvmmsg and SO_RXQ_OVFL, and the code uses
// Glibc. (The macOS platform line only satisfies the availability annotations of Hummingbird.)

/// One set of settings for every target: Swift 6 language mode, strict concurrency, imports that
/// say what they expose (internal by default), members visible only from modules imported.
let swiftSettings: [SwiftSetting] =
  [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
  ]
  // CI (CI=true, as .ci/run sets it) builds Vigil's own targets with warnings as errors; the
  // dependencies' warnings are SwiftPM's to silence.
  + (ProcessInfo.processInfo.environment["CI"] == "true" ? [.treatAllWarnings(as: .error)] : [])

/// The commit this build is of, for `vigil --version`: $VIGIL_COMMIT when set; else the
/// checkout's HEAD, read from .git (a worktree's too) so that no git is needed; else the commit
/// `git archive` wrote into scripts/commit (export-subst, see .gitattributes) for a tarball; else
/// "unknown". Only hex digits pass into the build.
func buildCommit() -> String {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
  func read(_ path: String) -> String? {
    (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
  }
  func hex(_ s: String?) -> String? {
    guard let s, (7...64).contains(s.count), s.allSatisfy(\.isHexDigit) else { return nil }
    return s.lowercased()
  }
  if let c = hex(ProcessInfo.processInfo.environment["VIGIL_COMMIT"]) { return c }
  var git = root + "/.git"
  if let file = read(git), file.hasPrefix("gitdir: ") {
    let dir = String(file.dropFirst(8))
    git = dir.hasPrefix("/") ? dir : root + "/" + dir
  }
  if let head = read(git + "/HEAD") {
    if let c = hex(head) { return c }
    let ref = head.hasPrefix("ref: ") ? String(head.dropFirst(5)) : head
    var dirs = [git]
    if let common = read(git + "/commondir") {
      dirs.append(common.hasPrefix("/") ? common : git + "/" + common)
    }
    for dir in dirs {
      if let c = hex(read(dir + "/" + ref)) { return c }
      for line in (read(dir + "/packed-refs") ?? "").split(separator: "\n") where line.hasSuffix(" " + ref) {
        if let c = hex(line.split(separator: " ").first.map(String.init)) { return c }
      }
    }
  }
  return hex(read(root + "/scripts/commit")) ?? "unknown"
}

let package = Package(
  name: "vigil",
  platforms: [.macOS(.v14)],
  // One product: the `vigil` executable. The libraries are Vigil's own layers, shared between
  // its targets with `package` access; nothing outside builds on them.
  products: [
    .executable(name: "vigil", targets: ["vigil"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
  ],
  targets: [
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
    .target(name: "CVigilNet"),
    .target(name: "CVigilBuild", cSettings: [.define("VIGIL_COMMIT", to: "\"\(buildCommit())\"")]),
    .target(name: "VigilCore", swiftSettings: swiftSettings),
    .target(name: "VigilSync", swiftSettings: swiftSettings),
    .target(
      name: "VigilStore", dependencies: ["VigilCore", "VigilSync", "CSQLite"], swiftSettings: swiftSettings),
    .target(
      name: "VigilIngest",
      dependencies: [
        "VigilCore", "VigilStore", "VigilSync", "CZlib", "CVigilNet",
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings),
    .target(
      name: "VigilConfig",
      dependencies: [
        "VigilCore", .product(name: "Yams", package: "Yams"),
        .product(name: "Mustache", package: "swift-mustache"),
      ],
      swiftSettings: swiftSettings),
    // The alert engine: the pipeline from evaluation to the outbox, Alertmanager pushes' state,
    // message rendering, rule tests. No network: what leaves the process is VigilDelivery's.
    .target(
      name: "VigilAlerting", dependencies: ["VigilCore", "VigilStore", "VigilConfig"],
      swiftSettings: swiftSettings),
    // Messages out of the outbox to their receivers: webhooks over HTTP(S), email over SMTP.
    .target(
      name: "VigilDelivery",
      dependencies: [
        "VigilCore", "VigilStore", "VigilSync",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOExtras", package: "swift-nio-extras"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: swiftSettings),
    // OTLP/HTTP and LiteLLM payloads into call records. The OTLP types are generated from
    // scripts/otlp/otlp.proto by scripts/gen-otlp and committed: builds never run protoc.
    .target(
      name: "VigilOTLP",
      dependencies: ["VigilCore", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
      swiftSettings: swiftSettings),
    // Prometheus remote write: the series pushed (from the rollups), the WriteRequest (generated
    // from scripts/remote-write/remote.proto by scripts/gen-remote-write and committed), snappy.
    .target(
      name: "VigilRemoteWrite",
      dependencies: ["VigilCore", "CSnappy", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
      swiftSettings: swiftSettings),
    .target(name: "VigilReport", dependencies: ["VigilCore", "VigilStore"], swiftSettings: swiftSettings),
    .target(
      name: "VigilServer",
      dependencies: [
        "VigilCore", "VigilStore", "VigilIngest", "VigilConfig", "VigilAlerting", "VigilDelivery",
        "VigilReport",
        "VigilSync",
        "VigilOTLP", "VigilRemoteWrite", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "vigil",
      dependencies: [
        "VigilCore", "VigilStore", "VigilIngest", "VigilConfig", "VigilAlerting", "VigilDelivery",
        "VigilServer",
        "VigilReport",
        "VigilSync", "CVigilBuild", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings),
    .target(
      name: "VigilTestSupport", dependencies: ["VigilCore", "VigilSync"], path: "Tests/VigilTestSupport",
      swiftSettings: swiftSettings),
    .target(
      name: "VigilTestPeers",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      path: "Tests/VigilTestPeers", swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilReportTests", dependencies: ["VigilReport", "VigilCore", "VigilStore", "VigilTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilAlertingTests",
      dependencies: ["VigilAlerting", "VigilCore", "VigilStore", "VigilConfig", "VigilTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilDeliveryTests",
      dependencies: [
        "VigilDelivery", "VigilAlerting", "VigilCore", "VigilStore", "VigilTestSupport", "VigilTestPeers",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"], swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilOTLPTests",
      dependencies: [
        "VigilOTLP", "VigilCore", "VigilTestSupport",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilRemoteWriteTests",
      dependencies: [
        "VigilRemoteWrite", "VigilCore", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilStoreTests", dependencies: ["VigilStore", "VigilCore", "CSQLite", "VigilTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilIngestTests",
      dependencies: ["VigilIngest", "VigilStore", "VigilCore", "VigilSync", "VigilTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilConfigTests", dependencies: ["VigilConfig", "VigilCore", "VigilStore", "VigilTestSupport"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilServerTests",
      dependencies: [
        "VigilServer", "VigilCore", "VigilStore", "VigilConfig", "VigilSync", "VigilTestSupport",
        "VigilTestPeers", "VigilRemoteWrite", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "VigilCLITests",
      dependencies: ["VigilStore", "VigilCore", "VigilSync", "vigil", "VigilTestSupport", "VigilTestPeers"],
      swiftSettings: swiftSettings),
  ],
  swiftLanguageModes: [.v6]
)

// The benchmark and profiling helpers are built only when asked for (VIGIL_BENCH=1, as
// scripts/bench and CI's strict build set it): a plain `swift build` or `swift run vigil` builds
// Vigil and its tests alone.
if ProcessInfo.processInfo.environment["VIGIL_BENCH"] == "1" {
  package.targets += [
    .executableTarget(name: "parser-profile", dependencies: ["VigilCore"], swiftSettings: swiftSettings),
    .executableTarget(
      name: "vigil-bench",
      dependencies: [
        "VigilCore", "VigilStore", "VigilConfig", "VigilOTLP",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings),
  ]
}
