import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// A real LiteLLM proxy on 127.0.0.1 in front of the fake provider, logging every request through
/// its generic_api callback into a `vigil serve`'s `/ingest/litellm`.
struct LiteLLMProxy {
  let peer: PythonPeer
  let port: Int

  /// Writes the proxy's config (one model group, `fast`, with `params` added to its
  /// litellm_params), starts it and waits until it is live.
  static func start(
    provider: PythonPeer, serve: ServeProcess, in dir: TemporaryDirectory, params: String = ""
  ) async throws -> LiteLLMProxy {
    LogFile.write(
      dir.file("litellm.yaml"),
      """
      model_list:
        - model_name: fast
          litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:\(provider.port)/v1", api_key: sk-test\(params)}
      litellm_settings:
        callbacks: ["generic_api"]
        num_retries: 0
      router_settings:
        allowed_fails: 100

      """)
    let port = try IntakePeerTests.freePort()
    let peer = try PythonPeer(
      ["litellm", "--config", dir.file("litellm.yaml"), "--host", "127.0.0.1", "--port", String(port)],
      directory: dir.path,
      environment: [
        "LITELLM_MASTER_KEY": "sk-master", "GENERIC_LOGGER_ENDPOINT": serve.url("/ingest/litellm"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False",
      ])
    var up = false
    for _ in 0..<300 where !up && peer.isRunning {
      up = (try? await HTTPGet.get("http://127.0.0.1:\(port)/health/liveliness").status) == 200
      if !up { try await Task.sleep(for: .milliseconds(200)) }
    }
    #expect(up, "\(peer.log() ?? "")")
    return LiteLLMProxy(peer: peer, port: port)
  }

  /// POSTs a chat completion for the model group `fast` (`stream` as asked).
  func chat(stream: Bool = false) async throws -> HTTPGet.Reply {
    try await HTTPGet.post(
      "http://127.0.0.1:\(port)/v1/chat/completions",
      headers: [("Authorization", "Bearer sk-master"), ("Content-Type", "application/json")],
      body: Array(
        #"{"model":"fast","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#.utf8))
  }
}
