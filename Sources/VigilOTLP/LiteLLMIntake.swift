extension LiteLLMCalls {
  /// The calls in a body, held to `limits` before it is parsed (a 413 that names the bound) and
  /// its parsing's cost taken from `reservation`; bytes that are not UTF-8 are replaced by `?`
  /// (counted in `repaired`) instead of refusing every payload batched with them.
  package static func calls(_ body: [UInt8], limits: IntakeLimits, reservation: IntakeReservation?)
    throws(PayloadError) -> GenAICalls.Mapped
  {
    let shape = try JSONShape.scan(body, limits: limits)
    if shape.items > limits.maxItems {
      throw PayloadError(413, "the body has more than \(limits.maxItems) LiteLLM payloads")
    }
    try reservation?.add(shape.values * IntakeLimits.bytesPerJSONValue + 2 * body.count, for: "parse")
    let (text, repaired) = UTF8Check.repaired(body)
    var mapped = try calls(text)
    mapped.repaired = repaired
    return mapped
  }
}
