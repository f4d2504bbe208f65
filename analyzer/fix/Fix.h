#ifndef NPLUS1_FIX_FIX_H
#define NPLUS1_FIX_FIX_H

#include "rules/Rule.h"

#include "llvm/Support/Error.h"

#include <map>

namespace nplus1::fix {

using parse::SourceFile;

/// One byte-range replacement in one file.
struct Edit {
  const SourceFile *File = nullptr;
  uint32_t Begin = 0, End = 0;
  std::string Text;
};

/// Which fixes a run may apply.
struct Policy {
  bool Unsafe = false; ///< also apply fixes marked unsafe
};

/// Turns the fixes of \p Diags into edits, merging all findings on one queryset into one
/// minimal edit (`select_related('customer__address')` covers `customer`). Diagnostics
/// whose fix is not allowed by \p P are left out. Sets \p Applied[i] for each diagnostic
/// whose fix is part of the result.
std::vector<Edit> planEdits(llvm::ArrayRef<rules::Diagnostic> Diags, Policy P,
                            std::vector<bool> *Applied = nullptr);

/// Applies edits to \p Text. Fails on overlapping edits.
llvm::Expected<std::string> applyEdits(llvm::StringRef Text, std::vector<Edit> Edits);

/// A unified diff (3 lines of context) between two versions of a file.
std::string unifiedDiff(llvm::StringRef Path, llvm::StringRef Old, llvm::StringRef New);

/// Writes \p Content to \p Path through a temporary file and a rename, keeping the
/// file's permissions; the file is either fully old or fully new.
llvm::Error writeAtomically(llvm::StringRef Path, llvm::StringRef Content);

/// The edits of a run grouped per file, in path order.
std::map<std::string, std::pair<const SourceFile *, std::vector<Edit>>>
groupByFile(std::vector<Edit> Edits);

} // namespace nplus1::fix

#endif
