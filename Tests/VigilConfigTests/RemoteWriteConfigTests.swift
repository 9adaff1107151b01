import Testing
import VigilConfig
import VigilCore

/// `remote_write:` in vigil.yaml: a list of receivers as in Prometheus, validated with line and
/// column; secrets only as names of environment variables; a change takes effect at restart.
@Suite struct RemoteWriteConfigTests {
  @Test func aFullEntryIsReadAndDefaultsApply() throws {
    let yaml = """
      version: 1
      remote_write:
        - url: https://metrics.example:9090/api/v1/write
          name: central
          bearer_token_env: VIGIL_RW_TOKEN
          headers: {X-Scope-OrgID: team-a}
          ca_file: /etc/vigil/ca.pem
          external_labels: {instance: host-1, region: eu}
          interval: 30s
          timeout: 5s
          max_backfill: 2h
        - url: http://127.0.0.1:8428/api/v1/write
          basic_auth: {username: vigil, password_env: VM_PASSWORD}

      """
    let c = try ServeConfigLoader.load(yaml: yaml, file: "vigil.yaml")
    #expect(c.remoteWrite.count == 2)
    let a = c.remoteWrite[0]
    #expect(a.name == "central" && a.bearerTokenEnv == "VIGIL_RW_TOKEN" && a.caFile == "/etc/vigil/ca.pem")
    #expect(a.headers == [.init(name: "X-Scope-OrgID", value: .literal("team-a"))])
    #expect(a.externalLabels.map(\.name).sorted() == ["instance", "region"])
    #expect(a.intervalMs == 30_000 && a.timeoutMs == 5_000 && a.maxBackfillMs == 7_200_000)
    let b = c.remoteWrite[1]
    #expect(
      b.name == "127.0.0.1:8428" && b.basicAuthUsername == "vigil" && b.basicAuthPasswordEnv == "VM_PASSWORD")
    #expect(b.intervalMs == 15_000 && b.timeoutMs == 30_000 && b.maxBackfillMs == 3_600_000)
    // A reload does not restart the senders: it says the change waits for a restart.
    let none = try ServeConfigLoader.load(yaml: "version: 1\n", file: "vigil.yaml")
    #expect(none.remoteWrite.isEmpty)
    #expect(none.restartOnlyChanges(to: c) == ["remote_write"])
  }

  @Test(arguments: [
    ("remote_write: {url: http://a/}", "2:15: remote_write must be a list"),
    ("remote_write:\n  - name: x", "3:5: remote_write[0]: missing url"),
    ("remote_write:\n  - url: ftp://a/", "3:10: remote_write[0]: url must be an http:// or https:// URL"),
    ("remote_write:\n  - url: http://user:pw@a/", "3:10: remote_write[0]: no credentials in the url"),
    (
      "remote_write:\n  - url: http://a/\n    bearer_token: abc",
      "4:5: unknown key 'bearer_token' in remote_write[0] (did you mean 'bearer_token_env'?)"
    ),
    (
      "remote_write:\n  - url: http://a/\n    bearer_token_env: 'not a name'",
      "4:23: remote_write 'a': bearer_token_env must name"
    ),
    (
      "remote_write:\n  - url: http://a/\n    bearer_token_env: T\n    basic_auth: {username: u, password_env: P}",
      "5:17: remote_write 'a': bearer_token_env and basic_auth exclude each other"
    ),
    (
      "remote_write:\n  - url: http://a/\n    basic_auth: {username: u}",
      "4:17: remote_write 'a': basic_auth needs username and password_env"
    ),
    (
      "remote_write:\n  - url: http://a/\n    headers: {Content-Type: text/plain}",
      "4:14: remote_write 'a': the header Content-Type is set by the protocol"
    ),
    (
      "remote_write:\n  - url: http://a/\n    ca_file: /ca.pem",
      "4:14: remote_write 'a': ca_file applies to an https:// url only"
    ),
    (
      "remote_write:\n  - url: http://a/\n    external_labels: {provider: x}",
      "4:23: remote_write 'a': external label provider would replace"
    ),
    (
      "remote_write:\n  - url: http://a/\n    external_labels: {__x: y}",
      "4:23: remote_write 'a': external_labels names must match"
    ),
    (
      "remote_write:\n  - url: http://a/\n    external_labels: {host: ''}",
      "4:29: remote_write 'a': external label host needs a value"
    ),
    (
      "remote_write:\n  - url: http://a/\n    interval: 500ms",
      "4:15: remote_write 'a': interval must be whole seconds from 1s to 1h"
    ),
    (
      "remote_write:\n  - url: http://a/\n    interval: 1m\n    max_backfill: 30s",
      "5:19: remote_write 'a': max_backfill must be at least the interval"
    ),
    (
      "remote_write:\n  - url: http://a/\n  - url: http://a/x",
      "4:5: remote_write: two receivers are named 'a'"
    ),
  ])
  func mistakesAreRefusedWithTheirPlace(yaml: String, message: String) {
    do {
      _ = try ServeConfigLoader.load(yaml: "version: 1\n" + yaml + "\n", file: "vigil.yaml")
      Issue.record("accepted: \(yaml)")
    } catch {
      #expect(error.description.contains("vigil.yaml:" + message), "\(error)")
    }
  }
}
