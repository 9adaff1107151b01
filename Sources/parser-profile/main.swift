// The call-log parser alone over a file, with no Yams linked, so that valgrind can count its
// instructions (valgrind gives up on binaries that link Yams):
//   swift build -c release --product parser-profile
//   valgrind --tool=callgrind .build/release/parser-profile FILE
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif
let path = CommandLine.arguments[1]
let f = fopen(path, "r")!
var bytes: [UInt8] = []
var chunk = [UInt8](repeating: 0, count: 1 << 20)
while true {
  let n = fread(&chunk, 1, chunk.count, f)
  if n <= 0 { break }
  bytes += chunk[..<n]
}
let parser = CallLogParser()
var interner = StringInterner()
var ok = 0
bytes.withUnsafeBytes { all in
  var start = 0
  while start < all.count {
    var end = start
    while end < all.count && all[end] != 10 { end += 1 }
    if (try? parser.parse(UnsafeRawBufferPointer(rebasing: all[start..<end]), interning: &interner)) != nil {
      ok += 1
    }
    start = end + 1
  }
}
print(ok)
