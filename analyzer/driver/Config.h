#ifndef NPLUS1_DRIVER_CONFIG_H
#define NPLUS1_DRIVER_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nplus1::driver {

/// The project's `[tool.nplus1]` settings (or `nplus1.toml` / `.nplus1.toml`), merged with
/// the command line (which wins).
struct Config {
  std::string Source;                    ///< the file the settings came from, "" for defaults
  std::vector<std::string> Select{"NP"}; ///< code prefixes to report
  std::vector<std::string> Ignore;
  std::vector<std::string> Exclude, ExtendExclude;
  std::map<std::string, std::vector<std::string>> PerFileIgnores; ///< glob -> codes
  std::vector<std::string> TemplateDirs; ///< relative to the config file's directory
  std::optional<bool> UnsafeFixes;
  /// Report findings in test code too (tests/, test/, testing/, *_tests/ directories,
  /// test_*.py, *_tests.py, tests.py, conftest.py); by default they are indexed but not
  /// reported.
  std::optional<bool> IncludeTests;
  std::string DjangoVersion = "5.2"; ///< "major.minor"
  std::string DjangoVersionWhy = "default: the newest release line assumed";
  /// Set when the version was configured or pinned, not assumed: a fix whose effect
  /// depends on the version is offered only then.
  bool DjangoVersionKnown = false;

  /// True when \p Code is selected and not ignored (prefix match: `NP1` covers `NP101`).
  bool enabled(llvm::StringRef Code) const;
  /// True when \p Code is ignored for the file at \p RelPath by per-file-ignores.
  bool ignoredIn(llvm::StringRef RelPath, llvm::StringRef Code) const;
  /// True when \p RelPath (relative to the project root) is test code.
  static bool isTestPath(llvm::StringRef RelPath);
  /// Django major*100 + minor (4.1 -> 401).
  unsigned djangoVersion() const;
  void print(llvm::raw_ostream &OS) const;
};

/// Reads the configuration for the project rooted at \p Root. A malformed file, an unknown
/// key or a value of the wrong type is an error naming the file, line and key.
llvm::Expected<Config> loadConfig(llvm::StringRef Root);

} // namespace nplus1::driver

#endif
