#ifndef NPLUS1_FLOW_INTERPRETER_H
#define NPLUS1_FLOW_INTERPRETER_H

#include "flow/TemplateCallables.h"
#include "flow/Value.h"

namespace nplus1::index {
class TemplateIndex;
}

namespace nplus1::flow {

/// What costs a query per row.
enum class EventKind {
  RelationPerRow,  ///< a forward FK/O2O, reverse O2O or generic FK read on a row
  ManagerPerRow,   ///< a reverse-FK/M2M related manager evaluated on a row
  AggregatePerRow, ///< `.count()` / `.exists()` on a related manager of a row
  FilteredPerRow,  ///< `.filter()`/`.get()`/`.first()`... on a related manager of a row
  QueryInLoop,     ///< `Model.objects.get(...)` (or any read) run inside a queryset loop
  GenericPerRow,   ///< a GenericForeignKey read on a row
  DeferredPerRow,  ///< a field deferred by only()/defer() read on a row
  Writes,          ///< (method summaries only) the method writes to the database
  WritePerRow,     ///< `row.save()`, `row.delete()`, `Model.objects.filter(pk=row.pk).update()`
  UnusedLoad,      ///< a select_related/prefetch_related lookup no consumer reads (NP301)
};

/// One relation access that runs a query for every row of a loop.
struct Event {
  EventKind Kind = EventKind::RelationPerRow;
  const SourceFile *File = nullptr;
  Range Access;     ///< the relation's attribute name
  Range AccessExpr; ///< `order.customer`
  std::shared_ptr<const LoopInfo> Loop;
  std::string Path; ///< lookup from the loop's rows: "customer__address"
  bool ThroughMany = false;
  bool ThroughToAttr = false;
  /// The path crosses a related set a model method queries anew for each row
  /// (`self.items.order_by(...)`): that set's path ("items"). No prefetch on the loop's
  /// queryset serves what lies below it.
  std::string OwnQuery;
  const index::Relation *Rel = nullptr;
  const index::Model *Model = nullptr; ///< QueryInLoop: the model queried
  /// Reached through a model method, property or __str__: where it reads the relation.
  const SourceFile *ViaFile = nullptr;
  Range ViaWhere;
  std::string ViaName; ///< "Order.label"
  /// Read inside a project function that was given the rows: where the caller calls it.
  const SourceFile *CallFile = nullptr;
  Range CallWhere;
  std::string CallName; ///< "helpers.show"
  /// UnusedLoad: the lookup (Access is its string literal), and every consumer loop
  /// (Loop is the first).
  std::shared_ptr<const EagerLoad> Load;
  std::vector<std::shared_ptr<const LoopInfo>> Consumers;
  /// QueryInLoop: the query is written in one expression inside Python loops of its own
  /// function and reads no name those loops bind or change: the same query every pass.
  /// Loops: the queryset loops it runs inside, outermost first.
  bool Invariant = false;
  /// Writes (method summaries): the method writes whenever it runs, not only in a branch.
  bool EveryPass = false;
  /// A read inside a row's save()/delete() (a project override, or a method it calls): it
  /// runs only when that row is written, one query beside the write's own.
  bool InWrite = false;
  /// A read a model method or property makes only in a branch of its own (under an `if`,
  /// a `while` or an `except`: `asset_url` reading `self.workspace` for some kinds of
  /// asset), set on its summary's events and kept when they are replayed.
  bool InBranch = false;
  std::vector<std::shared_ptr<const LoopInfo>> Loops;
  /// WritePerRow: the method (`save`, `delete`, `update`) and the fields its call names as
  /// literals (`update_fields=[...]`, `update(status=...)`).
  std::string Write;
  std::vector<std::string> WriteFields;
  /// WritePerRow: code that runs for every written row besides the query and that a
  /// batched write would skip (a save()/delete() override, a pre_save/post_save receiver,
  /// a third-party base that may override save()): what it is, and where ("" when none).
  std::string Hook;
  const SourceFile *HookFile = nullptr;
  Range HookWhere;
  /// RelationPerRow/DeferredPerRow/GenericPerRow: the rows' fetch mode is RAISE (Django
  /// 6.1): the read raises FieldFetchBlocked instead of running a query.
  bool Raises = false;
};

/// Interprets the functions of one module over abstract values and reports the events.
/// Reads the frozen project and model graph only, so modules can be analyzed in parallel.
class Analyzer {
public:
  /// \p DjangoVersion: major*100+minor of the Django the project runs (semantics differ);
  /// \p VersionKnown: the project pins it (else DjangoVersion is a default, and features
  /// of later releases, such as 6.1's fetch modes, are taken as available).
  Analyzer(const index::Project &P, const index::ModelGraph &G,
           const index::TemplateIndex *T = nullptr, unsigned DjangoVersion = 502,
           bool VersionKnown = false)
      : P(P), G(G), T(T), DjangoVersion(DjangoVersion), VersionKnown(VersionKnown) {
    if (T)
      Callables.collect(P);
  }
  /// The events of every function of \p M, including those in the templates it renders.
  std::vector<Event> analyzeModule(const index::ModuleInfo &M) const;

private:
  const index::Project &P;
  const index::ModelGraph &G;
  const index::TemplateIndex *T;
  unsigned DjangoVersion;
  bool VersionKnown;
  TemplateCallables Callables;
};

} // namespace nplus1::flow

#endif
