import Testing

@testable import VigilCore

@Suite struct HostPortTests {
  @Test func parsesHostAndPortIncludingIPv6() {
    #expect(HostPort("127.0.0.1:9516") == HostPort(host: "127.0.0.1", port: 9516))
    #expect(HostPort("[::1]:0") == HostPort(host: "::1", port: 0))
    #expect(HostPort("host:65536") == nil && HostPort(":80") == nil && HostPort("nohost") == nil)
  }

  /// Links to a server: its address, or the machine's name when it listens everywhere.
  @Test func anHTTPURLNamesTheHostAPersonCanOpen() {
    #expect(HostPort(host: "127.0.0.1", port: 8080).httpURL(hostname: "box") == "http://127.0.0.1:8080")
    #expect(HostPort(host: "0.0.0.0", port: 9516).httpURL(hostname: "box") == "http://box:9516")
    #expect(HostPort(host: "::", port: 9516).httpURL(hostname: "box") == "http://box:9516")
    #expect(HostPort(host: "::1", port: 9516).httpURL(hostname: "box") == "http://[::1]:9516")
  }
}
