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
  std::string Source;    ///< the file the settings came from, "" for defaults
  std::string BaseDir;   ///< the directory template-dirs are relative to ("" : the root)
  bool Isolated = false; ///< --isolated: configuration files were not read
  std::vector<std::string> Select{"NP"}; ///< code prefixes to report
  std::vector<std::string> ExtendSelect; ///< added to Select
  std::vector<std::string> Ignore, ExtendIgnore;
  /// The command line's --extend-select and --ignore/--extend-ignore when it has no
  /// --select: a second selection applied after the one above, which it overrides (as in
  /// ruff, the command line wins whatever the specificity of the file's codes).
  std::vector<std::string> LaterSelect, LaterIgnore;
  std::vector<std::string> Exclude, ExtendExclude;
  std::map<std::string, std::vector<std::string>> PerFileIgnores; ///< glob -> codes
  std::vector<std::string> TemplateDirs; ///< relative to the config file's directory
  std::optional<bool> UnsafeFixes;
  /// Report findings in test code too (tests/, test/, testing/, *_tests/ directories,
  /// test_*.py, *_tests.py, tests.py, conftest.py); by default they are indexed but not
  /// reported.
  std::optional<bool> IncludeTests;
  /// Report findings in management commands too (`management/commands/*.py`, and
  /// production code whose loop, queryset or call site lies there); by default they are
  /// indexed but not reported.
  std::optional<bool> IncludeCommands;
  std::string DjangoVersion = "5.2"; ///< "major.minor"
  std::string DjangoVersionWhy = "default: the newest release line assumed";
  /// Set when the version was configured or pinned, not assumed: a fix whose effect
  /// depends on the version is offered only then.
  bool DjangoVersionKnown = false;
  /// Where each setting's value came from, by key ("select" -> {"pyproject.toml:3",
  /// "--extend-select"}); a key without an entry has its default.
  std::map<std::string, std::vector<std::string>> Origin;

  /// True when \p Code is selected and not ignored. Codes match by prefix (`NP1` covers
  /// `NP101`); when a code matches both a selected and an ignored prefix, the longer
  /// (more specific) prefix decides, and a tie ignores it. Then LaterSelect/LaterIgnore
  /// decide the same way for the codes they match.
  bool enabled(llvm::StringRef Code) const;
  /// True when \p Code is ignored for the file at \p RelPath by per-file-ignores.
  bool ignoredIn(llvm::StringRef RelPath, llvm::StringRef Code) const;
  /// True when \p RelPath (relative to the project root) is test code.
  static bool isTestPath(llvm::StringRef RelPath);
  /// True when \p RelPath is a Django management command (`<app>/management/commands/`).
  static bool isCommandPath(llvm::StringRef RelPath);
  /// Django major*100 + minor (4.1 -> 401).
  unsigned djangoVersion() const;
  /// The effective settings as TOML, each followed by where its value came from.
  void print(llvm::raw_ostream &OS) const;
};

/// Settings given on the command line (ruff's option names). Lists hold the values as
/// typed: each may be comma-separated, and an option may be repeated.
struct CommandLine {
  /// Starts the rule selection afresh: the file's select, extend-select, ignore and
  /// extend-ignore no longer count.
  std::optional<std::vector<std::string>> Select;
  /// Turn more rules on / off, over the file's selection.
  std::vector<std::string> ExtendSelect, Ignore, ExtendIgnore;
  /// `GLOB:CODES` entries; replace the file's per-file-ignores.
  std::optional<std::vector<std::string>> PerFileIgnores;
  std::optional<bool> UnsafeFixes, IncludeTests, IncludeCommands;
};

/// Which configuration file to read.
struct ConfigRequest {
  std::string File;      ///< --config: this file instead of the one found at the root
  bool Isolated = false; ///< --isolated: no configuration file at all
};

/// Why \p Code is not a rule code or a prefix of one (`NP`, `NP1`, `NP101`), or "" when it
/// is; \p Where names the key or option it was given in. Codes are upper-case `NP`
/// followed by digits and must match a registered rule.
std::string checkRuleCode(llvm::StringRef Code, llvm::StringRef Where);

/// Reads the settings in the TOML text \p Text of the file \p File (a `pyproject.toml` when
/// \p Pyproject: its `[tool.nplus1]` table) into \p C. A malformed file, an unknown key,
/// a value of the wrong type or an unknown rule code is an error naming the file and line.
/// Returns false when a pyproject.toml has no `[tool.nplus1]` table.
llvm::Expected<bool> readConfigText(llvm::StringRef Text, llvm::StringRef File, bool Pyproject,
                                    Config &C);

/// Applies the command line's settings to \p C; an unknown rule code or a malformed
/// `--per-file-ignores` entry is an error naming the option.
llvm::Error applyCommandLine(const CommandLine &CL, Config &C);

/// A Django version a project's files require.
struct DjangoPin {
  std::string Version; ///< "major.minor"
  bool Exact = false;  ///< pinned (`==`), not the lower bound of a range
};

/// The Django version \p Text (a requirements, lock, Pipfile, pyproject, setup.cfg or
/// setup.py file) requires: the first exact pin (`==4.2.7`, a lock file's version), else the
/// lower bound of the first range (`>=4.2,<5`, `~=4.2`, `^4.2`); extras allowed
/// (`Django[argon2]==5.1`). Names that merely contain "django" (pytest-django) are not it.
std::optional<DjangoPin> djangoPin(llvm::StringRef Text);

/// Reads the configuration for the project rooted at \p Root (or the file \p Req names, or
/// none). A malformed file, an unknown key or a value of the wrong type is an error naming
/// the file, line and key.
llvm::Expected<Config> loadConfig(llvm::StringRef Root, const ConfigRequest &Req = {});

} // namespace nplus1::driver

#endif
