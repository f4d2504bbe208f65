// Querysets: where one comes from (a manager, a related manager; its Origin is where a fix
// goes), what each queryset method does to it (queryMethod dispatches on the catalog's
// method kind), and what it loads (select_related, prefetch_related, only/defer).
#include "flow/Interp.h"
#include "flow/Walk.h"

namespace nplus1::flow {
namespace detail {

// Queryset methods by family: rows of the catalog (index/Framework.def).
bool isChainMethod(llvm::StringRef N) {
  return index::queryMethodKind(N) == index::QueryMethodKind::Chain;
}
bool isSingleMethod(llvm::StringRef N) {
  return index::queryMethodKind(N) == index::QueryMethodKind::Single;
}
bool isValuesMethod(llvm::StringRef N) {
  return index::queryMethodKind(N) == index::QueryMethodKind::Values;
}
bool isScalarMethod(llvm::StringRef N) {
  return index::queryMethodKind(N) == index::QueryMethodKind::Scalar;
}
/// Builtins that consume an iterable right away.
bool isIterConsumer(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("list", "tuple", "set", "sorted", "frozenset", "reversed", "len", true)
      .Cases("sum", "any", "all", "max", "min", "dict", "next", "iter", true)
      .Case("bool", true)
      .Default(false);
}

char Interp::quote() {
  auto It = S.Quotes.find(File);
  if (It != S.Quotes.end())
    return It->second;
  llvm::StringRef T = File->text();
  size_t Single = T.count("('") + T.count(", '") + T.count("=['");
  size_t Double = T.count("(\"") + T.count(", \"") + T.count("=[\"");
  return S.Quotes[File] = Double > Single ? '"' : '\'';
}

Loaded Interp::managerLoad(const index::ManagerInfo *MI, const Model *Mo) {
  if (!MI || !S.G.managerClass(*MI))
    return {};
  auto It = S.ManagerLoads.find(MI);
  if (It != S.ManagerLoads.end())
    return It->second;
  S.ManagerLoads[MI] = {};
  Loaded L;
  index::ClassRef Owner;
  if (const Stmt *GQ = S.P.findMethod(S.G.managerClass(*MI), "get_queryset", &Owner)) {
    auto Self = make(ValueKind::Manager, Mo);
    ValueRef R = summarize(GQ, *Owner.Module, Self);
    if (R->is(ValueKind::QuerySet))
      L = R->Load;
  }
  S.ManagerLoads[MI] = L;
  return L;
}

Loaded Interp::defaultLoad(const Model *Mo) {
  if (!Mo)
    return {};
  return managerLoad(S.G.manager(Mo, "_default_manager"), Mo);
}

/// True when \p Body (not counting nested functions and classes) calls `*.get_queryset()`.
static bool callsGetQuerySet(llvm::ArrayRef<Stmt *> Body) {
  bool Found = false;
  auto OnStmt = [](const Stmt *) {};
  auto OnExpr = [&](const Expr *X) {
    Found |= X->Kind == ExprKind::Call && X->Object && X->Object->Kind == ExprKind::Attribute &&
             X->Object->Id == "get_queryset";
  };
  walkBody(Body, OnStmt, OnExpr);
  return Found;
}

/// The `return` statements of \p Body, outside nested functions and classes.
static void collectReturns(llvm::ArrayRef<Stmt *> Body, std::vector<const Stmt *> &Out) {
  for (const Stmt *St : Body) {
    if (St->Kind == StmtKind::Function || St->Kind == StmtKind::Class)
      continue;
    if (St->Kind == StmtKind::Return)
      Out.push_back(St);
    collectReturns(St->Body, Out);
    collectReturns(St->OrElse, Out);
    collectReturns(St->Finally, Out);
    for (const auto &H : St->Handlers)
      collectReturns(H, Out);
  }
}

index::ClassRef Interp::querySetClassOf(const index::ManagerInfo &MI, const Model *Mo,
                                        bool OnManager) {
  if (const index::ClassRef &QC = S.G.querySetClass(MI))
    return QC; // as_manager() / from_queryset() copy its methods onto the manager too
  const index::ClassRef &MC = S.G.managerClass(MI);
  index::ClassRef Owner;
  const Stmt *GQ = MC ? S.P.findMethod(MC, "get_queryset", &Owner) : nullptr;
  if (!GQ)
    return {};
  if (OnManager) {
    const Stmt *GA = S.P.findMethod(MC, "__getattr__");
    if (!GA || !callsGetQuerySet(GA->Body))
      return {};
  }
  // `self.model.Name`: a class nested in the model (or one of its project bases).
  auto Nested = [&](llvm::StringRef Name) -> index::ClassRef {
    const index::ClassRef &MoC = Mo ? S.G.classOf(Mo) : index::ClassRef{};
    if (!MoC)
      return {};
    for (const index::ClassRef &K : S.P.mro(MoC))
      for (const Stmt *St : K.Def->Body)
        if (St->Kind == StmtKind::Class && St->Name == Name)
          return {St, K.Module, K.QualName + "." + Name.str()};
    return {};
  };
  auto ClassOf = [&](const Expr *Callee) -> index::ClassRef {
    if (Callee->Kind == ExprKind::Attribute && Callee->Object &&
        Callee->Object->Kind == ExprKind::Attribute && Callee->Object->Id == "model" &&
        Callee->Object->Object && Callee->Object->Object->isName("self"))
      return Nested(Callee->Id);
    return S.P.classFor(*Owner.Module, Callee);
  };
  std::vector<const Stmt *> Returns;
  collectReturns(GQ->Body, Returns);
  index::ClassRef Found;
  for (const Stmt *R : Returns) {
    // The class called at the root of the returned chain: `QS(self.model).filter(...)`.
    index::ClassRef C;
    for (const Expr *X = R->Value; X && X->Kind == ExprKind::Call && X->Object;) {
      if ((C = ClassOf(X->Object)))
        break;
      if (X->Object->Kind != ExprKind::Attribute)
        break;
      X = X->Object->Object;
    }
    bool IsQuerySet = C && (llvm::StringRef(C.Def->Name).ends_with("QuerySet") ||
                            S.P.derivesFrom(C, "django.db.models.query.QuerySet"));
    // Every return builds the same queryset class, or we cannot tell which one applies.
    if (!IsQuerySet || (Found && Found.Def != C.Def))
      return {};
    Found = C;
  }
  return Found;
}

ValueRef Interp::newOrigin(const Expr *ManagerExpr, const Model *Mo, const index::ManagerInfo *MI) {
  auto V = make(ValueKind::Manager, Mo);
  V->Manager = MI;
  auto O = std::make_shared<Origin>();
  O->File = File;
  O->Chain = ManagerExpr->Where;
  O->InsertAt = ManagerExpr->Where.End;
  O->Function = Fn;
  O->Quote = quote();
  O->Fixable = !M.Builtin;
  O->CreatedInLoop = innermostLoop();
  if (TrackLoads && Fn && !M.Builtin) {
    O->Use = std::make_shared<LoadUse>();
    TrackedOrigins.push_back(O);
  }
  V->Src = O;
  return V;
}

ValueRef Interp::managerQuerySet(const ValueRef &Mgr) {
  auto Q = make(ValueKind::QuerySet, Mgr->Model);
  Q->Manager = Mgr->Manager;
  Q->Src = Mgr->Src;
  Q->Load = Mgr->Load;
  Q->Load.merge(managerLoad(Mgr->Manager, Mgr->Model));
  return Q;
}

void Interp::prefetchObjects(const Expr *E) {
  // The lookups: strings, Prefetch objects, `*LOOKUPS` of a module-level list of strings.
  Loaded Adds;
  auto AddLookup = [&](const Expr *A) {
    if (A->Kind == ExprKind::String && A->Args.empty()) {
      Adds.addPrefetch(A->Id);
      return true;
    }
    ValueRef V = eval(A);
    if (V->is(ValueKind::Prefetch) && !V->PrefetchLookup.empty()) {
      Adds.addPrefetch(V->PrefetchLookup);
      Adds.merge(V->Load, V->PrefetchLookup);
      return true;
    }
    return false;
  };
  for (size_t I = 1; I < E->Args.size(); ++I) {
    const Expr *A = E->Args[I];
    bool Read = false;
    if (A->Kind == ExprKind::Starred && A->Object->Kind == ExprKind::Name) {
      const index::ModuleInfo *Owner = nullptr;
      std::string QN = S.P.resolveExpr(M, A->Object);
      const Expr *List = QN.empty() ? nullptr : S.P.globalNamed(QN, Owner);
      if (List && (List->Kind == ExprKind::List || List->Kind == ExprKind::Tuple))
        Read = llvm::all_of(List->Args, [&](const Expr *X) {
          return X->Kind == ExprKind::String && X->Args.empty() && (Adds.addPrefetch(X->Id), true);
        });
    } else {
      Read = AddLookup(A);
    }
    if (!Read) // lookups we cannot read: anything below these objects may be loaded
      Adds.LoadsUnknown = true;
  }
  // The objects: `[obj]`, `(a, b)` or a name holding rows; rebound with the loads.
  auto Rebind = [&](const Expr *NameE) {
    if (NameE->Kind != ExprKind::Name)
      return;
    auto It = Env.find(NameE->Id);
    if (It == Env.end())
      return;
    const ValueRef &V = It->second;
    if (!V->is(ValueKind::Instance) && !V->is(ValueKind::QuerySet))
      return;
    auto N = copy(V);
    if (N->Row) {
      auto Root = std::make_shared<Loaded>(N->Row->RootLoaded ? *N->Row->RootLoaded : Loaded{});
      Root->merge(Adds, N->Row->Path);
      N->Row->RootLoaded = Root;
    } else {
      N->Load.merge(Adds);
    }
    It->second = N;
  };
  const Expr *Objs = E->Args[0];
  if (Objs->Kind == ExprKind::List || Objs->Kind == ExprKind::Tuple)
    for (const Expr *X : Objs->Args)
      Rebind(X);
  else
    Rebind(Objs);
}

bool Interp::isHarmlessRowMethod(llvm::StringRef N) {
  // Django's own Model methods that read no related object from the row's caches.
  if (N.starts_with("get_") && N.ends_with("_display"))
    return true;
  return index::modelMethodFlags(N) & index::mm::ReadsNoRelation;
}

bool Interp::isLoadMethod(llvm::StringRef N) {
  index::QueryMethodKind K = index::queryMethodKind(N);
  return K == index::QueryMethodKind::Related || K == index::QueryMethodKind::Fields ||
         K == index::QueryMethodKind::FetchMode;
}

ValueRef Interp::objectPair(const ValueRef &Q) const {
  // `obj, created = event.schedules.get_or_create(...)`: obj is one Schedule, not a loop
  // row (a row's own set is left alone: its object is no row of the loop either).
  if (!Q->is(ValueKind::QuerySet) || !Q->Model || Q->Row || Q->ValuesMode)
    return Value::unknown();
  auto Pair = make(ValueKind::Tuple);
  Pair->Elements = {make(ValueKind::Instance, Q->Model), Value::unknown()};
  return Pair;
}

ValueRef Interp::relatedMethod(const ValueRef &RM, const Expr *E, llvm::ArrayRef<ValueRef> Args) {
  llvm::StringRef Name = E->Object->Id;
  index::QueryMethod M = index::queryMethodOf(Name);
  if (M.has(index::qm::Counts)) {
    evaluateRelated(relatedAll(RM, E->Where), EventKind::AggregatePerRow);
    return Value::unknown();
  }
  if (Name == "all")
    return relatedAll(RM, E->Where);
  if (M.has(index::qm::Empty))
    return Value::unknown(); // an empty queryset: evaluating it runs no query
  ValueRef All = relatedAll(RM, E->Where);
  // `row.items.select_related('x')` loads x for that set: its rows read x for free.
  if (isLoadMethod(Name))
    return queryMethod(bypassed(All, false), E, Args, false);
  if (isChainMethod(Name) || isValuesMethod(Name))
    return bypassed(All, isValuesMethod(Name));
  // One query per row: one object, an aggregate, in_bulk's rows.
  if (M.has(index::qm::Queries)) {
    singleOnRelated(All, Name);
    return make(ValueKind::Instance, RM->Model);
  }
  if (M.has(index::qm::ObjectPair))
    return objectPair(All);
  if (M.Kind != index::QueryMethodKind::Unknown)
    return Value::unknown();
  // A custom method: Django derives the related manager from the related model's default
  // manager class (its querysets are that manager's), so it has that manager's methods.
  auto Mgr = make(ValueKind::Manager, RM->Model);
  Mgr->Manager = All->Manager;
  return customMethod(Mgr, bypassed(All, false), E);
}

void Interp::singleOnRelated(const ValueRef &Q, llvm::StringRef Name) {
  bool FromCache = Name == "first" && !Q->Bypass && Q->Model && Q->Model->Ordered;
  evaluateRelated(FromCache ? Q : bypassed(Q, false), EventKind::FilteredPerRow);
}

ValueRef Interp::bypassed(const ValueRef &Q, bool Values) const {
  if (!Q->is(ValueKind::QuerySet))
    return Q;
  auto B = copy(Q);
  // In the fallback of code that checks the prefetch cache, the query runs only when the
  // set was not prefetched: prefetching it is what serves it.
  B->Bypass = B->Row.has_value() && !(B->Relation && PrefetchFallback.count(B->Relation->Name));
  B->ValuesMode |= Values;
  return B;
}

void mergeBelow(Loaded &Into, const Loaded &From, llvm::StringRef Rel) {
  auto Below = [&](const std::string &L, llvm::StringRef &Rest) {
    Rest = L;
    return Rest.consume_front(Rel) && Rest.consume_front("__");
  };
  llvm::StringRef Rest;
  for (const std::string &L : From.Select)
    if (Below(L, Rest))
      Into.addSelect(Rest);
  for (const std::string &L : From.Prefetch)
    if (Below(L, Rest))
      Into.addPrefetch(Rest);
  for (const auto &[Name, Target] : From.ToAttrs)
    if (Below(Name, Rest))
      Into.ToAttrs.emplace_back(Rest.str(), Target);
  Into.LoadsUnknown |= From.LoadsUnknown;
  if (From.Fetch != Loaded::FetchMode::One) // the mode is copied down to fetched objects
    Into.Fetch = From.Fetch;
}

ValueRef Interp::relatedAll(const ValueRef &RM, Range Chain) {
  const ValueRef &Owner = RM->Elements.front();
  auto Q = make(ValueKind::QuerySet, RM->Model);
  Q->Relation = RM->Relation;
  Q->AccessName = RM->AccessName;
  Q->AccessExpr = RM->AccessExpr;
  Q->Load = defaultLoad(RM->Model);
  Q->Manager = S.G.manager(RM->Model, "_default_manager");
  // A queryset of its own, fixable at `obj.related`: a single object's related set, or a
  // row's once a filter or a load call makes it a new query per row (iterate()).
  auto O = std::make_shared<Origin>();
  O->File = EvFile;
  O->Chain = Chain;
  O->InsertAt = RM->AccessExpr.End;
  O->Function = Fn;
  O->Quote = quote();
  O->Fixable = !M.Builtin && EvFile == File; // a template cannot take the fix
  Q->Src = O;
  if (Owner->Row) {
    RowInfo R = *Owner->Row;
    R.Path = R.Path.empty() ? RM->Relation->Name : R.Path + "__" + RM->Relation->Name;
    auto WithDefault = std::make_shared<Loaded>(R.RootLoaded ? *R.RootLoaded : Loaded{});
    WithDefault->merge(Q->Load, R.Path);
    R.RootLoaded = WithDefault;
    Q->Row = R;
    return Q;
  }
  // What the object's queryset (or prefetch_related_objects) prefetched below it is
  // loaded.
  O->OwnerFromCaller = Owner->FromCaller;
  mergeBelow(Q->Load, Owner->Load, RM->Relation->Name);
  return Q;
}

ValueRef Interp::customMethod(const ValueRef &Recv, const ValueRef &Base, const Expr *E) {
  llvm::StringRef Name = E->Object->Id;
  const index::ManagerInfo *MI = Recv->Manager;
  if (!MI)
    return Value::unknown();
  const Stmt *Def = nullptr;
  index::ClassRef Owner;
  ValueRef Self;
  bool ManagerOnly = false; // a method of the manager class, not of its querysets
  if (S.G.managerClass(*MI) && (Def = S.P.findMethod(MI->ManagerClass, Name, &Owner))) {
    auto V = make(ValueKind::Manager, Recv->Model);
    V->Manager = MI;
    Self = V;
    ManagerOnly = true;
  } else if (index::ClassRef QC = querySetClassOf(*MI, Recv->Model, Recv->is(ValueKind::Manager));
             QC && (Def = S.P.findMethod(QC, Name, &Owner))) {
    auto V = make(ValueKind::QuerySet, Recv->Model);
    V->Manager = MI;
    Self = V;
  }
  if (!Def)
    return Value::unknown();
  ValueRef R = summarize(Def, *Owner.Module, Self);
  // Rows of another model (`Organisation.objects.filter(employees__in=self)`): a queryset
  // created over there, as a project function returns it.
  if ((R->is(ValueKind::QuerySet) || R->is(ValueKind::Instance)) && R->Model && Recv->Model &&
      R->Model != Recv->Model)
    return R->is(ValueKind::QuerySet) ? R : make(ValueKind::Instance, R->Model);
  if (R->is(ValueKind::QuerySet)) {
    auto Out = copy(Base);
    Out->Load.merge(R->Load);
    Out->ValuesMode |= R->ValuesMode;
    // `Sub.objects.get_subscriptions(x)`: a queryset has no such method, so a load call
    // goes after it (`...get_subscriptions(x).select_related(...)`), never between
    // `objects` and it; with load calls already before it, no fix.
    if (ManagerOnly && Out->Src && Out->Src->File && Out->Src->Chain.Begin == E->Where.Begin) {
      if (Out->Src->Select || Out->Src->Prefetch || Out->Src->Only)
        Out->Src->Fixable = false;
      else
        Out->Src->InsertAt = E->Where.End;
    }
    extendChain(Out, E);
    return Out;
  }
  if (R->is(ValueKind::Instance))
    return make(ValueKind::Instance, Recv->Model);
  return Value::unknown();
}

void Interp::extendChain(const std::shared_ptr<Value> &Q, const Expr *Call) {
  if (Q->Src && Q->Src->Chain.Begin == Call->Where.Begin && Q->Src->File)
    Q->Src->Chain.End = std::max(Q->Src->Chain.End, Call->Where.End);
}

/// `filter(customer__isnull=True)` / `filter(customer=None)` (also `customer_id`): every
/// row's `customer` is NULL, so reading it returns None without a query. Only a path of
/// forward FK/O2O hops counts: a reverse or many relation "being null" means it has no
/// rows, and asking for them is still a query.
static void recordNullRelations(const index::ModelGraph &G, const Model *Mo, const Expr *Call,
                                Loaded &L) {
  for (const py::Keyword &K : Call->Keywords) {
    if (K.Name.empty() || !K.Value || K.Value->Kind != ExprKind::Constant)
      continue;
    llvm::StringRef Key = K.Name;
    if (Key.consume_back("__isnull") ? K.Value->Id != "True" : K.Value->Id != "None")
      continue;
    llvm::SmallVector<llvm::StringRef, 4> Hops;
    Key.split(Hops, "__");
    std::string Path;
    const Model *At = Mo;
    for (size_t I = 0; I < Hops.size(); ++I) {
      const Relation *R = At ? G.relation(At, Hops[I]) : nullptr;
      if (!R && At && I + 1 == Hops.size() && Hops[I].ends_with("_id"))
        R = G.relation(At, Hops[I].drop_back(3));
      if (!R || (R->Kind != index::RelationKind::ForeignKey &&
                 R->Kind != index::RelationKind::OneToOne)) {
        Path.clear();
        break;
      }
      Path += (Path.empty() ? "" : "__") + R->Name;
      At = R->Target;
    }
    if (!Path.empty() && !llvm::is_contained(L.Null, Path))
      L.Null.push_back(Path);
  }
}

ValueRef Interp::chainMethod(const ValueRef &Recv, const Expr *E, const index::QueryMethod &M) {
  llvm::StringRef Name = M.Name;
  auto Q = copy(Recv);
  extendChain(Q, E);
  if (Recv->Row && Name != "all")
    Q->Bypass = true;
  Q->Empty |= M.has(index::qm::Empty);
  if (Name == "filter" || Name == "exclude")
    if (LoadUse *U = useOf(Recv))
      for (const py::Keyword &K : E->Keywords)
        if (!K.Name.empty())
          U->FilterKeys.push_back(K.Name);
  if (Name == "filter" && !Recv->Row) {
    recordNullRelations(S.G, Recv->Model, E, Q->Load);
    // filter(pk=...), filter(slug=...) on a unique column: a loop over it runs once,
    // like one object.
    for (const py::Keyword &K : E->Keywords) {
      llvm::StringRef Key = K.Name;
      Key.consume_back("__exact");
      if (Recv->Model && S.G.isUniqueKey(Recv->Model, Key))
        Q->OneRow = true;
    }
  }
  return Q;
}

ValueRef Interp::loadRelated(const ValueRef &Recv, const Expr *E, llvm::ArrayRef<ValueRef> Args,
                             bool OnManager, bool SameChain) {
  llvm::StringRef Name = E->Object->Id;
  auto Q = copy(Recv);
  bool Select = Name == "select_related";
  recordLoads(Recv, E, Select, OnManager);
  if (LoadUse *U = useOf(Recv)) {
    // Bare select_related(), `None` and unreadable arguments: not a list of lookups.
    if (E->Args.empty() || !E->Keywords.empty())
      U->Lost = true;
    for (size_t I = 0; I < E->Args.size(); ++I) {
      const ValueRef &PV = Args[I];
      if (PV->is(ValueKind::Prefetch))
        PV->PrefetchLookup.empty() ? void(U->Lost = true)
                                   : U->ObjectLookups.push_back(PV->PrefetchLookup);
      else if (E->Args[I]->Kind != ExprKind::String || !E->Args[I]->Args.empty())
        U->Lost = true;
    }
  }
  if (Select && E->Args.empty() && E->Keywords.empty()) {
    // select_related() with no fields replaces any named ones (query.select_related =
    // True), and named ones after it start from nothing.
    Q->Load.SelectAll = true;
    Q->Load.Select.clear();
  } else if (Select && Q->Load.SelectAll) {
    Q->Load.SelectAll = false;
  }
  for (size_t I = 0; I < E->Args.size(); ++I) {
    const Expr *A = E->Args[I];
    if (A->Kind == ExprKind::String && A->Args.empty()) {
      Select ? Q->Load.addSelect(A->Id) : Q->Load.addPrefetch(A->Id);
      continue;
    }
    const ValueRef &PV = Args[I];
    if (!Select && PV->is(ValueKind::Prefetch) && !PV->PrefetchLookup.empty()) {
      if (!PV->ToAttr.empty()) {
        // Only reachable under its own name, with the inner queryset's loads.
        llvm::StringRef Lookup = PV->PrefetchLookup;
        std::string Prefix = Lookup.contains("__")
                                 ? Lookup.rsplit("__").first.str() + "__" + PV->ToAttr
                                 : PV->ToAttr;
        Q->Load.ToAttrs.push_back({Prefix, PV->Model ? PV->Model : nullptr});
        Q->Load.addPrefetch(Prefix);
        Q->Load.merge(PV->Load, Prefix);
        if (Lookup.contains("__"))
          Q->Load.addPrefetch(Lookup.rsplit("__").first);
      } else {
        Q->Load.addPrefetch(PV->PrefetchLookup);
        Q->Load.merge(PV->Load, PV->PrefetchLookup);
      }
      continue;
    }
    // An argument we cannot read: assume it loads everything (stay silent).
    if (A->Kind != ExprKind::Constant)
      Q->Load.LoadsUnknown = true;
  }
  if (SameChain && Q->Src) {
    LoadCall LC{E->Where.End - 1, !E->Args.empty()};
    if (File->text()[LC.CloseParen] == ')') {
      if (Select)
        Recv->Src->Select = LC;
      else
        Recv->Src->Prefetch = LC;
    }
  }
  extendChain(Q, E);
  return Q;
}

ValueRef Interp::loadFields(const ValueRef &Recv, const Expr *E, bool SameChain) {
  llvm::StringRef Name = E->Object->Id;
  auto Q = copy(Recv);
  std::vector<std::string> Fields;
  for (const Expr *A : E->Args) {
    if (A->Kind != ExprKind::String)
      continue;
    llvm::StringRef F = A->Id;
    // `only('customer__name')` loads `customer` (its column) too: the lookup goes through it.
    if (F.contains("__") && Name == "only")
      F = F.split("__").first;
    if (!F.contains("__") && !llvm::is_contained(Fields, F))
      Fields.push_back(F.str());
  }
  bool Opaque = llvm::any_of(E->Args, [](const Expr *A) {
    return A->Kind != ExprKind::String || llvm::StringRef(A->Id).contains("__");
  });
  // only(*Model.get_field_names()), only(*FIELDS): which fields stay loaded is unknown,
  // so none counts as deferred (no NP105 from it).
  bool Computed = llvm::any_of(E->Args, [](const Expr *A) { return A->Kind != ExprKind::String; });
  if (Name == "only" && Computed) {
    Q->Load.HasOnly = false;
    Q->Load.Only.clear();
    Q->Load.Deferred.clear();
  } else if (Name == "only") { // only() replaces an earlier only()
    Q->Load.HasOnly = true;
    Q->Load.Only = Fields;
    // After defer(), only() keeps those fields deferred (Django 3.2+): naming them in
    // only() does not load them, so no fix goes into this only().
    bool AfterDefer = !Q->Load.Deferred.empty();
    llvm::erase_if(Q->Load.Only,
                   [&](const std::string &F) { return llvm::is_contained(Q->Load.Deferred, F); });
    Q->Load.Deferred.clear();
    if (SameChain && !AfterDefer && File->text()[E->Where.End - 1] == ')')
      Recv->Src->Only = LoadCall{E->Where.End - 1, !E->Args.empty()};
  } else if (E->Args.size() == 1 && E->Args[0]->Kind == ExprKind::Constant) {
    // defer(None) clears all deferred loading, only() included.
    Q->Load.Deferred.clear();
    Q->Load.Only.clear();
    Q->Load.HasOnly = false;
  } else {
    for (const std::string &F : Fields) {
      Q->Load.Deferred.push_back(F);
      llvm::erase_if(Q->Load.Only, [&](const std::string &O) { return O == F; });
    }
  }
  if (Q->Src) {
    Q->Src->Fields.HasOnly = Q->Load.HasOnly;
    Q->Src->Fields.Only = Q->Load.Only;
    Q->Src->Fields.Deferred = Q->Load.Deferred;
    Q->Src->FieldsOpaque |= Opaque && !(Name == "defer" && E->Args.size() == 1 &&
                                        E->Args[0]->Kind == ExprKind::Constant);
  }
  extendChain(Q, E);
  return Q;
}

ValueRef Interp::iteratorMethod(const ValueRef &Recv, const Expr *E) {
  auto Q = copy(Recv);
  // Before Django 4.1 iterator() skips prefetching; from 4.1 it honours it only with a
  // chunk_size (and 5.0 refuses the call without one).
  bool Chunked = (E->keyword("chunk_size") || !E->Args.empty()) && S.DjangoVersion >= 401;
  if (Q->Src) {
    // Where a fix can write the chunk size: only in the origin's own file.
    bool Here = Q->Src->File == File && E->Where.End > 0 && File->text()[E->Where.End - 1] == ')';
    Q->Src->Iterator =
        LoadCall{Here ? E->Where.End - 1 : 0, !E->Args.empty() || !E->Keywords.empty()};
    Q->Src->IteratorChunked = E->keyword("chunk_size") || !E->Args.empty();
    Q->Src->IteratorElsewhere = !Here;
  }
  if (!Chunked && !Q->Load.Prefetch.empty()) {
    Q->Load.Prefetch.clear();
    if (Q->Src)
      Q->Src->IteratorNoChunk = true;
  }
  extendChain(Q, E);
  return Q;
}

ValueRef Interp::queryMethod(const ValueRef &Recv, const Expr *E, llvm::ArrayRef<ValueRef> Args,
                             bool OnManager) {
  llvm::StringRef Name = E->Object->Id;
  bool SameChain = Recv->Src && Recv->Src->Chain.Begin == E->Where.Begin &&
                   Recv->Src->Function == Fn && Recv->Src->File == File;
  index::QueryMethod M = index::queryMethodOf(Name);
  if (Recv->Row && M.has(index::qm::Empty))
    return Value::unknown();                                // never queries
  if (!OnManager && (Name == "page" || Name == "get_page")) // a Paginator's page
    return Recv;
  if (Name == "get_queryset" || M.Kind == index::QueryMethodKind::Chain)
    return chainMethod(Recv, E, M);
  if (M.Kind == index::QueryMethodKind::Related)
    return loadRelated(Recv, E, Args, OnManager, SameChain);
  if (M.has(index::qm::LosesLookups))
    if (LoadUse *U = useOf(Recv))
      U->Lost = true; // what the rows load is no longer what the lookups say
  if (M.Kind == index::QueryMethodKind::Fields)
    return loadFields(Recv, E, SameChain);
  if (M.Kind == index::QueryMethodKind::FetchMode) {
    auto Q = copy(Recv);
    if (S.FetchModes) // Django 6.1+ (FetchModes.cpp)
      Q->Load.Fetch = fetchModeOf(E);
    if (Q->Src)
      Q->Src->FetchModeCall = true;
    extendChain(Q, E);
    return Q;
  }
  if (M.Kind == index::QueryMethodKind::Iterator)
    return iteratorMethod(Recv, E);
  if (M.Kind == index::QueryMethodKind::Values) {
    auto Q = copy(Recv);
    Q->ValuesMode = true;
    return Q;
  }
  if (M.Kind == index::QueryMethodKind::SetOp) {
    auto Q = copy(Recv);
    if (Q->Src)
      Q->Src->Fixable = false;
    return Q;
  }
  if (M.Kind == index::QueryMethodKind::Single) {
    queryInLoop(Recv, E->Object->IdWhere, E->Where);
    if (Recv->Row)
      singleOnRelated(Recv, Name);
    if (Recv->ValuesMode)
      return Value::unknown();
    auto One = make(ValueKind::Instance, Recv->Model);
    if (!Recv->Row) // what the queryset loads is loaded below its one object
      One->Load = Recv->Load;
    return One;
  }
  if (M.has(index::qm::Counts) && Recv->Row)
    evaluateRelated(Recv, EventKind::AggregatePerRow);
  if (M.has(index::qm::Queries))
    queryInLoop(Recv, E->Object->IdWhere, E->Where);
  if (M.has(index::qm::ObjectPair))
    return objectPair(Recv);
  if (M.Kind == index::QueryMethodKind::Scalar)
    return Value::unknown();
  return customMethod(Recv, Recv, E);
}

} // namespace detail
} // namespace nplus1::flow
