import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// What arrives over HTTP cannot grow serve's memory beyond its bound: the bombs (a 57 KB
/// gzip OTLP export of 30 million empty attributes once cost 2.4 GB, a 59 KB gzip LiteLLM array
/// 3.9 GB; four at once were OOM-killed in 4 GiB) are refused at once, and many large exports at
/// once share `http.intake_memory`: the peak resident size of a real `vigil serve` (VmHWM) grows
/// by less than that bound and 96 MiB of slack (threads, NIO's buffers, the allocator; measured:
/// 60 to 100 MiB above a 51 MiB baseline with a 64 MiB bound).
@Suite(.serialized) struct IntakeMemoryTests {
  /// The process's peak resident size, in bytes.
  static func peak(_ pid: Int32) -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
  }

  /// The CPU seconds a process has used (user and system), from /proc: what refusing a bomb
  /// costs, which a loaded machine's wall clock does not say.
  static func cpuSeconds(_ pid: Int32) -> Double {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  /// The status and body, or status 0 when no answer came within two minutes. The requests here
  /// queue for serve's decoding slots on purpose; on a loaded 2-core CI machine the eighth large
  /// export waited more than HTTPGet's usual ten seconds (a CI run failed on that, not on memory).
  static func post(_ url: String, _ body: [UInt8], _ headers: [(String, String)]) async -> (Int, String) {
    guard let reply = try? await HTTPGet.post(url, headers: headers, body: body, timeoutSeconds: 120)
    else { return (0, "") }
    return (reply.status, reply.body)
  }

  @Test func bombsAndManyLargeExportsAtOnceStayWithinTheIntakeMemoryBound() async throws {
    let dir = TemporaryDirectory()
    IntakePeerTests.rules(dir.file("alerts.yaml"))
    let bound = 64 << 20
    LogFile.write(dir.file("vigil.yaml"), "version: 1\nhttp:\n  intake_memory: 64MiB\n")
    let serve = try ServeProcess(loopbackIn: dir, ["--config", dir.file("vigil.yaml")])
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening())
    let otlp = "http://127.0.0.1:\(serve.otlpPort)/v1/traces"
    let protobuf = [("Content-Type", "application/x-protobuf")]
    // Warm: one ordinary export, then the baseline.
    #expect(await Self.post(otlp, OTLPWire.export(spans: 1, attributes: 10, empty: false), protobuf).0 == 200)
    let baseline = Self.peak(serve.process.processIdentifier)
    #expect(baseline > 0)

    // The bombs, four of each at once: refused (413, naming the bound; or 503 while the
    // others hold the budget as they inflate), quickly, never stored.
    let otlpBomb = try Gzip.compress(OTLPWire.export(spans: 1, attributes: 30_000_000))
    // `[0,0,0,…]`: 15 million numbers, 30 MB inflated (under the inflated bound).
    var numbers = [UInt8](repeating: UInt8(ascii: ","), count: 30_000_001)
    numbers[0] = UInt8(ascii: "[")
    for i in 0..<15_000_000 { numbers[1 + 2 * i] = UInt8(ascii: "0") }
    numbers[30_000_000] = UInt8(ascii: "]")
    let litellmBomb = try Gzip.compress(numbers)
    #expect(otlpBomb.count < 100_000 && litellmBomb.count < 150_000)
    let cpuBefore = Self.cpuSeconds(serve.process.processIdentifier)
    let gzip = ("Content-Encoding", "gzip")
    let litellm = "http://127.0.0.1:\(serve.httpPort)/ingest/litellm"
    let bombs = await withTaskGroup(of: (Int, String).self) { group in
      for _ in 0..<4 {
        group.addTask { await Self.post(otlp, otlpBomb, protobuf + [gzip]) }
        group.addTask {
          await Self.post(litellm, litellmBomb, [("Content-Type", "application/json"), gzip])
        }
      }
      return await group.reduce(into: []) { $0.append($1) }
    }
    #expect(bombs.allSatisfy { $0.0 == 413 || $0.0 == 503 }, "\(bombs)")
    // Alone, each is a 413 that names the bound it passed.
    let alone = [
      await Self.post(otlp, otlpBomb, protobuf + [gzip]),
      await Self.post(litellm, litellmBomb, [("Content-Type", "application/json"), gzip]),
    ]
    #expect(alone[0].0 == 413 && alone[0].1.contains("inflates beyond 32 MiB"), "\(alone[0])")
    #expect(alone[1].0 == 413 && alone[1].1.contains("more than 1000000 values"), "\(alone[1])")
    // Quickly: refusing the ten bombs cost serve little CPU (a bomb inflated in full, or its
    // 15 million numbers decoded, would take far more). CPU, not wall time: on a loaded machine
    // the same refusals once took 26 s of wall clock.
    let cpu = Self.cpuSeconds(serve.process.processIdentifier) - cpuBefore
    #expect(cpu > 0 && cpu < 8, "serve used \(cpu) s of CPU refusing the bombs")

    // Large exports at once (75,000 attributes each, ~24 MiB to decode by the estimate): each is
    // taken or asked to retry (503, Retry-After) as the budget allows.
    let large = OTLPWire.export(spans: 50, attributes: 1_500, empty: false)
    let answers = await withTaskGroup(of: (Int, String).self) { group in
      for _ in 0..<8 { group.addTask { await Self.post(otlp, large, protobuf) } }
      return await group.reduce(into: []) { $0.append($1) }
    }
    #expect(answers.allSatisfy { $0.0 == 200 || $0.0 == 503 }, "\(answers)")
    #expect(answers.contains { $0.0 == 200 })
    let grown = Self.peak(serve.process.processIdentifier) - baseline
    print(
      "intake memory: baseline VmHWM \(baseline >> 20) MiB, grown by \(grown >> 20) MiB; answers \(answers.map(\.0))"
    )
    #expect(grown < bound + (96 << 20), "VmHWM grew by \(grown >> 20) MiB")
  }
}
