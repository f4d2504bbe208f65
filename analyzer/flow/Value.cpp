#include "flow/Value.h"

#include "llvm/ADT/STLExtras.h"

namespace nplus1::flow {

ValueRef Value::unknown() {
  static const ValueRef U = std::make_shared<const Value>();
  return U;
}

static void addUnique(std::vector<std::string> &To, llvm::StringRef Lookup) {
  if (!Lookup.empty() && !llvm::is_contained(To, Lookup))
    To.push_back(Lookup.str());
}

void Loaded::addSelect(llvm::StringRef Lookup) { addUnique(Select, Lookup); }

bool Loaded::deferred(llvm::StringRef Field) const {
  if (Field == "pk" || Field == "id")
    return false;
  if (llvm::is_contained(Deferred, Field))
    return true;
  return HasOnly && !llvm::is_contained(Only, Field);
}
void Loaded::addPrefetch(llvm::StringRef Lookup) { addUnique(Prefetch, Lookup); }

void Loaded::merge(const Loaded &Other, llvm::StringRef Prefix) {
  auto Join = [&](const std::string &L) { return Prefix.empty() ? L : Prefix.str() + "__" + L; };
  for (const std::string &L : Other.Select)
    addUnique(Prefix.empty() ? Select : Prefetch, Join(L));
  for (const std::string &L : Other.Prefetch)
    addUnique(Prefetch, Join(L));
  for (const std::string &L : Other.Null)
    addUnique(Null, Join(L));
  LoadsUnknown |= Other.LoadsUnknown; // below a prefix too: we cannot tell what is where
  if (Prefix.empty()) {
    SelectAll |= Other.SelectAll;
    if (Other.Fetch != FetchMode::One) // the later fetch_mode() wins
      Fetch = Other.Fetch;
    for (const auto &T : Other.ToAttrs)
      ToAttrs.push_back(T);
  }
}

/// True when \p Lookup is \p Prefix or continues it at a `__` boundary.
static bool extendsPath(llvm::StringRef Lookup, llvm::StringRef Prefix) {
  return Lookup == Prefix ||
         (Lookup.starts_with(Prefix) && Lookup.substr(Prefix.size()).starts_with("__"));
}

bool Loaded::covers(llvm::StringRef Path, bool AllSelectable) const {
  if (LoadsUnknown)
    return true;
  // Below a relation that is NULL on every row there is nothing to load.
  if (llvm::any_of(Null, [&](const std::string &N) { return extendsPath(Path, N); }))
    return true;
  bool Explicit = coversExplicitly(Path);
  if (SelectAll && AllSelectable && !Explicit) {
    if (SelectAllUsed && !llvm::is_contained(*SelectAllUsed, Path))
      SelectAllUsed->push_back(Path.str());
    return true;
  }
  return Explicit;
}

bool Loaded::coversExplicitly(llvm::StringRef Path) const {
  // Every prefix of the path must be loaded by some lookup that extends it.
  for (size_t End = Path.find("__");; End = Path.find("__", End + 2)) {
    llvm::StringRef Prefix = End == llvm::StringRef::npos ? Path : Path.substr(0, End);
    auto Extends = [&](const std::string &L) { return extendsPath(L, Prefix); };
    bool Hit = llvm::any_of(Select, Extends) || llvm::any_of(Prefetch, Extends);
    if (!Hit)
      return false;
    if (End == llvm::StringRef::npos)
      return true;
  }
}

} // namespace nplus1::flow
