// libFuzzer target: an OTLP traces export (protobuf or JSON) built from the input's choices:
// resources, scopes, GenAI spans and their child HTTP spans, attributes of every type at their
// extremes, events; then damaged (bytes changed, inserted, cut, repeated), taken as serve takes a
// request (IntakeFuzz in Sources/VigilOTLP). Nothing may trap; every call that comes out passes
// CallLimits and adds to a rollup. Built by scripts/fuzz with Sources/VigilOTLP, on SwiftProtobuf
// and Sources/VigilCore.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLPTraces(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  IntakeFuzz.traces(Array(UnsafeBufferPointer(start: data, count: count)))
  return 0
}
