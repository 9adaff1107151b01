import VigilCore

extension LiteLLMCalls {
  /// The calls in a body, held to `limits` before it is parsed (a 413 that names the bound) and
  /// its parsing's cost taken from `reservation`; bytes that are not UTF-8 are replaced by `?`
  /// (counted in `repaired`) instead of refusing every payload batched with them.
  package static func calls(
    _ body: [UInt8], limits: IntakeLimits, reservation: IntakeReservation?, app: String? = nil
  ) throws(PayloadError) -> GenAICalls.Mapped {
    if let app, let problem = appProblem(app) { throw PayloadError(400, "app=\(app.prefix(64)): \(problem)") }
    let shape = try JSONShape.scan(body, limits: limits)
    if shape.items > limits.maxItems {
      throw PayloadError(413, "the body has more than \(limits.maxItems) LiteLLM payloads")
    }
    try reservation?.add(shape.values * IntakeLimits.bytesPerJSONValue + 2 * body.count, for: "parse")
    let (text, repaired) = UTF8Check.repaired(body)
    var mapped = try calls(text, app: app)
    mapped.repaired = repaired
    return mapped
  }

  /// What is wrong with the endpoint's `?app=` default, or nil: a label's bounds, as the
  /// call-log contract holds `app` to, and no control characters.
  package static func appProblem(_ app: String) -> String? {
    if app.isEmpty { return "an empty app: leave the parameter out" }
    if let problem = CallLimits.dimensionProblem(byteCount: app.utf8.count) { return problem }
    return app.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
      ? "control characters in an app" : nil
  }
}
