#ifndef NPLUS1_DRIVER_CACHE_H
#define NPLUS1_DRIVER_CACHE_H

#include "rules/Rule.h"

#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nplus1::driver::cache {

/// What each name a unit of work looked up denoted then: the content hash of the file
/// behind it, or 0 when no readable file had that name.
using DepMap = std::map<std::string, uint64_t>;

/// One file of the last run (paths are relative to the project root).
struct FileRecord {
  uint64_t Size = 0;
  int64_t MTime = 0; ///< nanoseconds since the epoch
  uint64_t Hash = 0;
  /// The syntax-error finding of the file, if it had one (serialized diagnostic).
  nlohmann::json ParseDiag;
};

/// The analysis of one Python module in the last run.
struct ModuleRecord {
  std::string Name; ///< dotted module name
  uint64_t Hash = 0; ///< of the module's own file
  DepMap Modules, Templates;
  std::vector<std::string> Imports; ///< qualified names it imports, and its `*` imports
  nlohmann::json Diags = nlohmann::json::array(); ///< serialized, before any filtering
};

/// Everything the cache keeps between runs.
struct State {
  std::string Key;     ///< tool build + settings: any difference throws the cache away
  int64_t WrittenAt = 0; ///< nanoseconds since the epoch
  std::map<std::string, FileRecord> Files;     ///< by root-relative path
  std::map<std::string, ModuleRecord> Modules; ///< by root-relative path
  uint64_t GraphFingerprint = 0;
  DepMap GraphDeps; ///< the modules the model graph was built from or looked up
};

/// The directory of the cache for a project rooted at \p Root (`<root>/.nplus1_cache`)
/// unless \p Override is set.
std::string directory(llvm::StringRef Root, llvm::StringRef Override);

/// Reads the cache in \p Dir. Returns nothing (and says why in \p Why) when there is none,
/// when it was written for another key, or when it is corrupt or truncated: a cache that
/// does not check out is never trusted, only rebuilt.
std::optional<State> load(llvm::StringRef Dir, llvm::StringRef Key, std::string &Why);

/// Writes \p S into \p Dir atomically (with a `.gitignore` that ignores the directory).
/// A cache that cannot be written is not an error of the run; returns false then.
bool save(llvm::StringRef Dir, const State &S);

/// The content hash of a file's bytes (never 0: 0 means "no such file").
uint64_t contentHash(llvm::StringRef Bytes);

/// Turns a diagnostic into JSON, with the edits of its fix planned now; paths are given
/// root-relative by \p RelPath. Returns null when a location is outside the project.
nlohmann::json freeze(const rules::Diagnostic &D,
                      const std::function<std::optional<std::string>(const parse::SourceFile *)>
                          &RelPath);

/// Reads a diagnostic back; \p File maps a root-relative path to the source file now
/// (null when it is not available). Returns nothing when the JSON is malformed or a file
/// is missing.
std::optional<rules::Diagnostic>
thaw(const nlohmann::json &J,
     const std::function<const parse::SourceFile *(const std::string &)> &File);

} // namespace nplus1::driver::cache

#endif
