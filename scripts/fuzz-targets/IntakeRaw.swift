// libFuzzer target: the input itself as an OTLP protobuf traces and logs body, an OTLP/JSON body
// and a LiteLLM body, taken as serve takes a request (IntakeFuzz in Sources/VigilOTLP). Nothing may
// trap; every call that comes out passes CallLimits and adds to a rollup. Built by scripts/fuzz
// with Sources/VigilOTLP, on SwiftProtobuf and Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIntakeRaw(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  IntakeFuzz.raw(Array(UnsafeBufferPointer(start: data, count: count)))
  return 0
}
