#ifndef NPLUS1_FIX_APPLY_H
#define NPLUS1_FIX_APPLY_H

#include "fix/Fix.h"

#include "llvm/Support/raw_ostream.h"

#include <set>
#include <string>

namespace nplus1::fix {

/// What applyFixes() does with each file's patched text.
enum class ApplyKind {
  Diff, ///< print it as a unified diff (`--diff`); nothing is written
  Write ///< write it over the file (`--fix`)
};

/// What applyFixes() did.
struct ApplyResult {
  unsigned Files = 0;            ///< files written, or that would change (Diff)
  unsigned Failures = 0;         ///< files refused (each reported on the error stream)
  std::set<std::string> Written; ///< the paths written (Write only)
};

/// Why \p Path must not be written by --fix, or "" when it may: only regular files inside
/// the project root \p Root, never through a symbolic link, never a read-only file.
std::string unwritable(llvm::StringRef Path, llvm::StringRef Root);

/// Applies \p Edits file by file, in path order: refuses a file that may not be written
/// (unwritable(), for Write), edits that overlap, and a patched file that would gain syntax
/// errors; then prints the diff to \p Out or writes the file atomically (writeAtomically()).
/// Each refusal is one error line on \p Errs, and the other files go on.
ApplyResult applyFixes(const std::vector<Edit> &Edits, ApplyKind Kind, llvm::StringRef Root,
                       llvm::raw_ostream &Out, llvm::raw_ostream &Errs);

} // namespace nplus1::fix

#endif
