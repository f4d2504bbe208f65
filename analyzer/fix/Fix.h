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

/// What a run knows about the project that decides whether a fix works.
struct Facts {
  unsigned DjangoVersion = 0; ///< major*100+minor when pinned or configured; 0 when unknown
};

/// Why \p Path is not a lookup Django accepts from \p From (every `__` step a relation;
/// for select_related a forward FK/O2O or reverse O2O), or "" when it is one.
std::string lookupProblem(const index::Model *From, llvm::StringRef Path, bool Select);

/// Keeps a finding's fix only when it is correct: its lookup is valid in the model graph,
/// it combines with the queryset into something Django accepts and that has an effect, and
/// it has edits. Otherwise drops it and says why in Diagnostic::NoFix. The one place where
/// fixes are vetted; run it on the findings of every module before they are reported.
/// With \p P, on Django 6.1 or later, also turns Diagnostic::PeersOn into the
/// `fetch_mode(models.FETCH_PEERS)` alternative (fetchPeersAlternative).
void settleFixes(std::vector<rules::Diagnostic> &Diags, const Facts &F,
                 const index::Project *P = nullptr);

/// The `.fetch_mode(models.FETCH_PEERS)` alternative for a finding marked PeersOn: the
/// call written where the queryset is created (InsertAt), with the name the origin's
/// module binds to `django.db.models` (or FETCH_PEERS) before that point, or else a new
/// `from django.db.models import FETCH_PEERS` after the module's last top-level import
/// above it. Nothing when the queryset already has a fetch_mode() call (the later call
/// wins), is an admin changelist or an iterator(), or no import can be placed.
std::optional<rules::Alternative> fetchPeersAlternative(const rules::Diagnostic &D,
                                                        const index::Project &P);

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
