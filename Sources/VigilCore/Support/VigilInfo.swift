/// Facts about this build of Vigil.
public enum VigilInfo {
  /// The version, printed by `vigil --version` and sent as the webhooks' User-Agent.
  public static let version = "0.2.0"
}
