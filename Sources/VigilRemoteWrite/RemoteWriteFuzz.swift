/// The entry point of the remote-write fuzz target (scripts/fuzz-targets/RemoteWrite.swift)
/// and of the seeded property test CI runs on it: what a receiver can send back (a status, a
/// `Retry-After`, a body, all from the input, the clock anywhere) is classified, and the input as
/// a snappy block is decompressed under a cap. Nothing may trap, no wait may leave its bounds, and
/// what decompresses compresses back to the same.
package enum RemoteWriteFuzz {
  package static func reply(_ bytes: [UInt8]) {
    var at = 0
    func take(_ n: Int) -> [UInt8] {
      defer { at = min(at + n, bytes.count) }
      return Array(bytes[min(at, bytes.count)..<min(at + n, bytes.count)])
    }
    let status = take(2).reduce(0) { $0 << 8 | Int($1) }
    let now = take(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    let header = String(decoding: take(Int(take(1).first ?? 0)), as: UTF8.self)
    let body = take(bytes.count)
    if let wait = RemoteWriteReply.parseRetryAfter(header, nowMs: now) {
      precondition((0...RemoteWriteReply.maxRetryAfterMs).contains(wait))
    }
    switch RemoteWriteReply.classify(status: status, retryAfter: header, body: body, nowMs: now) {
    case .accepted: precondition((200..<300).contains(status))
    case .retry(let wait):
      precondition(status == 429 || (500..<600).contains(status))
      precondition(wait.map { (0...RemoteWriteReply.maxRetryAfterMs).contains($0) } ?? true)
    case .tooOld: precondition((400..<500).contains(status))
    case .refused: break
    }
    let cap = 1 << 16
    if let out = Snappy.decompress(bytes, maxBytes: cap) {
      precondition(out.count <= cap)
      precondition(Snappy.decompress(Snappy.compress(out), maxBytes: cap) == out)
    }
  }
}
