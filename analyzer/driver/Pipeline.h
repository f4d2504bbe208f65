#ifndef NPLUS1_DRIVER_PIPELINE_H
#define NPLUS1_DRIVER_PIPELINE_H

#include "discover/Discover.h"
#include "driver/Config.h"
#include "index/ModelGraph.h"
#include "index/Templates.h"
#include "rules/Rule.h"

#include "llvm/Support/raw_ostream.h"

namespace nplus1::driver {

/// Everything one analysis run produced; owns the sources the diagnostics point into.
struct Analysis {
  discover::Result Files;
  std::unique_ptr<index::Project> Project;
  std::unique_ptr<index::ModelGraph> Graph;
  std::unique_ptr<index::TemplateIndex> Templates;
  std::vector<rules::Diagnostic> Diagnostics; ///< sorted
  /// The target source files by path (for --verify and --fix).
  std::vector<std::shared_ptr<const parse::SourceFile>> Targets;
};

/// Discovers, parses (in parallel), indexes, analyzes and runs the rules; keeps the codes
/// \p Settings selects.
Analysis analyze(const discover::Options &Opts, const Config &Settings = {});

/// Drops findings silenced by `# noqa: NPxxx` (on the reported line or on the queryset's
/// line), `# nplus1: ignore[...]`, `{# noqa #}` or `# nplus1: file-ignore[...]`, and adds
/// NP903 for suppressions naming nplus1 codes that silenced nothing.
void applySuppressions(Analysis &A);

/// `--verify`: compares the findings with the `# expect: NPxxx` comments of the target
/// files; prints every missing or unexpected finding. Returns the number of mismatches.
unsigned verify(const Analysis &A, llvm::raw_ostream &OS);

} // namespace nplus1::driver

#endif
