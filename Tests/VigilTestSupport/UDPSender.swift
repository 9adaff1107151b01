#if canImport(Glibc)
  import Glibc
#endif

/// Sends UDP datagrams to 127.0.0.1.
public final class UDPSender {
  let fd: Int32
  var address = sockaddr_in()

  public init(port: Int) {
    fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var size: Int32 = 4 << 20
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
  }

  deinit { close(fd) }

  @discardableResult
  public func send(_ bytes: [UInt8]) -> Bool {
    var a = address
    let n = bytes.withUnsafeBytes { buf in
      withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(fd, buf.baseAddress, buf.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    return n == bytes.count
  }

  public func send(_ text: String) { send(Array(text.utf8)) }
}
