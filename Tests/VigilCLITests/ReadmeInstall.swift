import Foundation

/// The README's operator steps as files the install test runs: its marked fenced blocks, the cron
/// file's jobs, and the systemd unit turned into the command line systemd would start. Read from
/// the README and the unit themselves, so that the test runs what an operator reads and breaks
/// when either drifts.
enum ReadmeInstall {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// The fenced block after the line `<!-- run-verbatim: NAME -->` in `readme`, without its fences.
  static func block(_ name: String, in readme: String) throws -> String {
    let lines = readme.components(separatedBy: "\n")
    guard let marker = lines.firstIndex(of: "<!-- run-verbatim: \(name) -->") else {
      throw Failure(description: "README.md has no '<!-- run-verbatim: \(name) -->' before a fenced block")
    }
    guard marker + 1 < lines.count, lines[marker + 1].hasPrefix("```"),
      let end = lines[(marker + 2)...].firstIndex(of: "```")
    else {
      throw Failure(description: "README.md: the '\(name)' marker is not followed by a fenced block")
    }
    return lines[(marker + 2)..<end].joined(separator: "\n") + "\n"
  }

  /// `text` as one word for the shell, whatever it holds.
  static func quoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
  }

  /// A cron.d file: its variable settings and its jobs (user and command).
  struct CronFile {
    var environment: [(String, String)] = []
    var jobs: [(user: String, command: String)] = []

    init(_ text: String) throws {
      for line in text.split(separator: "\n").map(String.init) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        let words = trimmed.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: true)
        if words.count == 7, let first = trimmed.first, first == "*" || first == "@" || first.isNumber {
          jobs.append((String(words[5]), String(words[6])))
        } else if let eq = trimmed.firstIndex(of: "=") {
          environment.append(
            (
              trimmed[..<eq].trimmingCharacters(in: .whitespaces),
              trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            ))
        } else {
          throw Failure(description: "a cron line that is neither a job nor a setting: \(line)")
        }
      }
    }

    /// Bash that runs job `index` as cron does: as its user with the user's groups
    /// (`initgroups`), in the user's home, by `$SHELL -c`, with cron's environment (HOME, LOGNAME,
    /// PATH=/usr/bin:/bin, SHELL=/bin/sh) and the file's settings over it; what the job prints
    /// (cron would mail it) goes to `output`, its status to `$cron_status`.
    func runScript(job index: Int, output: String) throws -> String {
      let job = jobs[index]
      // cron turns a `%` into a newline and what follows into the job's input.
      guard !job.command.contains("%") else {
        throw Failure(
          description: "a % in a cron command is not what it seems (cron makes it a newline): \(job.command)")
      }
      let settings = environment.map { quoted("\($0.0)=\($0.1)") }.joined(separator: " ")
      let shell = environment.last { $0.0 == "SHELL" }?.1 ?? "/bin/sh"
      return """
        cron_home=$(getent passwd \(quoted(job.user)) | cut -d: -f6)
        cron_gid=$(getent passwd \(quoted(job.user)) | cut -d: -f4)
        cron_status=0
        (cd "$cron_home" && exec setpriv --reuid=\(quoted(job.user)) --regid="$cron_gid" --init-groups -- \
        env -i HOME="$cron_home" LOGNAME=\(quoted(job.user)) PATH=/usr/bin:/bin SHELL=/bin/sh \(settings) \
        \(quoted(shell)) -c \(quoted(job.command))) >\(quoted(output)) 2>&1 || cron_status=$?

        """
    }
  }

  /// A systemd unit's `[Service]` settings, in order.
  struct ServiceUnit {
    var settings: [(key: String, value: String)] = []

    init(_ text: String) {
      var section = ""
      for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
        if line.hasPrefix("[") {
          section = line
        } else if section == "[Service]", let eq = line.firstIndex(of: "=") {
          settings.append((String(line[..<eq]), String(line[line.index(after: eq)...])))
        }
      }
    }

    func value(_ key: String) -> String? { settings.last { $0.key == key }?.value }

    /// The settings that change what the started process is or sees, which ``startScript(log:)``
    /// applies as systemd would.
    static let applied: Set<String> = [
      "ExecStart", "ExecReload", "User", "Group", "EnvironmentFile", "UMask", "NoNewPrivileges",
      "AmbientCapabilities", "CapabilityBoundingSet", "StateDirectory", "TimeoutStopSec",
    ]

    /// The settings left to systemd: restarts, and the sandbox, which `systemd-analyze security`
    /// scores (the test checks that the service writes only under ReadWritePaths).
    static let leftToSystemd: Set<String> = [
      "Restart", "RestartSec", "ReadWritePaths", "ProtectSystem", "ProtectHome", "PrivateTmp",
      "PrivateDevices", "PrivateMounts", "ProtectKernelTunables", "ProtectKernelModules",
      "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname", "ProtectProc",
      "ProcSubset", "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime",
      "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute", "SystemCallArchitectures",
      "SystemCallFilter", "SystemCallErrorNumber", "RemoveIPC", "KeyringMode",
    ]

    /// Bash that starts the service as systemd would without PID 1: StateDirectory made the
    /// service's (owner User and Group, as systemd does at every start), the user with the groups
    /// `initgroups` gives (User= and Group=), the EnvironmentFile read as root, systemd's own
    /// variables, UMask, NoNewPrivileges and the capabilities, in `/`, with the output (the journal)
    /// to `log`. Sets `$pid`. Throws when the unit has a setting this does not know, or an ExecStart
    /// that needs systemd's quoting or specifiers.
    func startScript(log: String) throws -> String {
      let unknown = settings.map(\.key).filter {
        !Self.applied.contains($0) && !Self.leftToSystemd.contains($0)
      }
      guard unknown.isEmpty else {
        throw Failure(
          description: "the unit has \(unknown): teach ReadmeInstall.ServiceUnit what systemd does with it")
      }
      guard let exec = value("ExecStart"), let user = value("User") else {
        throw Failure(description: "the unit has no ExecStart or no User")
      }
      guard exec.rangeOfCharacter(from: CharacterSet(charactersIn: "\"'\\$%;")) == nil, exec.hasPrefix("/")
      else {
        throw Failure(description: "ExecStart needs systemd's parsing: \(exec)")
      }
      let group = value("Group").map { quoted($0) } ?? "\"$svc_gid\""
      // systemd's groups are initgroups(User, Group's gid): Group and the groups that list the user,
      // not the user's own primary group (`setpriv --init-groups` would add that one).
      var privileges = ["--reuid=\(quoted(user))", "--regid=\(group)", "--groups=\"$svc_groups\""]
      if value("NoNewPrivileges") == "true" { privileges.append("--no-new-privs") }
      let caps = { (key: String) in
        (value(key) ?? "").split(separator: " ").map {
          "+" + $0.lowercased().replacingOccurrences(of: "cap_", with: "")
        }
        .joined(separator: ",")
      }
      if !caps("AmbientCapabilities").isEmpty {
        privileges += [
          "--inh-caps=\(caps("AmbientCapabilities"))", "--ambient-caps=\(caps("AmbientCapabilities"))",
        ]
      }
      if value("CapabilityBoundingSet") != nil {
        privileges.append(
          "--bounding-set=-all\(caps("CapabilityBoundingSet").isEmpty ? "" : ",")\(caps("CapabilityBoundingSet"))"
        )
      }
      var script = """
        svc_home=$(getent passwd \(quoted(user)) | cut -d: -f6)
        svc_shell=$(getent passwd \(quoted(user)) | cut -d: -f7)
        svc_gid=$(getent passwd \(quoted(user)) | cut -d: -f4)
        svc_groups=$( (getent group \(group) | cut -d: -f3; getent group | awk -F: -v u=\(quoted(user)) \
          '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) print $3 }') | sort -un | paste -sd,)
        svc_env=()

        """
      var variables = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME=\"$svc_home\"",
        "USER=\(quoted(user))",
        "LOGNAME=\(quoted(user))", "SHELL=\"$svc_shell\"",
      ]
      if let state = value("StateDirectory") {
        let path = "/var/lib/" + state
        script += "install -d \(quoted(path)) && chown -R \(quoted(user)):\(group) \(quoted(path))\n"
        variables.append("STATE_DIRECTORY=\(quoted(path))")
      }
      if let file = value("EnvironmentFile") {
        let optional = file.hasPrefix("-")
        let path = quoted(optional ? String(file.dropFirst()) : file)
        script += """
          if \(optional ? "[ -e \(path) ]" : "true"); then
            while IFS= read -r line; do
              case "$line" in ''|'#'*|';'*) ;; *) svc_env+=("$line") ;; esac
            done < \(path)
          fi

          """
      }
      script += """
        (cd / && umask \(value("UMask") ?? "0022") && exec setpriv \(privileges.joined(separator: " ")) -- \
        env -i \(variables.joined(separator: " ")) "${svc_env[@]}" \(exec)) >\(quoted(log)) 2>&1 &
        pid=$!

        """
      return script
    }

    /// Bash for ExecReload with `$MAINPID` set to `$pid`.
    func reloadScript() -> String {
      guard let reload = value("ExecReload") else { return "" }
      return reload.replacingOccurrences(of: "$MAINPID", with: "$pid") + "\n"
    }
  }
}
