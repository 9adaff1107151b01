// The call-log parser alone over a file on one thread, printing ns per line; it links no Yams, so
// valgrind can count its instructions (valgrind gives up on binaries that link Yams):
//   swift build -c release --product parser-profile
//   valgrind --tool=callgrind .build/release/parser-profile FILE
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif
guard CommandLine.arguments.count == 2, let bytes = FileContents.read(CommandLine.arguments[1]) else {
  print("usage: parser-profile FILE")
  exit(2)
}
var t0 = timespec()
clock_gettime(CLOCK_MONOTONIC, &t0)
let parser = CallLogParser()
var batch = CallBatch()
var ok = 0
var lines = 0
bytes.withUnsafeBytes { all in
  var start = 0
  while start < all.count {
    let newline = memchr(all.baseAddress! + start, 10, all.count - start)
    let end = newline.map { all.baseAddress!.distance(to: UnsafeRawPointer($0)) } ?? all.count
    if (try? parser.parse(UnsafeRawBufferPointer(rebasing: all[start..<end]), into: &batch)) != nil {
      ok += 1
      if batch.count >= 65536 { batch = CallBatch() }
    }
    lines += 1
    start = end + 1
  }
}
var t1 = timespec()
clock_gettime(CLOCK_MONOTONIC, &t1)
let seconds = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9
print("\(lines) lines, \(ok) parsed: \(Int(seconds / Double(max(lines, 1)) * 1e9)) ns/line on one thread")
