// libFuzzer target: a remote-write receiver's reply (status, Retry-After, body) built from the
// input and classified, and the input as a snappy block decompressed under a cap
// (RemoteWriteFuzz in Sources/VigilRemoteWrite). Nothing may trap; no wait leaves its bounds.
// Built by scripts/fuzz with Sources/VigilRemoteWrite, on SwiftProtobuf, libsnappy and
// Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRemoteWriteReply(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  RemoteWriteFuzz.reply(Array(UnsafeBufferPointer(start: data, count: count)))
  return 0
}
