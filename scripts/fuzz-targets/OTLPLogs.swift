// libFuzzer target: an OTLP logs export built from the input's choices (GenAI records, times at
// their extremes), then damaged, taken as serve takes a request (IntakeFuzz in Sources/VigilOTLP).
// Nothing may trap; every call that comes out passes CallLimits and adds to a rollup. Built by
// scripts/fuzz with Sources/VigilOTLP, on SwiftProtobuf and Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLPLogs(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  IntakeFuzz.logs(Array(UnsafeBufferPointer(start: data, count: count)))
  return 0
}
