// What each load of a queryset is used for (NP301, UnusedLoad): a select_related or
// prefetch_related whose relation no code reads, tracked per queryset and reported at the end
// of a function.
#include "flow/Interp.h"

namespace nplus1::flow {
namespace detail {

void Interp::escape(const ValueRef &V) {
  if (!V)
    return;
  if ((V->is(ValueKind::QuerySet) || V->is(ValueKind::Manager)) && V->Src)
    V->Src->Escapes = true;
  if (V->is(ValueKind::Dict))
    for (const auto &E : V->Entries)
      escape(E.second);
}

LoadUse *Interp::useOf(const ValueRef &V) {
  if (!V)
    return nullptr;
  if ((V->is(ValueKind::QuerySet) || V->is(ValueKind::Manager)) && !V->Row && V->Src)
    return V->Src->Use.get();
  if (V->is(ValueKind::Instance) && V->Row && V->Row->Path.empty() && V->Row->Loop &&
      V->Row->Loop->Source)
    return V->Row->Loop->Source->Use.get();
  return nullptr;
}

void Interp::usesOf(const ValueRef &V, llvm::SmallVectorImpl<LoadUse *> &Out) {
  if (!V)
    return;
  if (LoadUse *U = useOf(V))
    Out.push_back(U);
  for (const ValueRef &E : V->Elements)
    usesOf(E, Out);
  for (const auto &E : V->Entries)
    usesOf(E.second, Out);
}

void Interp::consume(const Expr *E, const ValueRef &V) {
  llvm::SmallVector<LoadUse *, 2> Uses;
  usesOf(V, Uses);
  for (LoadUse *U : Uses) {
    auto It = U->Pending.find(E);
    if (It != U->Pending.end() && It->second > 0)
      --It->second;
  }
}

void Interp::lose(const ValueRef &V) {
  llvm::SmallVector<LoadUse *, 2> Uses;
  usesOf(V, Uses);
  for (LoadUse *U : Uses)
    U->Lost = true;
}

void Interp::loseScope(const llvm::StringMap<ValueRef> &Vars) {
  for (const auto &KV : Vars)
    lose(KV.second);
}

/// True when \p W occurs in \p T as a whole identifier.
static bool containsWord(llvm::StringRef T, llvm::StringRef W) {
  auto Word = [](char C) { return llvm::isAlnum(C) || C == '_'; };
  for (size_t At = T.find(W); At != llvm::StringRef::npos; At = T.find(W, At + 1)) {
    bool Before = At > 0 && Word(T[At - 1]);
    bool After = At + W.size() < T.size() && Word(T[At + W.size()]);
    if (!Before && !After)
      return true;
  }
  return false;
}

bool Interp::closuresMention(llvm::StringRef Name) const {
  for (Range R : Closures)
    if (containsWord(File->slice(R), Name))
      return true;
  return false;
}

void Interp::recordLoads(const ValueRef &Recv, const Expr *E, bool Select, bool OnManager) {
  LoadUse *U = useOf(Recv);
  if (!U || Recv->Src->Function != Fn || Recv->Src->File != File ||
      E->Object->Kind != ExprKind::Attribute)
    return;
  EagerLoad Base;
  Base.Prefetch = !Select;
  Base.Call = {E->Object->Object->Where.End, E->Where.End};
  for (const Expr *A : E->Args)
    Base.Args.push_back(A->Where);
  Base.HasKeywords = !E->Keywords.empty();
  Base.OnManager = OnManager;
  for (size_t I = 0; I < E->Args.size(); ++I) {
    const Expr *A = E->Args[I];
    if (A->Kind != ExprKind::String || !A->Args.empty() || A->Id.empty())
      continue;
    EagerLoad L = Base;
    L.Path = A->Id;
    L.Literal = A->Where;
    L.Index = I;
    U->Loads.push_back(std::move(L));
  }
}

/// True when a filter()/exclude() keyword of the queryset (\p Keys) reads a field of the
/// model \p Path leads to from \p Mo (`workspace__slug` for `workspace`): the query joins
/// that table anyway, and Django's select_related() reuses the join, so selecting it costs
/// a few columns (measured on Django 3.2: one INNER JOIN with or without it). A key naming
/// only the FK's own column (`workspace`, `workspace__id`, `workspace__in`) joins nothing.
bool Interp::joinedByFilter(const Model *Mo, llvm::StringRef Path,
                            llvm::ArrayRef<std::string> Keys) const {
  const Model *At = Mo;
  for (llvm::StringRef Rest = Path; At && !Rest.empty();) {
    auto [Hop, Tail] = Rest.split("__");
    const Relation *R = S.G.relation(At, Hop);
    if (!R || R->isMany())
      return false;
    At = R->Target;
    Rest = Tail;
  }
  if (!At)
    return false;
  return llvm::any_of(Keys, [&](llvm::StringRef K) {
    if (!K.consume_front(Path) || !K.consume_front("__"))
      return false;
    llvm::StringRef Next = K.split("__").first;
    return Next != "id" && Next != "pk" && (S.G.isColumn(At, Next) || S.G.relation(At, Next));
  });
}

void Interp::reportUnusedLoads() {
  if (!Fn)
    return;
  llvm::StringRef Body = File->slice(Fn->Where);
  // Code that reads local variables by name, or rebinds them elsewhere.
  for (llvm::StringRef Opaque : {"locals", "vars", "globals", "eval", "exec", "nonlocal", "global"})
    if (containsWord(Body, Opaque))
      return;
  for (const std::shared_ptr<Origin> &O : TrackedOrigins) {
    if (!O->Use || O->Use->Loads.empty() || O->Function != Fn || O->File != File || O->Escapes ||
        !O->Fixable || O->CreatedInLoop || O->AdminList)
      continue;
    const LoadUse &U = *O->Use;
    std::vector<std::shared_ptr<const LoopInfo>> Loops;
    for (const std::weak_ptr<const LoopInfo> &W : U.Loops)
      if (std::shared_ptr<const LoopInfo> Alive = W.lock())
        Loops.push_back(std::move(Alive));
    if (U.Lost || U.pending() || Loops.empty() || Loops.size() != U.Loops.size())
      continue;
    const std::shared_ptr<const LoopInfo> &L = Loops.front();
    if (llvm::any_of(U.Names, [&](const std::string &N) { return closuresMention(N); }))
      continue;
    const Model *Mo = L->RowModel;
    for (size_t I = 0; I < U.Loads.size(); ++I) {
      const EagerLoad &Ld = U.Loads[I];
      llvm::StringRef First = llvm::StringRef(Ld.Path).split("__").first;
      if (!Mo || !S.G.relation(Mo, First) || U.Reads.count(First.str()))
        continue;
      if (llvm::any_of(U.ObjectLookups, [&](const std::string &P) {
            return llvm::StringRef(P).split("__").first == First;
          }))
        continue;
      if (!Ld.Prefetch && joinedByFilter(Mo, Ld.Path, U.FilterKeys))
        continue;
      Event E = event(EventKind::UnusedLoad, Ld.Literal, Ld.Call);
      E.File = File;
      E.Path = Ld.Path;
      E.Rel = S.G.relation(Mo, First);
      E.Loop = L;
      E.Load = std::make_shared<EagerLoad>(Ld);
      E.Consumers = Loops;
      S.Events.push_back(std::move(E));
    }
  }
}

} // namespace detail
} // namespace nplus1::flow
