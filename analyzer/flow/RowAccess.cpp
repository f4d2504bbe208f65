// Rows and their relations: iterating a queryset (iterate opens a LoopInfo), attribute reads
// on a row (instanceAttribute), replaying what a model method or property reads on self, and
// emit, the one place an event is recorded.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow {
namespace detail {

Event Interp::event(EventKind K, Range Access, Range AccessExpr) const {
  Event E;
  E.Kind = K;
  E.File = EvFile;
  E.Access = Access;
  E.AccessExpr = AccessExpr;
  return E;
}

void Interp::emit(EventKind K, const RowInfo &Row, const std::string &Path, bool ThroughMany,
                  const Relation *Rel, Range Access, Range AccessExpr) {
  if (Row.Loop && ColdLoops.count(Row.Loop->Id))
    return; // on a cache miss only: not once per row of that loop
  Event E = event(K, Access, AccessExpr);
  E.Path = Path;
  E.ThroughMany = ThroughMany;
  E.Rel = Rel;
  // Summarizing a method: only what it reads on `self` (and on rows reached from it)
  // repeats per row of the caller's loop; a loop over a queryset the method builds for
  // itself is that queryset's business (reported where the method is analyzed on its own).
  E.OwnQuery = Row.OwnQuery;
  if (Collect && Row.Loop && Row.Loop->Id == SelfLoop) {
    E.InBranch = BranchLoops.count(SelfLoop) != 0;
    Collect->push_back(std::move(E));
    return;
  }
  if (!Report || !Row.Loop || !ActiveLoops.count(Row.Loop->Id))
    return;
  if (Row.Loop->SingleObject) {
    // One object: its own relations cost one query each. Only what repeats for every row
    // of one of its many relations is an N+1.
    auto [First, Rest] = llvm::StringRef(Path).split("__");
    const Relation *Hop = S.G.relation(Row.Loop->RowModel, First);
    if (Rest.empty() || !Hop || !Hop->isMany())
      return;
  }
  if (!S.EventKeys.insert({EvFile, Access.Begin, int(K), Row.Loop->Source.get(), Path}).second)
    return;
  E.Loop = Row.Loop;
  E.Raises = raisesOnRead(K, Row); // fetch mode RAISE (FetchModes.cpp)
  E.ThroughToAttr = Row.ThroughToAttr;
  E.CallFile = CallFile;
  E.CallWhere = CallWhere;
  E.CallName = CallName;
  S.Events.push_back(std::move(E));
}

void Interp::queryInLoop(const ValueRef &Q, Range Access, Range AccessExpr) {
  if (Q->Src && (ColdLoops.count(Q->Src->CreatedInLoop) || (Collect && ColdLoops.count(SelfLoop))))
    return; // on a cache miss only
  if (!Q->Src || !Q->Src->CreatedInLoop || Q->Row || !ActiveLoops.count(Q->Src->CreatedInLoop))
    return;
  Event E = event(EventKind::QueryInLoop, Access, AccessExpr);
  E.Model = Q->Model;
  if (Collect) { // inside a model method: the caller's loop runs it once per row
    Collect->push_back(std::move(E));
    return;
  }
  if (!Report)
    return;
  auto L = S.Loops.find(Q->Src->CreatedInLoop);
  if (L == S.Loops.end() ||
      !S.EventKeys.insert({EvFile, Access.Begin, int(EventKind::QueryInLoop), Q->Src.get(), ""})
           .second)
    return;
  E.Loop = repeatingLoop(L->second);
  if (!E.Loop)
    return;
  classifyInvariant(E, Q); // NP202: the same query every pass (LoopShapes.cpp)
  S.Events.push_back(std::move(E));
}

std::shared_ptr<const LoopInfo>
Interp::repeatingLoop(const std::shared_ptr<const LoopInfo> &L) const {
  if (!L->SingleObject)
    return L;
  // A loop over one row runs its body once: only an enclosing loop over many rows repeats it.
  std::shared_ptr<const LoopInfo> Found;
  for (unsigned Id : ActiveLoops)
    if (auto O = S.Loops.find(Id);
        O != S.Loops.end() && !O->second->SingleObject && (!Found || O->second->Id > Found->Id))
      Found = O->second;
  return Found;
}

unsigned Interp::innermostLoop() const {
  unsigned Max = 0;
  for (unsigned L : ActiveLoops)
    Max = std::max(Max, L);
  return Max;
}

const Stmt *Interp::modelMethod(const Model *Mo, llvm::StringRef Name, index::ClassRef &Owner) {
  if (!Mo || !S.G.classOf(Mo))
    return nullptr;
  const Stmt *Def = S.P.findMethod(Mo->Class, Name, &Owner);
  // Django's own methods count only as the catalog writes them (Permission.__str__), not
  // from a copy of Django inside the project.
  if (!Def || (!Owner.Module->Builtin && index::isDjangoModule(Owner.Module->Name)))
    return nullptr;
  return Def;
}

/// Objects fetched through \p Via hold the object they were read from under Via's
/// counterpart: rows of a reverse FK their owner, either side of a one-to-one the other.
static bool holdsOwner(const Relation &Via) {
  return Via.Kind == index::RelationKind::ReverseForeignKey ||
         Via.Kind == index::RelationKind::OneToOne ||
         Via.Kind == index::RelationKind::ReverseOneToOne;
}

const std::vector<Event> *
Interp::methodReads(const ValueRef &Obj, const Stmt *Def, Interp &Sub,
                    const std::pair<const Stmt *, std::string> &ShapeKey) {
  auto Cached = S.MethodReads.find(ShapeKey);
  if (Cached == S.MethodReads.end()) {
    if (S.InProgress.count(Def) || S.InProgress.size() > limits::CallDepth)
      return nullptr;
    S.InProgress.insert(Def);
    // Summarize: interpret the method with `self` as a row of a loop of its own.
    std::vector<Event> Reads;
    Sub.Collect = &Reads;
    auto L = std::make_shared<LoopInfo>();
    L->Id = S.NextLoop++;
    L->RowModel = Obj->Model;
    // What the method does with `self` is recorded like a queryset's uses (NP301).
    auto SelfUse = std::make_shared<LoadUse>();
    L->Source = std::make_shared<Origin>();
    L->Source->Use = SelfUse;
    RowInfo R;
    R.Loop = L;
    R.RootLoaded = std::make_shared<Loaded>();
    auto Self = make(ValueKind::Instance, Obj->Model);
    Self->Row = R;
    Sub.ActiveLoops.insert(L->Id);
    Sub.SelfLoop = L->Id;
    Sub.bind(Def->Params[0].Name, Self);
    Sub.run(Def->Body);
    S.InProgress.erase(Def);
    if (SelfUse->pending() || Sub.closuresMention(Def->Params[0].Name))
      SelfUse->Lost = true;
    S.MethodUses[ShapeKey] = SelfUse;
    Cached = S.MethodReads.emplace(ShapeKey, std::move(Reads)).first;
  }
  return &Cached->second;
}

void Interp::replayQueryInLoop(const Event &Read, const RowInfo &Row, const Stmt *Def,
                               const index::ClassRef &Owner, Range NameWhere, Range ExprWhere) {
  if (!Report || !Row.Loop || !ActiveLoops.count(Row.Loop->Id))
    return;
  if (Collect) {
    Collect->push_back(Read);
    Collect->back().Access = NameWhere;
    Collect->back().AccessExpr = ExprWhere;
    return;
  }
  std::shared_ptr<const LoopInfo> Repeats = repeatingLoop(Row.Loop);
  if (!Repeats ||
      !S.EventKeys.insert({EvFile, NameWhere.Begin, int(Read.Kind), nullptr, ""}).second)
    return;
  Event E = Read;
  E.File = EvFile;
  E.Access = NameWhere;
  E.AccessExpr = ExprWhere;
  E.Loop = Repeats;
  E.ViaFile = Read.File;
  E.ViaWhere = Read.AccessExpr;
  E.ViaName = Owner.Def->Name + "." + Def->Name;
  S.Events.push_back(std::move(E));
}

void Interp::replayMethod(const ValueRef &Obj, const Stmt *Def, const index::ClassRef &Owner,
                          Range NameWhere, Range ExprWhere, const Expr *Call) {
  if (!Obj->Row || Def->Params.empty()) {
    lose(Obj);
    return;
  }
  Interp Sub(S, *Owner.Module, Def, /*Report=*/false);
  std::pair<const Stmt *, std::string> ShapeKey{Def, Sub.bindCallShape(Def, Call)};
  const std::vector<Event> *Reads = methodReads(Obj, Def, Sub, ShapeKey);
  if (!Reads) {
    lose(Obj);
    return;
  }
  if (LoadUse *U = useOf(Obj)) {
    auto SelfUse = S.MethodUses.find(ShapeKey);
    if (SelfUse == S.MethodUses.end() || SelfUse->second->Lost)
      U->Lost = true;
    else
      U->Reads.insert(SelfUse->second->Reads.begin(), SelfUse->second->Reads.end());
  }
  if (Obj->Row->Loop && ColdLoops.count(Obj->Row->Loop->Id))
    return; // on a cache miss only
  const RowInfo &Row = *Obj->Row;
  for (const Event &Read : *Reads) {
    if (Read.Kind == EventKind::Writes) {
      markWrites(Read.EveryPass);
      continue;
    }
    if (Read.Kind == EventKind::QueryInLoop) {
      replayQueryInLoop(Read, Row, Def, Owner, NameWhere, ExprWhere);
      continue;
    }
    std::string Path = Row.Path.empty() ? Read.Path : Row.Path + "__" + Read.Path;
    // Rows of a reverse FK hold their owner: `self.writer` on a row of writer.books is free.
    llvm::StringRef First = llvm::StringRef(Read.Path).split("__").first;
    // `event.image = None; event.save()`: the method reads what the caller assigned.
    if (llvm::is_contained(Obj->Assigned, First))
      continue;
    if (Row.ViaRelation && holdsOwner(*Row.ViaRelation) && Row.ViaRelation->Counterpart == First) {
      llvm::StringRef Rest = llvm::StringRef(Read.Path).split("__").second;
      if (Rest.empty())
        continue;
      size_t Cut = Row.Path.rfind("__");
      std::string Owner = Cut == std::string::npos ? "" : Row.Path.substr(0, Cut);
      if (Row.Path.empty())
        continue; // the owner is a single object, not a row
      // The owner holds its own owner too (`self.indicator.result` on a row of
      // `result.indicators.all()[i].periods.all()`).
      auto [Next, After] = Rest.split("__");
      if (Row.OwnerVia && holdsOwner(*Row.OwnerVia) && Row.OwnerVia->Counterpart == Next &&
          !Owner.empty()) {
        if (After.empty())
          continue;
        Rest = After;
        Cut = Owner.rfind("__");
        Owner = Cut == std::string::npos ? "" : Owner.substr(0, Cut);
      }
      Path = Owner.empty() ? Rest.str() : Owner + "__" + Rest.str();
    }
    // The set the method queries anew, as a path from the caller's rows: the read's path
    // less what lies below that set.
    auto Rebase = [&](llvm::StringRef Set) {
      llvm::StringRef Below = llvm::StringRef(Read.Path).drop_front(Set.size());
      return llvm::StringRef(Path).ends_with(Below) ? Path.substr(0, Path.size() - Below.size())
                                                    : Path;
    };
    bool ThroughMany = Row.ThroughMany || Read.ThroughMany;
    bool Many = Read.Kind != EventKind::RelationPerRow;
    if (Read.Kind != EventKind::FilteredPerRow && Row.RootLoaded &&
        (Row.RootLoaded->covers(Path, !Many && !ThroughMany && !Row.Nullable &&
                                          !(Read.Rel && Read.Rel->Nullable)) ||
         (singleValued(Read.Kind) && Row.RootLoaded->fetchesPeers())))
      continue;
    size_t Before = S.Events.size();
    emit(Read.Kind, Row, Path, ThroughMany, Read.Rel, NameWhere, ExprWhere);
    if (S.Events.size() > Before) {
      S.Events.back().InWrite |= Read.InWrite;
      S.Events.back().InBranch |= Read.InBranch;
      if (S.Events.back().OwnQuery.empty() && !Read.OwnQuery.empty())
        S.Events.back().OwnQuery = Rebase(Read.OwnQuery);
      S.Events.back().ViaFile = Read.ViaFile ? Read.ViaFile : Read.File;
      S.Events.back().ViaWhere = Read.ViaFile ? Read.ViaWhere : Read.AccessExpr;
      S.Events.back().ViaName =
          Read.ViaName.empty() ? Owner.Def->Name + "." + Def->Name : Read.ViaName;
    } else if (Collect && !Collect->empty() && Collect->back().Access == NameWhere) {
      // Summarizing a method that calls this one: keep where the read really is.
      Collect->back().InWrite |= Read.InWrite;
      Collect->back().InBranch |= Read.InBranch;
      if (Collect->back().OwnQuery.empty() && !Read.OwnQuery.empty())
        Collect->back().OwnQuery = Rebase(Read.OwnQuery);
      Collect->back().ViaFile = Read.ViaFile ? Read.ViaFile : Read.File;
      Collect->back().ViaWhere = Read.ViaFile ? Read.ViaWhere : Read.AccessExpr;
      Collect->back().ViaName =
          Read.ViaName.empty() ? Owner.Def->Name + "." + Def->Name : Read.ViaName;
    }
  }
}

ValueRef Interp::attributeOrCall(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                                 Range ExprWhere) {
  if (Obj->is(ValueKind::Instance) && Obj->Row && !S.G.relation(Obj->Model, Attr) &&
      !S.G.isColumn(Obj->Model, Attr)) {
    index::ClassRef Owner;
    if (const Stmt *Def = modelMethod(Obj->Model, Attr, Owner); Def && Def->Params.size() <= 1) {
      replayMethod(Obj, Def, Owner, NameWhere, ExprWhere);
      return Value::unknown();
    }
  }
  return instanceAttribute(Obj, Attr, NameWhere, ExprWhere);
}

void Interp::strOf(const ValueRef &Obj, Range Where) {
  if (!Obj->is(ValueKind::Instance) || !Obj->Row)
    return;
  index::ClassRef Owner;
  // Python 2 era models define __unicode__ (Django's own __str__ calls it).
  const Stmt *Def = modelMethod(Obj->Model, "__str__", Owner);
  if (!Def)
    Def = modelMethod(Obj->Model, "__unicode__", Owner);
  if (Def)
    replayMethod(Obj, Def, Owner, Where, Where);
}

bool Interp::replayProperty(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                            Range ExprWhere) {
  const Model *Mo = Obj->Model;
  index::ClassRef Owner;
  if (const Stmt *Def = modelMethod(Mo, Attr, Owner))
    for (const Expr *D : Def->Decorators)
      if (llvm::StringRef(D->dotted()).ends_with("property")) {
        replayMethod(Obj, Def, Owner, NameWhere, ExprWhere);
        return true;
      }
  // `name = property(_get_name, _set_name)` in the class body.
  if (!Mo->Builtin && S.G.classOf(Mo))
    for (const Stmt *St : Mo->Class.Def->Body)
      if (St->Kind == StmtKind::Assign && St->Value && St->Value->Kind == ExprKind::Call &&
          St->Value->Object->isName("property") && !St->Value->Args.empty() &&
          St->Value->Args[0]->Kind == ExprKind::Name && St->Targets.size() == 1 &&
          St->Targets[0]->isName(Attr))
        if (const Stmt *Getter = modelMethod(Mo, St->Value->Args[0]->Id, Owner)) {
          replayMethod(Obj, Getter, Owner, NameWhere, ExprWhere);
          return true;
        }
  return false;
}

ValueRef Interp::toAttrRows(const RowInfo &Row, const std::string &Path) {
  for (const auto &[Name, Target] : Row.RootLoaded->ToAttrs)
    if (Name == Path) {
      auto L = make(ValueKind::QuerySet, Target);
      RowInfo R = Row;
      R.Path = Path;
      R.ThroughMany = true;
      R.ThroughToAttr = true;
      L->Row = R;
      return L;
    }
  return Value::unknown();
}

ValueRef Interp::objectProperty(const ValueRef &Obj, const Model *Mo, llvm::StringRef Attr) {
  index::ClassRef Owner;
  const Stmt *Def = modelMethod(Mo, Attr, Owner);
  if (!Def || Def->Params.size() != 1 || llvm::none_of(Def->Decorators, [](const Expr *D) {
        return llvm::StringRef(D->dotted()).ends_with("property");
      }))
    return nullptr;
  ValueRef R = summarize(Def, *Owner.Module, Obj);
  return R->is(ValueKind::QuerySet) || R->is(ValueKind::Instance) ? R : nullptr;
}

ValueRef Interp::instanceAttribute(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                                   Range ExprWhere) {
  const Model *Mo = Obj->Model;
  if (LoadUse *U = useOf(Obj))
    U->Reads.insert(Attr.str());
  if (!Mo)
    return Value::unknown();
  const Relation *Rel = S.G.relation(Mo, Attr);
  if (!Rel && Obj->Row && Obj->Row->Path.empty() && Obj->Row->RootLoaded &&
      S.G.isColumn(Mo, Attr)) {
    // A field only()/defer() left out: Django loads it with one query per row. An attname
    // (`customer_id`) is loaded with its field (`customer`).
    llvm::StringRef Field = Attr;
    if (Field.ends_with("_id") && S.G.relation(Mo, Field.drop_back(3)))
      Field = Field.drop_back(3);
    if (Obj->Row->RootLoaded->deferred(Field) && Obj->Row->RootLoaded->deferred(Attr) &&
        !Obj->Row->RootLoaded->fetchesPeers())
      emit(EventKind::DeferredPerRow, *Obj->Row, Field.str(), false, nullptr, NameWhere, ExprWhere);
  }
  if (!Rel && !Obj->Row && !S.G.isColumn(Mo, Attr))
    if (ValueRef R = objectProperty(Obj, Mo, Attr))
      return R;
  // A property of the model: what it reads on self is read here, once per row.
  if (!Rel && Obj->Row && !S.G.isColumn(Mo, Attr) &&
      replayProperty(Obj, Attr, NameWhere, ExprWhere))
    return Value::unknown();
  if (Rel && llvm::is_contained(Obj->Assigned, Attr))
    return make(ValueKind::Instance, Rel->Target);
  const RowInfo *Row = Obj->Row ? &*Obj->Row : nullptr;
  std::string Path = !Row ? "" : Row->Path.empty() ? Attr.str() : Row->Path + "__" + Attr.str();
  if (!Rel) {
    // `Prefetch(..., to_attr=name)` results: a list of rows, already loaded.
    if (!Row || !Row->RootLoaded)
      return Value::unknown();
    return toAttrRows(*Row, Path);
  }
  if (Rel->isMany()) {
    auto RM = make(ValueKind::RelatedManager, Rel->Target);
    RM->Relation = Rel;
    RM->AccessName = NameWhere;
    RM->AccessExpr = ExprWhere;
    RM->Elements.push_back(Obj);
    return RM;
  }
  if (Rel->Kind == index::RelationKind::GenericForeignKey) {
    // One query per row (per content type, the ContentType itself is cached); only
    // prefetch_related() can load it.
    if (Row && Row->RootLoaded && !Row->RootLoaded->covers(Path, false) &&
        !Row->RootLoaded->fetchesPeers()) {
      RowInfo R = *Row;
      R.Path = Path;
      emit(EventKind::GenericPerRow, R, Path, true, Rel, NameWhere, ExprWhere);
    }
    return make(ValueKind::Instance, nullptr);
  }
  auto Result = make(ValueKind::Instance, Rel->Target);
  if (!Row) {
    mergeBelow(Result->Load, Obj->Load, Attr);
    return Result;
  }
  RowInfo R = *Row;
  R.Path = Path;
  // Rows fetched through a reverse FK hold their owner, and so does an object read through
  // a one-to-one (either side: Django caches the way back); a parent link is read from
  // the row.
  bool BackToOwner =
      Row->ViaRelation && Row->ViaRelation->Counterpart == Attr && holdsOwner(*Row->ViaRelation);
  if (Rel->ParentLink || BackToOwner) {
    R.ViaRelation = BackToOwner ? Row->OwnerVia : nullptr;
    R.OwnerVia = nullptr;
    if (BackToOwner) {
      // Back at the owner: its path is the row's path minus the last hop; the owner of a
      // single object's related set is that object, not a row.
      if (Row->Path.empty())
        return Result;
      size_t Cut = Row->Path.rfind("__");
      R.Path = Cut == std::string::npos ? "" : Row->Path.substr(0, Cut);
      if (R.Path.empty()) { // the loop's own row: joinable again
        R.ThroughMany = false;
        R.Nullable = false;
      }
    }
    Result->Row = R;
    return Result;
  }
  bool AllSelectable = !Row->ThroughMany && !nullableOnPath(Obj, Rel);
  R.ViaRelation = Rel->Kind == index::RelationKind::OneToOne ||
                          Rel->Kind == index::RelationKind::ReverseOneToOne
                      ? Rel
                      : nullptr;
  R.OwnerVia = R.ViaRelation ? Row->ViaRelation : nullptr;
  R.Nullable = Row->Nullable || Rel->Nullable;
  if (!Row->RootLoaded ||
      (!Row->RootLoaded->covers(Path, AllSelectable) && !Row->RootLoaded->fetchesPeers()))
    emit(EventKind::RelationPerRow, R, Path, Row->ThroughMany, Rel, NameWhere, ExprWhere);
  Result->Row = R;
  return Result;
}

bool Interp::nullableOnPath(const ValueRef &Obj, const Relation *Rel) {
  return Rel->Nullable || Rel->Kind == index::RelationKind::ReverseOneToOne ||
         (Obj->Row && Obj->Row->Nullable);
}

void Interp::evaluateRelated(const ValueRef &QS, EventKind K) {
  if (!QS->Row || !QS->Relation || QS->Row->ThroughToAttr)
    return;
  const RowInfo &R = *QS->Row;
  if (QS->Bypass) // a new query whatever was prefetched
    K = EventKind::FilteredPerRow;
  else if (R.RootLoaded && R.RootLoaded->covers(R.Path, false))
    return;
  else if (PrefetchFallback.count(QS->Relation->Name))
    K = EventKind::ManagerPerRow; // prefetch_related() makes the code skip this query

  emit(K, R, R.Path, true, QS->Relation, QS->AccessName, QS->AccessExpr);
}

ValueRef Interp::iterate(const ValueRef &V, Range Header, llvm::StringRef IterText,
                         std::optional<unsigned> &NewLoop) {
  if (V->is(ValueKind::Enumerate) && !V->Elements.empty()) {
    ValueRef Inner = iterate(V->Elements[0], Header, IterText, NewLoop);
    auto T = make(ValueKind::Tuple);
    T->Elements = {Value::unknown(), Inner ? Inner : Value::unknown()};
    return T;
  }
  if (!V->is(ValueKind::QuerySet) || !V->Model || (V->ValuesMode && V->Row))
    return nullptr;
  auto RowV = make(ValueKind::Instance, V->Model);
  // A row's related set filtered, ordered or given load calls (`order.items.filter(...)`,
  // `meal.items.select_related()`) is a new query per row, which no prefetch on the outer
  // queryset serves: that query is reported on the outer loop (evaluateRelated), and its
  // rows are the rows of a loop of their own, whose relations load on that query. In a
  // method's summary they stay rows of the caller's loop (a loop of the method's own is
  // not reported from there), marked so that no prefetch is offered for them.
  bool OwnQuery = V->Row && V->Bypass && V->Src && !Collect;
  if (V->Row && !OwnQuery) { // rows of a related set: still rows of the outer loop
    evaluateRelated(V);
    RowInfo R = *V->Row;
    R.ThroughMany = true;
    R.OwnerVia = V->Row->ViaRelation;
    R.ViaRelation = V->Relation;
    if (V->Bypass) {
      // Its own query per row (`row.items.select_related('x').filter(...)`): what that
      // query loads is loaded on its rows too.
      auto Own = std::make_shared<Loaded>(R.RootLoaded ? *R.RootLoaded : Loaded{});
      Own->addPrefetch(R.Path); // fetched by that query (its own finding)
      Own->merge(V->Load, R.Path);
      R.RootLoaded = Own;
      if (R.OwnQuery.empty())
        R.OwnQuery = R.Path;
    }
    RowV->Row = R;
    return RowV;
  }
  if (OwnQuery)
    evaluateRelated(V);
  else
    queryInLoop(V, Header, Header);
  auto L = std::make_shared<LoopInfo>();
  L->Id = S.NextLoop++;
  L->Header = Header;
  L->HeaderFile = EvFile;
  L->Source = V->Src;
  L->SourceText = IterText.str();
  L->RowModel = V->Model;
  L->Function = Fn;
  L->SingleObject = V->OneRow;
  if (LoadUse *U = useOf(V)) {
    U->Loops.push_back(L);
    if (V->ValuesMode)
      U->Lost = true;
  }
  RowInfo R;
  R.Loop = L;
  R.ViaRelation = V->Relation;
  R.RootLoaded = std::make_shared<Loaded>(V->Load);
  RowV->Row = R;
  NewLoop = L->Id;
  S.Loops[L->Id] = L;
  // values()/values_list() rows are dicts and tuples: no relations, but still one
  // iteration per row (a query inside is a query per row).
  if (V->ValuesMode)
    return Value::unknown();
  return RowV;
}

} // namespace detail
} // namespace nplus1::flow
