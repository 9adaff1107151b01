// libFuzzer target: LiteLLM payloads (a JSON array or NDJSON) built from the input's choices, every
// field a value of any JSON type, then damaged, taken as serve takes a request (IntakeFuzz in
// Sources/VigilOTLP). Nothing may trap; every call that comes out passes CallLimits and adds to a
// rollup. Built by scripts/fuzz with Sources/VigilOTLP, on SwiftProtobuf and Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLiteLLM(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  IntakeFuzz.litellm(Array(UnsafeBufferPointer(start: data, count: count)))
  return 0
}
