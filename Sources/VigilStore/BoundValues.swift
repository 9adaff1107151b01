import VigilCore

/// What the parameters of a prepared statement hold between its runs, so that a parameter set to
/// the value it already holds is not bound again.
///
/// SQLite keeps bound values across resets, and each bind call costs its unbind (a release, the
/// statement's flags) and a set: binding was a fifth of the writing thread's CPU on a bulk import.
/// Most of a call's row repeats the row bound at the same place one run before (the attempt, the
/// retry limit, the status, `exhausted`, a NULL detail), so about two binds in five are skipped.
///
/// Numbers and NULLs are compared by their bits; text is always bound (its bytes move with every
/// batch), and so are values that seldom repeat (`bindVarying`); a parameter whose
/// value is not known (text, a varying value, or never bound) is bound next time.
final class BoundValues {
  /// Per parameter (index - 1): the kind of value it holds and its bits. Raw memory: this is
  /// checked for every value of every row, and an array's checks cost more than the binds saved.
  private let kinds: UnsafeMutablePointer<Kind>
  private let bits: UnsafeMutablePointer<UInt64>
  private let count: Int

  enum Kind: UInt8 {
    case unknown, null, integer, real
  }

  /// Room for parameters `1...count`, none of them known.
  init(count: Int) {
    self.count = count
    kinds = .allocate(capacity: max(count, 1))
    kinds.initialize(repeating: .unknown, count: max(count, 1))
    bits = .allocate(capacity: max(count, 1))
    bits.initialize(repeating: 0, count: max(count, 1))
  }

  deinit {
    kinds.deallocate()
    bits.deallocate()
  }

  /// Whether parameter `i` holds this value; if not, it is noted as holding it (the caller binds).
  @inline(__always) private func holds(_ i: Int32, _ kind: Kind, _ value: UInt64) -> Bool {
    let k = Int(i) &- 1
    precondition(k >= 0 && k < count, "parameter \(i) out of range")
    if kinds[k] == kind && bits[k] == value { return true }
    kinds[k] = kind
    bits[k] = value
    return false
  }

  @inline(__always) func bind(_ s: Statement, _ i: Int32, _ v: Int64) {
    if !holds(i, .integer, UInt64(bitPattern: v)) { s.bind(i, v) }
  }

  @inline(__always) func bind(_ s: Statement, _ i: Int32, _ v: Int64?) {
    guard let v else { return bindNull(s, i) }
    bind(s, i, v)
  }

  /// Values that seldom repeat (a time, a latency, a token count) are bound without a compare
  /// (a branch the processor would mostly guess wrong), and only noted as not known.
  @inline(__always) func bindVarying(_ s: Statement, _ i: Int32, _ v: Int64) {
    forget(i)
    s.bind(i, v)
  }

  @inline(__always) func bindVarying(_ s: Statement, _ i: Int32, _ v: Int64?) {
    guard let v else { return bindNull(s, i) }
    bindVarying(s, i, v)
  }

  @inline(__always) func bindVarying(_ s: Statement, _ i: Int32, _ v: Double?) {
    guard let v else { return bindNull(s, i) }
    forget(i)
    s.bind(i, v)
  }

  /// ``Statement/bind(_:number:)``: an integral value as an integer, others as a double.
  @inline(__always) func bindVarying(_ s: Statement, _ i: Int32, number v: Double?) {
    guard let v else { return bindNull(s, i) }
    forget(i)
    s.bind(i, number: v)
  }

  /// ``Statement/bind(_:staticText:count:)``: text is bound every time, NULL only when it is new.
  @inline(__always) func bind(_ s: Statement, _ i: Int32, staticText p: UnsafePointer<UInt8>?, count: Int) {
    guard p != nil else { return bindNull(s, i) }
    forget(i)
    s.bind(i, staticText: p, count: count)
  }

  @inline(__always) private func forget(_ i: Int32) {
    let k = Int(i) &- 1
    precondition(k >= 0 && k < count, "parameter \(i) out of range")
    kinds[k] = .unknown
  }

  @inline(__always) func bindNull(_ s: Statement, _ i: Int32) {
    if !holds(i, .null, 0) { s.bind(i, nil as Int64?) }
  }
}
