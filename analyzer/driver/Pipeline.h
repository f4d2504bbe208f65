#ifndef NPLUS1_DRIVER_PIPELINE_H
#define NPLUS1_DRIVER_PIPELINE_H

#include "discover/Discover.h"
#include "driver/Config.h"
#include "driver/Progress.h"
#include "index/ModelGraph.h"
#include "index/Templates.h"
#include "rules/Rule.h"

#include "llvm/Support/raw_ostream.h"

namespace nplus1::driver {

/// The incremental cache of a run.
struct CacheOptions {
  bool Use = false;
  std::string Dir; ///< "" for `<root>/.nplus1_cache`
  /// The tool build and the settings; a cache written under another key is thrown away.
  std::string Key;
  /// The process goes on after the run (`nplus1 server`): free the cache's records at the
  /// end instead of leaving them to the process's exit.
  bool LongLived = false;
};

/// The cache key of this build of nplus1 with \p Settings (CacheOptions::Key).
std::string cacheKey(const Config &Settings);

/// What a run did, for `--cache-stats` and the tests of the cache.
struct RunStats {
  unsigned Parsed = 0;   ///< Python files parsed
  unsigned Analyzed = 0; ///< Python modules whose functions were interpreted
  unsigned Reused = 0;   ///< Python modules whose findings came from the cache
  bool Full = true;      ///< every module analyzed (no usable cache, or the models changed)
  std::string CacheNote; ///< why the cache was not used, if it was not
};

/// Everything one analysis run produced; owns the sources the diagnostics point into.
struct Analysis {
  discover::Result Files;
  std::unique_ptr<index::Project> Project;
  std::unique_ptr<index::ModelGraph> Graph;
  std::unique_ptr<index::TemplateIndex> Templates;
  std::vector<rules::Diagnostic> Diagnostics; ///< sorted
  /// Test files left unread (without include-tests; see skipTestFiles()).
  unsigned SkippedTestFiles = 0;
  /// Findings left out because they are in management commands (without include-commands).
  unsigned HiddenInCommands = 0;
  /// The target source files by path (for --verify and --fix).
  std::vector<std::shared_ptr<const parse::SourceFile>> Targets;
  /// Every file read (findings read from the cache point into them).
  std::vector<std::shared_ptr<const parse::SourceFile>> Sources;
  RunStats Stats;
};

/// Resolves the settings of the project \p Opts names (its config file, found from the
/// project root) and completes \p Opts from them: template directories and excludes, the
/// command line's \p Exclude replacing the file's and \p ExtendExclude adding to them.
/// \p Req names another file to read (--config) or none (--isolated). Fails on a
/// malformed config file.
llvm::Expected<Config> configure(discover::Options &Opts, llvm::ArrayRef<std::string> Exclude,
                                 llvm::ArrayRef<std::string> ExtendExclude,
                                 const ConfigRequest &Req = {});

/// Discovers, parses (in parallel), indexes, analyzes and runs the rules; keeps the codes
/// \p Settings selects. With a cache, only the modules whose inputs changed are analyzed
/// again (and only the files they need are parsed); the findings are the same. Reports the
/// findings located in the target files; with Opts.WithDependents, every finding lying in
/// or pointing into a target (queryset, note, fix edit), as a whole run prints it.
/// \p Prog, when given, counts the files parsed and the modules analyzed.
Analysis analyze(const discover::Options &Opts, const Config &Settings = {},
                 const CacheOptions &Cache = {}, Progress *Prog = nullptr);

/// The project index and model graph `analyze` builds for \p Opts, always built afresh
/// (never from the cache, whose graph has no classes); nothing is analyzed and Diagnostics
/// stays empty. The settings matter only through \p Opts (see configure()).
Analysis indexOnly(const discover::Options &Opts);

/// Without include-tests, drops the test files (Config::isTestPath, under \p R's root) from
/// \p R: their findings would all be hidden, and nothing a production module reads lives
/// there. A settings module among them (`tests/settings.py`: a reusable app's only TEMPLATES
/// and INSTALLED_APPS) stays. Returns how many were dropped.
unsigned skipTestFiles(discover::Result &R, const Config &Settings);

/// True when \p D belongs to the code \p InPath picks (Config::isCommandPath: management commands):
/// its file, at \p Rel under \p Root, or one of its notes' files (a production method read per row
/// of a loop that only such code runs belongs to that code).
bool inCodeOf(const rules::Diagnostic &D, llvm::StringRef Rel, llvm::StringRef Root,
              bool (*InPath)(llvm::StringRef));

/// `--shard I/N`: keeps the findings located in the files of shard \p Index (1-based) of
/// \p Count. Files are dealt to shards by a hash of their path under the project root, so
/// every shard of every runner agrees, and the N shards' findings together are exactly
/// those of one run without --shard.
void keepShard(Analysis &A, unsigned Index, unsigned Count);

/// Drops findings silenced by `# noqa: NPxxx` (on the reported line or on the queryset's
/// line, in any file), `# nplus1: ignore[...]`, `{# noqa #}` or `# nplus1: file-ignore[...]`,
/// and adds NP903 for suppressions in the target files naming nplus1 codes that silenced
/// nothing.
void applySuppressions(Analysis &A);

/// `--verify`: compares the findings with the `# expect: NPxxx` comments of the target
/// files; prints every missing or unexpected finding. Returns the number of mismatches.
unsigned verify(const Analysis &A, llvm::raw_ostream &OS);

} // namespace nplus1::driver

#endif
