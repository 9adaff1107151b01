/// Facts about this build of Vigil.
package enum VigilInfo {
  /// The version, printed by `vigil --version` and sent as the webhooks' User-Agent.
  package static let version = "0.2.0"
}
