#ifndef NPLUS1_DRIVER_BASELINE_H
#define NPLUS1_DRIVER_BASELINE_H

#include "rules/Rule.h"

#include "llvm/Support/Error.h"

namespace nplus1::driver {

/// The path of \p D's file relative to \p Root (absolute when outside it).
std::string relativePath(const rules::Diagnostic &D, llvm::StringRef Root);

/// Writes today's findings as a baseline: entries keyed by rule, file (relative to
/// \p Root), model and relation — not by line — with how many findings share the key.
llvm::Error writeBaseline(llvm::StringRef Path, llvm::ArrayRef<rules::Diagnostic> Diags,
                          llvm::StringRef Root);

/// Drops the findings a baseline records (each entry absorbs up to its count). Returns the
/// number of baseline entries that matched nothing any more (fixed: removable).
llvm::Expected<unsigned> applyBaseline(llvm::StringRef Path, std::vector<rules::Diagnostic> &Diags,
                                       llvm::StringRef Root);

} // namespace nplus1::driver

#endif
