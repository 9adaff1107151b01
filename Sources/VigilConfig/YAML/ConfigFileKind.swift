/// Which of Vigil's two files a file that failed to load as one is: vigil.yaml given to `rules
/// check`, or alerts.yaml given to `config check`, says `unknown key 'db'` (or `'slos'`); the
/// commands turn that into "this is the other file: check it with ...".
package enum ConfigFileKind {
  /// The errors of reading a file as alerts.yaml name keys only vigil.yaml has.
  package static func isServeFile(_ errors: ConfigErrors) -> Bool {
    unknownKeys(errors).contains { key in
      YAMLReader.serveKeys.contains(key) && !YAMLReader.topKeys.contains(key)
    }
  }

  /// The errors of reading a file as vigil.yaml name keys only alerts.yaml has.
  package static func isRulesFile(_ errors: ConfigErrors) -> Bool {
    unknownKeys(errors).contains { key in
      YAMLReader.topKeys.contains(key) && !YAMLReader.serveKeys.contains(key)
    }
  }

  static func unknownKeys(_ errors: ConfigErrors) -> [String] {
    errors.errors.compactMap { e in
      guard e.message.hasPrefix("unknown key '") else { return nil }
      return e.message.dropFirst(13).split(separator: "'", maxSplits: 1).first.map(String.init)
    }
  }
}
