/// `12`, `0.5`, `99.9`: integers without a fraction.
package func formatPlain(_ v: Double) -> String {
  if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
  return "\(v)"
}
/// `x` with a fixed number of decimals, without Foundation. Beyond what a Double holds exactly
/// in fixed point (about 15 digits, a threshold of `1e300` say), it is written as Swift writes it
/// (`1e+300`): the digits could not be exact, and `Int64` could not hold them.
package func formatFixed(_ x: Double, digits: Int) -> String {
  guard x.isFinite else { return "\(x)" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = (abs(x) * scale).rounded()
  guard scaled < 1e15 else { return "\(x)" }
  let whole = Int64(scaled / scale)
  var fraction = String(Int64(scaled) - whole * Int64(scale))
  while fraction.count < digits { fraction = "0" + fraction }
  return (x < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
}
