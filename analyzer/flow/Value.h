#ifndef NPLUS1_FLOW_VALUE_H
#define NPLUS1_FLOW_VALUE_H

#include "index/ModelGraph.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nplus1::flow {

using parse::Range;
using parse::SourceFile;

/// An existing `select_related(...)` / `prefetch_related(...)` call in a queryset chain,
/// which a fix extends instead of adding a new call.
struct LoadCall {
  uint32_t CloseParen = 0; ///< offset of the call's `)`
  bool HasArgs = false;
};

struct LoopInfo;

/// A string lookup passed to `select_related()` / `prefetch_related()` in the function
/// that creates the queryset (NP301 checks that some consumer reads it).
struct EagerLoad {
  std::string Path;
  bool Prefetch = false;
  Range Literal;           ///< the string literal, quotes included
  Range Call;              ///< from the end of the call's receiver to its `)`
  std::vector<Range> Args; ///< every argument of the call
  size_t Index = 0;        ///< which argument this lookup is
  bool HasKeywords = false;
  bool OnManager = false; ///< the receiver is a manager: removing the call leaves `.all()`
};

/// How a queryset created in the analyzed function is consumed: which relations its rows
/// read, and whether all of its uses were understood (NP301). Every expression that
/// yields the queryset (or one of its rows, or a container holding them) is Pending until
/// a use the interpreter understands consumes it; anything left pending means an unseen
/// consumer could read any relation.
struct LoadUse {
  std::vector<EagerLoad> Loads;
  std::vector<std::string> ObjectLookups; ///< `Prefetch(...)` lookups of the chain
  std::set<std::string> Reads;            ///< attributes read on its rows
  std::map<const void *, int> Pending;
  std::vector<std::string> Names; ///< local names bound to it or to its rows
  /// Keyword lookups of its filter()/exclude() calls (`workspace__slug`): a select_related
  /// of a relation they join through adds columns, not a join.
  std::vector<std::string> FilterKeys;
  /// Its consumer loops (weak: a loop holds its queryset's Origin, which holds this).
  std::vector<std::weak_ptr<const LoopInfo>> Loops;
  bool Lost = false;

  bool pending() const {
    for (const auto &P : Pending)
      if (P.second > 0)
        return true;
    return false;
  }
};

/// What a queryset has already loaded: select_related / prefetch_related lookups
/// ("customer__address"), plus `Prefetch(to_attr=...)` names, which are only reachable
/// under their own name.
struct Loaded {
  std::vector<std::string> Select;   ///< select_related lookups
  std::vector<std::string> Prefetch; ///< prefetch_related lookups (incl. Prefetch objects)
  bool SelectAll = false;            ///< bare select_related(): every non-null forward FK
  /// When set, covers() records here each path only SelectAll loaded (an admin changelist:
  /// a list_select_related tuple replaces Django's select_related() and must keep them).
  std::shared_ptr<std::vector<std::string>> SelectAllUsed;
  /// A lookup argument we cannot read (prefetch_related(*lookups)): it may load anything.
  bool LoadsUnknown = false;
  /// Django 6.1 `fetch_mode()`: how the rows, and every object fetched from them, load a
  /// ForeignKey/OneToOne (either side), a GenericForeignKey or a deferred field they lack.
  /// Related managers' queries are never affected. Unknown: a mode we cannot read.
  enum class FetchMode { One, Peers, Raise, Unknown } Fetch = FetchMode::One;
  /// True when the fetch mode loads a missing single-valued relation or deferred field for
  /// all the rows at once (FETCH_PEERS, or a mode we cannot read: stay silent).
  bool fetchesPeers() const { return Fetch == FetchMode::Peers || Fetch == FetchMode::Unknown; }
  /// Lookups of `Prefetch(..., to_attr=name)`: name -> target model.
  std::vector<std::pair<std::string, const index::Model *>> ToAttrs;
  /// only() / defer() on the rows' own fields (lookups through relations are not tracked).
  bool HasOnly = false;
  std::vector<std::string> Only, Deferred;
  /// Forward FK/O2O paths the queryset filtered to NULL (`filter(customer__isnull=True)`,
  /// `filter(customer=None)`): reading them returns None, no query.
  std::vector<std::string> Null;

  /// True when reading column \p Field of a row runs a query (deferred by only/defer).
  bool deferred(llvm::StringRef Field) const;
  void addSelect(llvm::StringRef Lookup);
  void addPrefetch(llvm::StringRef Lookup);
  /// Adds \p Other's lookups, each prefixed with `Prefix__` when Prefix is not empty.
  void merge(const Loaded &Other, llvm::StringRef Prefix = "");
  /// True when every hop of \p Path is loaded.
  bool covers(llvm::StringRef Path, bool AllSelectable) const;
  /// True when select_related / prefetch_related lookups load every hop of \p Path.
  bool coversExplicitly(llvm::StringRef Path) const;
};

/// Where a queryset was created: the place a fix edits.
struct Origin {
  const SourceFile *File = nullptr;
  Range Chain;           ///< the queryset expression as written (for messages)
  uint32_t InsertAt = 0; ///< right after `Model.objects` / `obj.related`
  /// Written before the load calls at InsertAt: a view declared only `model = Order`
  /// gets a new line `queryset = Order.objects` to hang them on.
  std::string InsertPrefix;
  std::string Label; ///< how messages name the queryset, when its text does not say it
  std::optional<LoadCall> Select, Prefetch;
  std::optional<LoadCall> Only; ///< an `only(...)` call of the chain (NP105 fixes extend it)
  /// What only()/defer() left out of the rows (Fields.HasOnly/Only/Deferred, as the last
  /// such call on this queryset left them): select_related of a deferred FK raises
  /// FieldError, and prefetching one still reads its column row by row. FieldsOpaque: a
  /// call named related fields (`customer__name`) or non-literals, so nothing is known.
  Loaded Fields;
  bool FieldsOpaque = false;
  const parse::py::Stmt *Function = nullptr; ///< the function it is created in
  char Quote = '\'';
  bool Escapes = false; ///< returned, stored, or passed to another function
  /// A related set of an object the caller passed in (Value::FromCaller): a load call on it
  /// would bypass a prefetch the caller made, so its fixes are unsafe.
  bool OwnerFromCaller = false;
  bool Fixable = true;          ///< false for combined querysets (union...) and the like
  std::string NoFixWhy;         ///< why not Fixable, when there is more to say
  bool IteratorNoChunk = false; ///< `.iterator()` without chunk_size drops prefetches
  /// An `.iterator(...)` call on the queryset (its `)`, whether it has arguments and a
  /// chunk size): prefetch_related() needs Django 4.1+ and a chunk_size there.
  std::optional<LoadCall> Iterator;
  bool IteratorChunked = false;
  bool IteratorElsewhere = false; ///< not in the origin's file: no edit can add chunk_size
  /// A `fetch_mode(...)` call on the queryset after InsertAt: it would override a mode
  /// written at InsertAt (the later call wins), so no fetch-mode alternative is offered.
  bool FetchModeCall = false;
  unsigned CreatedInLoop = 0; ///< the innermost queryset loop active at creation (NP106)
  /// An admin changelist: fixes go into `list_select_related` (Select points into an
  /// existing list literal; otherwise a new line is written at InsertAt), and must keep
  /// AlsoSelect, the FK columns Django selected by itself before the list existed.
  bool AdminList = false;
  std::vector<std::string> AlsoSelect;
  /// The non-null FK paths the columns read through Django's select_related() (filled
  /// while the changelist is analyzed): kept, too, by a new list_select_related.
  std::shared_ptr<std::vector<std::string>> SelectAllUsed;
  /// Set when the queryset is created in a function analyzed for NP301.
  std::shared_ptr<LoadUse> Use;
};

struct Value;
using ValueRef = std::shared_ptr<const Value>;

/// The abstract values functions are interpreted over.
enum class ValueKind {
  Unknown,
  ModelClass,     ///< the class `Order`
  Manager,        ///< `Order.objects`
  QuerySet,       ///< a queryset (or an evaluated list of its rows)
  Instance,       ///< one model instance: a loop row or a single object
  RelatedManager, ///< `customer.orders`
  Prefetch,       ///< a `Prefetch(...)` object
  Enumerate,      ///< `enumerate(x)`: (index, element) pairs
  Tuple,          ///< a tuple of values
  Dict,           ///< a dict with string keys (template contexts)
  TemplateRef,    ///< `get_template("name")`
};

/// The loop a row belongs to: its queryset is the one the fix goes on.
struct LoopInfo {
  unsigned Id = 0;
  Range Header;
  const SourceFile *HeaderFile = nullptr; ///< the loop may be in another file than the access
  std::string Note;                       ///< replaces "the loop over ... is here" (serializers)
  std::shared_ptr<Origin> Source;
  std::string SourceText; ///< the loop's iterable as written (`orders`)
  const index::Model *RowModel = nullptr;
  const parse::py::Stmt *Function = nullptr; ///< the function the loop is in
  /// The loop body writes to the database (save, delete, create, update, add/remove...):
  /// a prefetched cache could go stale within the loop, so prefetch fixes are unsafe.
  mutable bool Writes = false;
  /// ... and does so on every pass: the write is not under an `if`, a `while` or an
  /// `except` of the loop (nor of a method the loop calls). The loop costs a query per
  /// row whatever it reads.
  mutable bool WritesEveryPass = false;
  /// Not a loop but one object (a DRF retrieve): only accesses below one of its many
  /// relations repeat per row.
  mutable bool SingleObject = false;
};

/// A row of a loop: which loop, and how it is reached from that loop's rows.
struct RowInfo {
  std::shared_ptr<const LoopInfo> Loop;
  std::string Path;         ///< lookup from the loop's rows ("" for the row itself)
  bool ThroughMany = false; ///< Path crosses a many relation: fixes need prefetch_related
  bool ThroughToAttr = false;
  std::string OwnQuery;  ///< the related set on Path queried anew per row (Event::OwnQuery)
  bool Nullable = false; ///< Path crosses a nullable relation
  /// The relation these rows were fetched through (rows of `customer.orders.all()`).
  const index::Relation *ViaRelation = nullptr;
  /// The relation the owner of these rows was fetched through: back at the owner
  /// (`period.indicator` on rows of `indicator.periods`), it holds its own owner too.
  const index::Relation *OwnerVia = nullptr;
  std::shared_ptr<const Loaded> RootLoaded; ///< what the loop's queryset loaded
};

/// One abstract value.
struct Value {
  ValueKind Kind = ValueKind::Unknown;
  const index::Model *Model = nullptr;
  const index::ManagerInfo *Manager = nullptr;
  Loaded Load;             ///< QuerySet, Manager, Prefetch (inner queryset)
  bool ValuesMode = false; ///< values()/values_list(): rows are dicts/tuples
  bool Bypass = false;     ///< a filtered/ordered related set: a new query, prefetch or not
  /// Instance: a parameter of a function analyzed on its own (`def f(q: Questionnaire)`):
  /// what its caller prefetched on it is unknown.
  bool FromCaller = false;
  bool OneRow = false;         ///< filtered on its primary key: at most one row
  bool Empty = false;          ///< `.none()`: no rows (an early-return guard)
  std::shared_ptr<Origin> Src; ///< QuerySet/Manager: where it was created
  std::optional<RowInfo> Row;  ///< Instance: a loop row; QuerySet: rows of a related set
  const index::Relation *Relation = nullptr; ///< RelatedManager / related QuerySet
  Range AccessName;                          ///< RelatedManager: the attribute name's range
  Range AccessExpr;                          ///< RelatedManager: `customer.orders`
  std::string PrefetchLookup, ToAttr;        ///< Prefetch
  std::vector<ValueRef> Elements;            ///< Tuple, Enumerate (one element)
  std::vector<std::pair<std::string, ValueRef>> Entries; ///< Dict, in insertion order
  std::string TemplateName;                              ///< TemplateRef
  /// Instance: relation attributes the code assigned (`thread.starter = x`): reading them
  /// back costs no query.
  std::vector<std::string> Assigned;

  /// Dict lookup; null when absent.
  ValueRef entry(llvm::StringRef Key) const {
    for (auto It = Entries.rbegin(); It != Entries.rend(); ++It)
      if (It->first == Key)
        return It->second;
    return nullptr;
  }

  static ValueRef unknown();
  bool is(ValueKind K) const { return Kind == K; }
};

} // namespace nplus1::flow

#endif
