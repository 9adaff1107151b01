import Foundation
import Testing
import VigilTestSupport

/// The README's install, service and cron steps, run as written, as root, as an operator runs them
/// from the checkout, but in private namespaces so that the host keeps nothing: overlays over
/// /etc, /usr/local, /var and the checkout (what `useradd` and `install` write lands in the test's
/// folder), a network of its own (the service binds the fixed ports of examples/vigil.yaml on a
/// loopback no one else shares) and a PID namespace (nothing outlives the test). The README's
/// blocks are the ones marked `<!-- run-verbatim: NAME -->`; each is sourced unchanged. Two
/// stand-ins, and only these: the static build is not made (`scripts/build-release` takes ~10
/// minutes and makes an 87 MB binary; running that script exercises it), so in the
/// checkout's overlay the script is replaced by one that puts the debug `vigil` this suite built
/// where the real script writes its binary, and the README's install line copies that to
/// /usr/local/bin; and there is no systemd as PID 1, so `systemctl` is a shell function that
/// records its calls. Then, as systemd and cron would: `systemd-analyze verify` and `security` on
/// the installed unit, the unit's ExecStart started as its User and Group with its EnvironmentFile
/// and settings (``ReadmeInstall/ServiceUnit``) until it listens and stores the bundled example
/// (as the application's log, readable by `adm` only), the README's cron line run as `vigil`
/// (``ReadmeInstall/CronFile``), its log rotated with the README's logrotate file and the cron
/// line run again, then the unit's ExecReload and a stop.
///
/// It needs root (a second user, chown, mounts): CI and this suite's machines run as root. Without
/// root it fails saying so rather than skipping: an unprivileged user namespace maps only the
/// caller's own id, so `useradd` cannot write root's /etc/passwd there (not even in an overlay)
/// and no second user, `vigil`, can exist to run the service and the cron job.
@Suite(.serialized) struct ReadmeInstallTests {
  /// Paths an install would create on the host, and whether each exists; equal before and after.
  static func hostState(_ repo: String) -> [String] {
    let paths = [
      "/etc/vigil", "/etc/systemd/system/vigil.service", "/usr/local/bin/vigil", "/var/lib/vigil",
      "/var/log/vigil", "/var/log/myapp", repo + "/.build/vigil-release",
    ]
    let build = (try? String(contentsOfFile: repo + "/scripts/build-release", encoding: .utf8)) ?? ""
    return paths.map { "\($0) \(FileManager.default.fileExists(atPath: $0))" } + [
      "user vigil \(getpwnam("vigil") != nil)", "group vigil \(getgrnam("vigil") != nil)",
      "build-release \(build.hashValue)",
    ]
  }

  /// The `name=value` lines the script printed.
  static func facts(_ output: String) -> [String: String] {
    var facts: [String: String] = [:]
    for line in output.split(separator: "\n") where !line.hasPrefix("+") {
      if let eq = line.firstIndex(of: "="), line[..<eq].allSatisfy({ $0.isLetter || $0 == "_" }) {
        facts[String(line[..<eq])] = String(line[line.index(after: eq)...])
      }
    }
    return facts
  }

  @Test func theReadmesInstallServiceAndCronStepsWorkAsWritten() async throws {
    guard geteuid() == 0 else {
      Issue.record(
        "ReadmeInstallTests runs the README's install as root (useradd, chown, overlay mounts) in private namespaces; run it as root, as CI does: sudo -E scripts/test --filter ReadmeInstall"
      )
      return
    }
    // The tools the run uses, each named with its package when it is missing.
    for (tool, package) in [
      ("/usr/bin/unshare", "util-linux"), ("/usr/bin/setpriv", "util-linux"), ("/usr/sbin/useradd", "passwd"),
      ("/usr/bin/systemd-analyze", "systemd"), ("/usr/bin/curl", "curl"), ("/usr/bin/sqlite3", "sqlite3"),
      ("/usr/sbin/logrotate", "logrotate"),
    ] {
      _ = try RequiredTool.path(tool, package: package)
    }
    if !["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].contains(
      where: FileManager.default.isExecutableFile)
    {
      _ = try RequiredTool.path("/usr/sbin/ip", package: "iproute2")
    }
    let repo = FileManager.default.currentDirectoryPath
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    let unitText = try String(contentsOfFile: "examples/vigil.service", encoding: .utf8)
    let unit = ReadmeInstall.ServiceUnit(unitText)
    let cron = try ReadmeInstall.CronFile(try ReadmeInstall.block("cron", in: readme))
    try #require(cron.jobs.count == 1 && cron.jobs[0].user == "vigil", "one job, as vigil: \(cron.jobs)")
    #expect(cron.jobs[0].command.contains("/var/log/myapp/llm-calls.jsonl"), "the log this test writes")
    let example = try String(contentsOfFile: "examples/incident.jsonl", encoding: .utf8)
    let exampleCalls = example.split(separator: "\n").count
    // Where the real scripts/build-release writes its binary by default.
    let buildScript = try String(contentsOfFile: "scripts/build-release", encoding: .utf8)
    let releaseOut = try #require(
      buildScript.firstMatch(of: #/out="\$\{1:-([^}]+)\}"/#).map { String($0.1) },
      "build-release's default OUT")
    let stopSeconds = Int((unit.value("TimeoutStopSec") ?? "90").trimmingCharacters(in: .letters)) ?? 90

    let dir = TemporaryDirectory()
    chmod(dir.path, 0o755)
    for (name, text) in [
      ("install-binary.sh", try ReadmeInstall.block("install-binary", in: readme)),
      ("install-service.sh", try ReadmeInstall.block("install-service", in: readme)),
      ("logrotate.sh", try ReadmeInstall.block("logrotate", in: readme)),
    ] {
      LogFile.write(dir.file(name), text)
    }
    let q = ReadmeInstall.quoted
    let script = """
      set -euo pipefail
      W=\(q(dir.path)); REPO=\(q(repo))
      for d in /etc /usr/local /var "$REPO"; do
        n=$(printf %s "$d" | tr / _)
        mkdir -p "$W/ov$n/upper" "$W/ov$n/work"
        mount -t overlay overlay -o "lowerdir=$d,upperdir=$W/ov$n/upper,workdir=$W/ov$n/work" "$d"
      done
      cd "$REPO"
      ip link set lo up
      # The stand-ins: the suite's debug vigil for the static build, and systemctl without PID 1.
      cat > scripts/build-release <<'STANDIN'
      #!/bin/sh
      cd "$(dirname "$0")/.." && ln -sf \(q(VigilProcess.executable)) \(q(releaseOut)) && echo called > \(q(dir.file("build-release.called")))
      STANDIN
      systemctl() { printf '%s\\n' "$*" >> "$W/systemctl.calls"; }
      set -x
      . "$W/install-binary.sh"
      . "$W/install-service.sh"
      . "$W/logrotate.sh"
      set +x
      # What the operator adds: a secret, and the application's log (readable by adm only).
      printf 'VIGIL_PROBE=from-secrets\\n' >> /etc/vigil/secrets.env
      install -d -m 0750 -o root -g adm /var/log/myapp
      install -m 0640 -o root -g adm examples/incident.jsonl /var/log/myapp/llm-calls.jsonl
      echo "unit_installed=$(cmp -s examples/vigil.service /etc/systemd/system/vigil.service && echo same)"
      echo "binary_installed=$(cmp -s \(q(VigilProcess.executable)) /usr/local/bin/vigil && stat -c '%a %U' /usr/local/bin/vigil)"
      echo "vigil_ids=$(id -u vigil) $(getent group adm | cut -d: -f3)"
      echo "vigil_groups=$(id -nG vigil)"
      echo "secrets=$(stat -c '%a %U %G' /etc/vigil/secrets.env)"
      echo "dirs=$(stat -c '%a %U %G' /var/lib/vigil /var/log/vigil | tr '\\n' ,)"
      verify_status=0
      systemd-analyze verify /etc/systemd/system/vigil.service > "$W/verify.out" 2>&1 || verify_status=$?
      echo "verify_status=$verify_status"
      systemd-analyze security --offline=yes --no-pager /etc/systemd/system/vigil.service > "$W/security.out" 2>&1 || true
      (cd "$W" && find ov_*/upper | sort) > "$W/before.list"
      # systemctl start vigil
      \(try unit.startScript(log: dir.file("serve.log")))
      healthz=""
      for i in $(seq 1800); do
        healthz=$(curl -sf http://127.0.0.1:9516/healthz) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      echo "healthz=$healthz"
      counted() { curl -sf http://127.0.0.1:9516/metrics | awk -v o="outcome=\\"$1\\"" 'index($0, "vigil_ingest_records_total{") == 1 && index($0, o) { s += $NF } END { print s + 0 }'; }
      stored=0
      for i in $(seq 1800); do
        stored=$(counted stored || echo 0)
        [ "$stored" -ge \(exampleCalls) ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      echo "stored=$stored"
      echo "rejected=$(counted rejected)"
      echo "service_ids=$(awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} END {print u, g}' /proc/$pid/status)"
      echo "service_groups=$(awk '/^Groups:/ {$1 = ""; print}' /proc/$pid/status)"
      echo "service_caps=$(awk '/^CapAmb:/ {print $2}' /proc/$pid/status)"
      echo "service_env=$(tr '\\0' '\\n' < /proc/$pid/environ | grep '^VIGIL_PROBE=' | cut -d= -f2)"
      # The README's cron line, as cron runs it, while the service runs.
      \(try cron.runScript(job: 0, output: dir.file("cron.out")))
      echo "cron_status=$cron_status"
      echo "check_log=$(stat -c '%U' /var/log/vigil/check.log 2>/dev/null || echo missing)"
      cp /var/log/vigil/check.log "$W/check.log" 2>/dev/null || true
      # The README's logrotate file, as the daily logrotate run would use it (forced: not a week
      # later), then the cron line again.
      logrotate_status=0
      logrotate --force --state "$W/logrotate.state" /etc/logrotate.d/vigil-check > "$W/logrotate.out" 2>&1 \
        || logrotate_status=$?
      echo "logrotate_status=$logrotate_status"
      echo "rotated=$(stat -c '%U %G %a' /var/log/vigil/check.log.1 2>/dev/null || echo missing)"
      echo "rotated_lines=$(grep -c 'status at ' /var/log/vigil/check.log.1 2>/dev/null || echo 0)"
      echo "after_rotation=$(stat -c '%U %G %a %s' /var/log/vigil/check.log 2>/dev/null || echo missing)"
      \(try cron.runScript(job: 0, output: dir.file("cron2.out")).replacingOccurrences(of: "cron_status", with: "cron_again_status"))
      echo "cron_again_status=$cron_again_status"
      echo "check_log_next=$(grep -c 'status at ' /var/log/vigil/check.log 2>/dev/null || echo 0)"
      # systemctl reload vigil
      \(unit.reloadScript())
      for i in $(seq 300); do grep -q 'reload (SIGHUP)' "$W/serve.log" && break; sleep 0.1; done
      # systemctl stop vigil: SIGTERM, then SIGKILL after TimeoutStopSec.
      started=$(date +%s%N)
      (sleep \(stopSeconds); kill -KILL "$pid" 2>/dev/null) &
      killer=$!
      kill -TERM "$pid"
      stop_status=0
      wait "$pid" || stop_status=$?
      kill "$killer" 2>/dev/null || true
      echo "stop_status=$stop_status"
      echo "stop_ms=$(( ($(date +%s%N) - started) / 1000000 ))"
      echo "calls=$(setpriv --reuid=vigil --regid=vigil --init-groups -- sqlite3 /var/lib/vigil/vigil.db 'SELECT count(*) FROM calls')"
      (cd "$W" && find ov_*/upper | sort) > "$W/after.list"
      """
    LogFile.write(dir.file("run.sh"), script)

    let before = Self.hostState(repo)
    let (status, output) = try await ToolRun.capture(
      "/usr/bin/unshare", ["--mount", "--net", "--pid", "--fork", "--mount-proc", "bash", dir.file("run.sh")])
    #expect(Self.hostState(repo) == before, "the host keeps nothing")
    let read = { (name: String) in (try? String(contentsOfFile: dir.file(name), encoding: .utf8)) ?? "" }
    try #require(status == 0, "\(output)\n\(read("serve.log"))")
    let facts = Self.facts(output)
    let fact = { (name: String) in facts[name] ?? "(not printed)" }

    // The install: what the README says it makes, made.
    #expect(
      read("build-release.called") == "called\n", "the README's install builds with scripts/build-release")
    #expect(fact("binary_installed") == "755 root")
    #expect(read("systemctl.calls") == "daemon-reload\n")
    #expect(fact("unit_installed") == "same")
    let ids = fact("vigil_ids").split(separator: " ").map(String.init)
    try #require(ids.count == 2, "\(output)")
    #expect(fact("vigil_groups") == "vigil adm", "\(output)")
    #expect(fact("secrets") == "640 root vigil")
    #expect(fact("dirs") == "750 vigil vigil,750 vigil vigil,")
    #expect(fact("verify_status") == "0" && read("verify.out").isEmpty, "\(read("verify.out"))")
    let security = read("security.out")
    let score = security.range(of: "Overall exposure level for vigil.service: ").flatMap { r in
      Double(security[r.upperBound...].prefix { $0 != " " })
    }
    #expect((score ?? 10) <= 4.0, "\(security.suffix(600))")

    // The service: as its user, with its secrets, listening, the example stored.
    let serveLog = read("serve.log")
    #expect(fact("healthz") == "ok", "\(serveLog)")
    #expect(fact("stored") == "\(exampleCalls)" && fact("rejected") == "0", "\(output)\n\(serveLog)")
    #expect(fact("service_ids") == "\(ids[0]) \(ids[1])", "User=vigil, Group=adm")
    // systemd's supplementary groups are initgroups(User, Group): adm, and vigil's others (adm).
    #expect(fact("service_groups").split(separator: " ") == [Substring(ids[1])], "\(output)")
    #expect(fact("service_caps") == "0000000000001000", "CAP_NET_ADMIN only")
    #expect(fact("service_env") == "from-secrets", "EnvironmentFile")
    #expect(!serveLog.contains(" error "), "\(serveLog)")

    // The cron job: as vigil, everything in the log the README names.
    let check = read("check.log")
    #expect(["0", "1"].contains(fact("cron_status")), "\(check)")
    #expect(read("cron.out").isEmpty, "cron would mail this: \(read("cron.out"))")
    #expect(fact("check_log") == "vigil")
    #expect(check.contains("status at ") && !check.contains("vigil: "), "\(check)")
    // Rotated by the README's logrotate file: the log kept as vigil's, a new one made, and the next
    // run writes into the new one.
    #expect(fact("logrotate_status") == "0" && read("logrotate.out").isEmpty, "\(read("logrotate.out"))")
    #expect(fact("rotated").hasPrefix("vigil vigil ") && fact("rotated_lines") != "0", "\(output)")
    #expect(fact("after_rotation") == "vigil vigil 640 0", "\(output)")
    #expect(
      ["0", "1"].contains(fact("cron_again_status")) && read("cron2.out").isEmpty, "\(read("cron2.out"))")
    #expect(fact("check_log_next") == "1", "\(output)")

    // Reload, stop, and what the service wrote: only under ReadWritePaths.
    #expect(serveLog.contains("reload (SIGHUP): "), "\(serveLog)")
    #expect(fact("stop_status") == "0", "\(serveLog)")
    #expect((Int(fact("stop_ms")) ?? .max) < stopSeconds * 1000)
    #expect(fact("calls") == "\(exampleCalls)", "the cron job's import of the same file adds nothing")
    let added = Set(read("after.list").split(separator: "\n")).subtracting(
      read("before.list").split(separator: "\n"))
    let elsewhere = added.filter {
      !$0.hasPrefix("ov_var/upper/lib/vigil/") && $0 != "ov_var/upper/log/vigil/check.log"
        && $0 != "ov_var/upper/log/vigil/check.log.1"
    }
    #expect(elsewhere.isEmpty, "written outside /var/lib/vigil: \(elsewhere.sorted())")
  }
}
