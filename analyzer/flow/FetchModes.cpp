// Django 6.1 fetch modes (docs: topics/db/fetch-modes, "Available modes"): what
// `QuerySet.fetch_mode()` changes for the rows of a queryset and every object fetched from
// them. They apply to ForeignKey and OneToOneField fields (and their reverse accessors),
// generic relations and deferred fields; never to related managers' queries.
#include "flow/Interp.h"

namespace nplus1::flow::detail {

Loaded::FetchMode Interp::fetchModeOf(const Expr *Call) {
  const Expr *Arg = !Call->Args.empty() ? Call->Args[0] : Call->keyword("mode");
  if (!Arg)
    return Loaded::FetchMode::Unknown;
  // `models.FETCH_PEERS`, `FETCH_PEERS`, `fetch_modes.FETCH_PEERS`; the raise mode was
  // spelled `RAISE` when it landed and `FETCH_RAISE` in the 6.1 docs.
  std::string Dotted = Arg->dotted(); // by value: keep it alive
  llvm::StringRef Name = llvm::StringRef(Dotted).rsplit('.').second;
  if (Name.empty())
    Name = Dotted;
  return llvm::StringSwitch<Loaded::FetchMode>(Name)
      .Case("FETCH_ONE", Loaded::FetchMode::One)
      .Case("FETCH_PEERS", Loaded::FetchMode::Peers)
      .Cases("RAISE", "FETCH_RAISE", Loaded::FetchMode::Raise)
      .Default(Loaded::FetchMode::Unknown); // a mode of the project's own (FetchWarn())
}

bool Interp::singleValued(EventKind K) {
  return K == EventKind::RelationPerRow || K == EventKind::GenericPerRow ||
         K == EventKind::DeferredPerRow;
}

bool Interp::raisesOnRead(EventKind K, const RowInfo &Row) {
  return singleValued(K) && Row.RootLoaded && Row.RootLoaded->Fetch == Loaded::FetchMode::Raise;
}

} // namespace nplus1::flow::detail
