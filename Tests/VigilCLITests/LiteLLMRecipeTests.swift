import Foundation
import Testing
import VigilStore
import VigilTestPeers
import VigilTestSupport

/// The README's LiteLLM recipe run as written against a real LiteLLM proxy (issue 24 item 8): its
/// config.yaml lines after the test's model list, its shell lines with the test's ports; current
/// LiteLLM refuses to start without a master key, so the recipe sets one. A request with no team or
/// key alias gets the recipe's `?app=`, and a 429's provider code is recovered from LiteLLM's text.
@Suite(.serialized) struct LiteLLMRecipeTests {
  /// The first fenced block of `language` after `marker` in the README.
  static func block(_ language: String, after marker: String) throws -> String {
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    let start = try #require(readme.range(of: marker))
    let rest = readme[start.upperBound...]
    let open = try #require(rest.range(of: "```\(language)\n"))
    let close = try #require(rest[open.upperBound...].range(of: "```"))
    return String(rest[open.upperBound..<close.lowerBound])
  }

  @Test func theReadmesLiteLLMRecipeWorksAsWritten() async throws {
    IntakePeerTests.requirePeers()
    let dir = TemporaryDirectory()
    IntakePeerTests.rules(dir.file("alerts.yaml"))
    // The recipe keeps LiteLLM's own retries: 429 on every attempt after the first request.
    let provider = try PythonPeer.fakeProvider(
      script: ["200"] + Array(repeating: "429", count: 20), directory: dir.path)
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let yaml = try Self.block("yaml", after: "**LiteLLM.**")
    LogFile.write(
      dir.file("config.yaml"),
      """
      model_list:
        - model_name: fast
          litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:\(provider.port)/v1", api_key: sk-test}

      """ + yaml)
    let port = try IntakePeerTests.freePort()
    var lines: [String] = []
    for line in try Self.block("sh", after: "**LiteLLM.**").split(separator: "\n").map(String.init)
    where !line.hasPrefix("#") {
      var l = line.replacingOccurrences(of: "127.0.0.1:9516", with: "127.0.0.1:\(serve.httpPort)")
      if l.contains("litellm --config config.yaml") {
        // The proxy in the foreground (exec: stopping the shell stops it), on the test's port.
        l = l.replacingOccurrences(of: "litellm --config", with: "exec litellm --config")
        l += " --host 127.0.0.1 --port \(port)"
      }
      lines.append(l)
      if l.hasPrefix("export LITELLM_MASTER_KEY") { lines.append(#"echo "KEY $LITELLM_MASTER_KEY""#) }
    }
    #expect(lines.contains { $0.contains("exec litellm") } && lines.count == 3, "\(lines)")
    // Run where config.yaml is, as the recipe assumes.
    LogFile.write(dir.file("recipe.sh"), "cd '\(dir.path)'\n" + lines.joined(separator: "\n") + "\n")
    let proxy = try PythonPeer(
      ["sh", dir.file("recipe.sh")], directory: dir.path,
      environment: [
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False", "LITELLM_MASTER_KEY": "",
      ])
    defer { proxy.stop() }
    var up = false
    for _ in 0..<300 where !up && proxy.isRunning {
      up = (try? await HTTPGet.get("http://127.0.0.1:\(port)/health/liveliness").status) == 200
      if !up { try await Task.sleep(for: .milliseconds(200)) }
    }
    #expect(up, "\(proxy.log() ?? "")")
    let key = try #require(
      proxy.log()?.split(separator: "\n").first { $0.hasPrefix("KEY sk-") }.map { String($0.dropFirst(4)) })
    var statuses: [Int] = []
    for _ in 0..<2 {
      statuses.append(
        try await HTTPGet.post(
          "http://127.0.0.1:\(port)/v1/chat/completions",
          headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
          body: Array(#"{"model":"fast","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        ).status)
    }
    #expect(statuses == [200, 429], "\(proxy.log() ?? "")")
    #expect(
      await VigilProcess.waitUntil(seconds: 60) { VigilProcess.storedCalls(dir.file("v.db")) >= 2 },
      "\(proxy.log() ?? "")\n\(serve.log)")
    let rows = try IntakePeerTests.rows(dir.file("v.db"))
    #expect(
      rows.first == "openai fast 200  support-gateway  litellm" && rows.count >= 2
        && rows.dropFirst().allSatisfy {
          $0 == "openai fast 429 rate_limit_exceeded support-gateway  litellm"
        },
      "\(rows)")
  }
}
