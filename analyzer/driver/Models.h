#ifndef NPLUS1_DRIVER_MODELS_H
#define NPLUS1_DRIVER_MODELS_H

#include "index/ModelGraph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <string>

namespace nplus1::driver {

/// What `nplus1 models` was asked for.
struct ModelsOptions {
  std::string Path = ".";                    ///< a file or directory of the project
  std::string Format = "text";               ///< "text" or "json"
  llvm::ArrayRef<std::string> Exclude;       ///< replaces the configured excludes
  llvm::ArrayRef<std::string> ExtendExclude; ///< added to the excludes
  unsigned Jobs = 0;                         ///< threads; 0 for every core
};

/// The name `nplus1 models` prints for a relation kind (`fk`, `reverse-m2m`...).
llvm::StringRef relationKindName(index::RelationKind Kind);

/// The project models of \p Graph (built-in catalog models left out) as the JSON of
/// `nplus1 models --format json`, with paths relative to \p Root.
nlohmann::ordered_json modelsToJson(const index::ModelGraph &Graph, llvm::StringRef Root);

/// The same models as text: one block per model, blank-line separated, then a summary line.
void printModels(llvm::raw_ostream &OS, const index::ModelGraph &Graph, llvm::StringRef Root);

/// `nplus1 models`: builds the index and model graph as `check` does (never from the
/// cache) and prints the models. Returns the exit status: 0, or 2 on a usage or
/// configuration error.
int runModels(const ModelsOptions &Opts);

} // namespace nplus1::driver

#endif
