#ifndef NPLUS1_INDEX_LOOKUPS_H
#define NPLUS1_INDEX_LOOKUPS_H

#include "llvm/ADT/StringSet.h"

namespace nplus1::index {

/// The module and template names one unit of work asked the project about, found or not.
/// The incremental cache keys a module's findings by the files behind these names: if none
/// of them changed (and none appeared), analyzing the module again gives the same events.
struct Lookups {
  llvm::StringSet<> Modules;
  llvm::StringSet<> Templates;
};

namespace detail {
extern thread_local Lookups *CurrentLookups;
} // namespace detail

/// While alive, every Project::module() and TemplateIndex::find() on this thread records
/// its name in \p L. Scopes nest; the innermost records.
class LookupScope {
public:
  explicit LookupScope(Lookups &L) : Saved(detail::CurrentLookups) { detail::CurrentLookups = &L; }
  ~LookupScope() { detail::CurrentLookups = Saved; }
  LookupScope(const LookupScope &) = delete;
  LookupScope &operator=(const LookupScope &) = delete;

private:
  Lookups *Saved;
};

inline void noteModuleLookup(llvm::StringRef Name) {
  if (detail::CurrentLookups)
    detail::CurrentLookups->Modules.insert(Name);
}
inline void noteTemplateLookup(llvm::StringRef Name) {
  if (detail::CurrentLookups)
    detail::CurrentLookups->Templates.insert(Name);
}

} // namespace nplus1::index

#endif
