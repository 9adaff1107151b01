package import VigilCore

extension RuleSet {
  /// A warning for each secret a receiver names that `environment` does not hold.
  package func unsetSecrets(in environment: [String: String]) -> [String] {
    var warnings: [String] = []
    for r in receivers {
      var names: [SecretValue] = []
      switch r.kind {
      case .stdout: break
      case .webhook(let w): names = [w.url] + w.headers.map(\.value) + (w.signingSecret.map { [$0] } ?? [])
      case .email(let e): names = e.password.map { [$0] } ?? []
      case .alertmanager(let a): names = a.urls + a.headers.map(\.value)
      }
      for case .environment(let name) in names where environment[name] == nil {
        warnings.append(
          "receiver '\(r.name)': $\(name) is not set; its messages wait in the outbox until it is")
      }
    }
    return warnings
  }
}
