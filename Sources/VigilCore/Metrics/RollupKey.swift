/// The width of a rollup bucket: 10 seconds of event time.
public let rollupBucketMs: Int64 = 10_000
/// A rollup's key: bucket start (ms, a multiple of ``rollupBucketMs``) and series.
public struct RollupKey: Sendable, Hashable {
  public var bucketMs: Int64
  public var series: SeriesKey

  public init(bucketMs: Int64, series: SeriesKey) {
    self.bucketMs = bucketMs
    self.series = series
  }

  /// The bucket that holds an instant.
  public static func bucket(of ms: Int64) -> Int64 {
    ms >= 0
      ? ms / rollupBucketMs * rollupBucketMs : (ms - rollupBucketMs + 1) / rollupBucketMs * rollupBucketMs
  }
}
