#ifndef NPLUS1_CACHE_CACHE_H
#define NPLUS1_CACHE_CACHE_H

#include "rules/Rule.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

/// The incremental cache: what a run keeps on disk so that the next one analyzes only the
/// modules whose inputs changed. This stage reads, writes and encodes it; the driver decides
/// what to reuse.
namespace nplus1::cache {

/// What each name a unit of work looked up denoted then: the content hash of the file
/// behind it, or 0 when no readable file had that name.
using DepMap = std::map<std::string, uint64_t>;

/// A JSON value kept encoded (MessagePack) until somebody needs it: most cached findings
/// are never looked at in a run that checks a few files.
class Blob {
public:
  Blob() = default;
  /// Encodes \p J now (the blob owns its bytes).
  static Blob encode(const nlohmann::json &J);
  /// Takes \p Bytes as they are (not JSON: decode() is not for these).
  static Blob own(std::string Bytes) {
    Blob B;
    B.Owned = std::move(Bytes);
    return B;
  }
  /// Refers to bytes owned elsewhere (the cache file's buffer).
  static Blob view(llvm::StringRef Bytes);
  llvm::StringRef bytes() const { return Owned.empty() ? View : llvm::StringRef(Owned); }
  bool empty() const { return bytes().empty(); }
  /// Decodes (null for an empty blob); fails on malformed bytes.
  llvm::Expected<nlohmann::json> decode() const;

private:
  std::string Owned;
  llvm::StringRef View;
};

/// One file of the last run (paths are relative to the project root).
struct FileRecord {
  uint64_t Size = 0;
  int64_t MTime = 0; ///< nanoseconds since the epoch
  uint64_t Hash = 0;
  Blob ParseDiag; ///< the file's syntax-error finding, if it had one (freeze())
};

/// The analysis of one Python module in the last run.
struct ModuleRecord {
  std::string Name;  ///< dotted module name
  uint64_t Hash = 0; ///< of the module's own file
  DepMap Modules, Templates;
  std::vector<std::string> Imports; ///< qualified names it imports, and its `*` imports
  /// Every file its findings are in or point into (filesOf() of each).
  std::vector<std::string> DiagFiles;
  Blob Diags; ///< a JSON array of freeze()d findings, unfiltered
  /// A record read from the cache: its encoded bytes after the path (written back as
  /// they are when the record is kept).
  llvm::StringRef Raw;
};

/// Everything the cache keeps between runs.
struct State {
  std::string Key;       ///< tool build + settings: any difference throws the cache away
  int64_t WrittenAt = 0; ///< nanoseconds since the epoch
  std::map<std::string, FileRecord> Files;     ///< by root-relative path
  std::map<std::string, ModuleRecord> Modules; ///< by root-relative path
  Blob Graph;                                  ///< the model graph (index::ModelGraph::encode)
  DepMap GraphDeps; ///< the modules the model graph was built from or looked up
  /// The bytes the blobs of a State read from disk point into.
  std::shared_ptr<llvm::MemoryBuffer> Buffer;
};

/// The directory of the cache for a project rooted at \p Root (`<root>/.nplus1_cache`)
/// unless \p Override is set.
std::string directory(llvm::StringRef Root, llvm::StringRef Override);

/// Reads the cache in \p Dir. Fails, saying why, when there is none, when it was written
/// for another key, or when it is corrupt or truncated: a cache that does not check out is
/// never trusted, only rebuilt.
llvm::Expected<State> load(llvm::StringRef Dir, llvm::StringRef Key);

/// Writes \p S into \p Dir atomically (with a `.gitignore` that ignores the directory).
/// A cache that cannot be written is not an error of the run; returns false then.
bool save(llvm::StringRef Dir, const State &S);

/// The content hash of a file's bytes (never 0: 0 means "no such file").
uint64_t contentHash(llvm::StringRef Bytes);

/// Turns a diagnostic into JSON, with the edits of its fix planned now; paths are given
/// root-relative by \p RelPath. Returns null when a location is outside the project.
nlohmann::json
freeze(const rules::Diagnostic &D,
       const std::function<std::optional<std::string>(const parse::SourceFile *)> &RelPath);

/// The root-relative files a freeze()d finding lies in or points into: its location, its
/// queryset, its notes and its fix's edits (repeats possible; nothing for malformed JSON).
std::vector<std::string> filesOf(const nlohmann::json &Frozen);

/// Reads a diagnostic back; \p File maps a root-relative path to the source file now
/// (null when it is not available). Returns nothing when the JSON is malformed, a file
/// is missing or a range lies outside its file.
std::optional<rules::Diagnostic>
thaw(const nlohmann::json &J,
     const std::function<const parse::SourceFile *(const std::string &)> &File);

} // namespace nplus1::cache

#endif
