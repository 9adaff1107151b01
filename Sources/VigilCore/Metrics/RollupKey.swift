/// The width of a rollup bucket: 10 seconds of event time.
package let rollupBucketMs: Int64 = 10_000
/// A rollup's key: bucket start (ms, a multiple of ``rollupBucketMs``) and series.
package struct RollupKey: Sendable, Hashable {
  package var bucketMs: Int64
  package var series: SeriesKey

  package init(bucketMs: Int64, series: SeriesKey) {
    self.bucketMs = bucketMs
    self.series = series
  }

  /// The bucket that holds an instant.
  package static func bucket(of ms: Int64) -> Int64 {
    ms >= 0
      ? ms / rollupBucketMs * rollupBucketMs : (ms - rollupBucketMs + 1) / rollupBucketMs * rollupBucketMs
  }
}
