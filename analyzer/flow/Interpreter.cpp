// The Python side of the interpreter: statements (assignments, loops, branches, the cache
// and row tests that guard them), and Analyzer::analyzeModule(), which runs it over a module.
// Expressions, querysets, calls and row accesses live in the files beside this one.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow {
namespace detail {

ValueRef Interp::run(llvm::ArrayRef<Stmt *> Body) {
  visitBody(Body);
  // `.none()` is only ever a guard: when it is all we could follow, the rows the function
  // really returns are unknown to us.
  if (!Returned || (Returned->is(ValueKind::QuerySet) && Returned->Empty))
    return Value::unknown();
  return Returned;
}

bool Interp::missingOnLoadedRow(const Model *Mo, llvm::StringRef Name) const {
  if (!Mo || Mo->Builtin || !Name.starts_with("_") || Name.starts_with("__") ||
      Name.ends_with("_cache") || S.G.isColumn(Mo, Name) || S.G.relation(Mo, Name))
    return false;
  const index::ClassRef &C = S.G.classOf(Mo);
  if (!C)
    return false;
  // The model's project classes, bases first found breadth-first (a few levels).
  std::vector<index::ClassRef> Classes{C};
  for (size_t I = 0; I < Classes.size() && Classes.size() < limits::ModelClassChain; ++I)
    for (const index::ClassRef &B : S.P.bases(Classes[I]))
      Classes.push_back(B);
  bool SetsIt = false;
  std::function<void(llvm::ArrayRef<Stmt *>)> Scan = [&](llvm::ArrayRef<Stmt *> Body) {
    for (const Stmt *St : Body) {
      if (St->Kind == StmtKind::Assign || St->Kind == StmtKind::AugAssign)
        for (const Expr *T : St->Targets)
          SetsIt |= T->Kind == ExprKind::Attribute && T->Id == Name;
      if (St->Kind == StmtKind::Expr && St->Value && St->Value->Kind == ExprKind::Call &&
          St->Value->Object && St->Value->Object->isName("setattr"))
        SetsIt = true; // setattr(self, name, ...): any name
      Scan(St->Body);
      Scan(St->OrElse);
      Scan(St->Finally);
      for (const auto &H : St->Handlers)
        Scan(H);
    }
  };
  for (const index::ClassRef &K : Classes)
    for (const Stmt *St : K.Def->Body) {
      if (St->Kind == StmtKind::Function && St->Name == Name)
        return false;
      if (St->Kind == StmtKind::Assign)
        for (const Expr *T : St->Targets)
          if (T->isName(Name))
            return false; // a class attribute: every instance has it
      if (St->Kind == StmtKind::Function &&
          (St->Name == "__init__" || St->Name == "from_db" || St->Name == "refresh_from_db" ||
           St->Name == "__setstate__"))
        Scan(St->Body);
    }
  return !SetsIt;
}

Interp::RowTest Interp::rowTest(const Expr *Cond) const {
  auto Flip = [](RowTest T) {
    return T == RowTest::Unsaved ? RowTest::Saved
           : T == RowTest::Saved ? RowTest::Unsaved
                                 : RowTest::Unknown;
  };
  // `row.pk` / `row.id` / `row._state.adding` on a name bound to a loaded row.
  auto OfRow = [&](const Expr *X, llvm::StringRef &Attr) {
    if (!X || X->Kind != ExprKind::Attribute)
      return false;
    const Expr *Obj = X->Object;
    Attr = X->Id;
    if (Attr == "adding") {
      if (Obj->Kind != ExprKind::Attribute || Obj->Id != "_state")
        return false;
      Obj = Obj->Object;
    } else if (Attr != "pk" && Attr != "id") {
      return false;
    }
    if (Obj->Kind != ExprKind::Name)
      return false;
    auto It = Env.find(Obj->Id);
    return It != Env.end() && It->second->is(ValueKind::Instance) && It->second->Row;
  };
  if (!Cond)
    return RowTest::Unknown;
  // A guard on an argument the call does not pass (left at a None/False default).
  if (falsyExpr(Cond))
    return RowTest::Unsaved;
  // `hasattr(self, '_pending_cluster')`: set on instances built in code, not on a row.
  if (Cond->Kind == ExprKind::Call && Cond->Object && Cond->Object->isName("hasattr") &&
      Cond->Args.size() == 2 && Cond->Args[0]->Kind == ExprKind::Name &&
      Cond->Args[1]->Kind == ExprKind::String) {
    auto It = Env.find(Cond->Args[0]->Id);
    if (It != Env.end() && It->second->is(ValueKind::Instance) && It->second->Row &&
        missingOnLoadedRow(It->second->Model, Cond->Args[1]->Id))
      return RowTest::Unsaved;
  }
  if (Cond->Kind == ExprKind::Other && Cond->Args.size() == 2 &&
      (Cond->Op == "is" || Cond->Op == "is not") && falsyExpr(Cond->Args[0]) == 2 &&
      Cond->Args[1]->Kind == ExprKind::Constant && Cond->Args[1]->Id == "None")
    return Cond->Op == "is" ? RowTest::Saved : RowTest::Unsaved;
  llvm::StringRef Attr;
  if (Cond->Kind == ExprKind::Name) {
    auto It = RowFlags.find(Cond->Id);
    return It == RowFlags.end() ? RowTest::Unknown : It->second;
  }
  if (OfRow(Cond, Attr))
    return Attr == "adding" ? RowTest::Unsaved : RowTest::Saved;
  if (Cond->Kind != ExprKind::Other || Cond->Args.empty())
    return RowTest::Unknown;
  if (Cond->Op == "not" && Cond->Args.size() == 1)
    return Flip(rowTest(Cond->Args[0]));
  if (Cond->Op == "and" || Cond->Op == "or") {
    RowTest A = rowTest(Cond->Args[0]), B = rowTest(Cond->Args[1]);
    RowTest Absorbs = Cond->Op == "and" ? RowTest::Unsaved : RowTest::Saved;
    if (A == Absorbs || B == Absorbs)
      return Absorbs;
    return A == B ? A : RowTest::Unknown;
  }
  // `row.pk is None`, `row.pk == None` and their negations.
  bool Eq = Cond->Op == "is" || Cond->Op == "==";
  bool Ne = Cond->Op == "is not" || Cond->Op == "!=";
  if (Cond->Args.size() == 2 && (Eq || Ne) && Attr.empty() && OfRow(Cond->Args[0], Attr) &&
      Attr != "adding" && Cond->Args[1]->Kind == ExprKind::Constant && Cond->Args[1]->Id == "None")
    return Eq ? RowTest::Unsaved : RowTest::Saved;
  return RowTest::Unknown;
}

Interp::CacheTest Interp::cacheTest(const Expr *Cond) const {
  if (!Cond || CacheNames.empty())
    return CacheTest::None;
  auto Flip = [](CacheTest T) {
    return T == CacheTest::Hit ? CacheTest::Miss : T == CacheTest::Miss ? CacheTest::Hit : T;
  };
  if (Cond->Kind == ExprKind::Name)
    return CacheNames.count(Cond->Id) ? CacheTest::Hit : CacheTest::None;
  if (Cond->Kind != ExprKind::Other)
    return CacheTest::None;
  if (Cond->Op == "not" && Cond->Args.size() == 1)
    return Flip(cacheTest(Cond->Args[0]));
  if (Cond->Args.size() == 2 && Cond->Args[0]->Kind == ExprKind::Name &&
      CacheNames.count(Cond->Args[0]->Id) && Cond->Args[1]->Kind == ExprKind::Constant &&
      Cond->Args[1]->Id == "None") {
    if (Cond->Op == "is" || Cond->Op == "==")
      return CacheTest::Miss;
    if (Cond->Op == "is not" || Cond->Op == "!=")
      return CacheTest::Hit;
  }
  return CacheTest::None;
}

void Interp::visitColdOnly(llvm::ArrayRef<Stmt *> Body) {
  llvm::DenseSet<unsigned> Saved = ColdLoops;
  ColdLoops.insert(ActiveLoops.begin(), ActiveLoops.end());
  if (SelfLoop)
    ColdLoops.insert(SelfLoop);
  for (const Stmt *St : Body)
    visit(St);
  ColdLoops = std::move(Saved);
}

/// True when \p Call looks a value up in a cache: `cache.get(k)`, `caches['x'].get(k)`,
/// `self._cache.get(k)`, `context_cache.get_cached_value(...)`.
static bool isCacheLookup(const Expr *Call, llvm::StringRef ObjectText) {
  if (!Call || Call->Kind != ExprKind::Call || !Call->Object ||
      Call->Object->Kind != ExprKind::Attribute)
    return false;
  llvm::StringRef Method = Call->Object->Id;
  if (Method.contains("cached"))
    return true;
  return Method == "get" && ObjectText.lower().find("cache") != std::string::npos;
}

void Interp::visitBody(llvm::ArrayRef<Stmt *> Body) {
  // A block that ends by leaving its loop runs once per run of that loop, not per row:
  // `return`/`raise` leave every loop of this function, `break` the innermost one.
  // Only loops still running are paused (and resumed): an enclosing block may have paused
  // them already.
  llvm::SmallVector<unsigned, 4> Paused;
  auto Pause = [&](unsigned L) {
    if (ActiveLoops.erase(L))
      Paused.push_back(L);
  };
  if (!Body.empty() && !OwnLoops.empty()) {
    const Stmt *Last = Body.back();
    if (Last->Kind == StmtKind::Return || (Last->Kind == StmtKind::Other && Last->Name == "raise"))
      llvm::for_each(OwnLoops, Pause);
    else if (Last->Kind == StmtKind::Other && Last->Name == "break")
      Pause(OwnLoops.back());
  }
  for (size_t I = 0; I < Body.size(); ++I) {
    const Stmt *St = Body[I];
    if (bool RestVisited = false;
        St->Kind == StmtKind::If && visitPrefetchBranch(St, Body.drop_front(I + 1), RestVisited)) {
      if (RestVisited)
        break;
      continue;
    }
    visit(St);
    // Nothing after `return`, `raise`, `break` or `continue` in the same block runs.
    if (St->Kind == StmtKind::Return ||
        (St->Kind == StmtKind::Other &&
         (St->Name == "raise" || St->Name == "break" || St->Name == "continue")))
      break;
    // `if cached is not None: return cached`: what follows runs on a cache miss only.
    if (St->Kind == StmtKind::If && !St->Body.empty() &&
        St->Body.back()->Kind == StmtKind::Return && cacheTest(St->Value) == CacheTest::Hit) {
      visitColdOnly(Body.drop_front(I + 1));
      break;
    }
  }
  for (unsigned L : Paused)
    ActiveLoops.insert(L);
}

void Interp::visitAssign(const Stmt *St) {
  ValueRef V = St->Value ? eval(St->Value) : Value::unknown();
  // Bound to local names (or stored in a local context dict): its uses are those names'.
  bool Local = !St->Targets.empty() && llvm::all_of(St->Targets, [&](const Expr *T) {
    if (T->Kind == ExprKind::Name)
      return true;
    if (T->Kind != ExprKind::Subscript || T->Object->Kind != ExprKind::Name ||
        T->Index->Kind != ExprKind::String)
      return false;
    auto It = Env.find(T->Object->Id);
    return It != Env.end() && It->second->is(ValueKind::Dict);
  });
  if (Local && St->Value)
    consume(St->Value, V);
  for (const Expr *T : St->Targets) {
    // `else: qs = Model.objects.none()` after qs was built: branches run one after the
    // other here, and the empty guard must not hide the rows the other path loops over.
    if (T->Kind == ExprKind::Name && V->is(ValueKind::QuerySet) && V->Empty)
      if (auto It = Env.find(T->Id); It != Env.end() && It->second->is(ValueKind::QuerySet) &&
                                     !It->second->Empty && It->second->Model == V->Model)
        continue;
    bindTarget(T, V);
    if (T->Kind == ExprKind::Name) // template names kept in locals
      StringNames[T->Id] =
          St->Value && St->Value->Kind == ExprKind::String && St->Value->Args.empty() ? St->Value
                                                                                      : nullptr;
  }
  if (St->Targets.size() == 1 && St->Targets[0]->Kind == ExprKind::Name) {
    RowTest Flag = rowTest(St->Value);
    if (Flag != RowTest::Unknown)
      RowFlags[St->Targets[0]->Id] = Flag;
    // `photo = kwargs.pop('photo', None)` with no such keyword passed
    if (int F = falsyExpr(St->Value))
      Falsy[St->Targets[0]->Id] = F == 2;
  }
  for (const Expr *T : St->Targets) {
    llvm::SmallVector<const Expr *, 2> Names{T};
    if (T->Kind == ExprKind::Tuple || T->Kind == ExprKind::List)
      Names.assign(T->Args.begin(), T->Args.end());
    bool Lookup =
        St->Value && St->Value->Object &&
        isCacheLookup(St->Value, text(St->Value->Object->Object ? St->Value->Object->Object->Where
                                                                : St->Value->Object->Where));
    for (const Expr *N : Names)
      if (N->Kind == ExprKind::Name) {
        if (Lookup)
          CacheNames.insert(N->Id);
        else
          CacheNames.erase(N->Id);
      }
  }
}

void Interp::visitFor(const Stmt *St) {
  ValueRef It = eval(St->Value);
  std::optional<unsigned> NewLoop;
  Range Header{St->Where.Begin, St->Value->Where.End};
  ValueRef Row = iterate(It, Header, text(St->Value->Where), NewLoop);
  if (Row)
    consume(St->Value, It);
  bindTarget(St->Target, Row ? Row : Value::unknown());
  if (NewLoop)
    ActiveLoops.insert(*NewLoop), OwnLoops.push_back(*NewLoop);
  // A loop that sleeps between rows is paced on purpose (a batch job sparing the database
  // or an API): its per-row reads and queries are not what makes it slow. Loops inside
  // it that do not sleep still count.
  if (NewLoop && pacedLoop(St))
    ColdLoops.insert(*NewLoop);
  visitBody(St->Body);
  if (NewLoop)
    ActiveLoops.erase(*NewLoop), OwnLoops.pop_back();
  visitBody(St->OrElse);
}

/// True when \p Test only asks whether a value is there: `x`, `self.parent`,
/// `x is not None`, `self.parent_id` (an attribute chain, bare or against None),
/// `hasattr(self, 'user')`, or several of them joined by `and`.
static bool presenceTest(const Expr *Test) {
  if (!Test)
    return false;
  if (Test->Kind == ExprKind::Other && Test->Op == "and")
    return !Test->Args.empty() && llvm::all_of(Test->Args, presenceTest);
  if (Test->Kind == ExprKind::Call && Test->Object->isName("hasattr"))
    return true;
  if (Test->Kind == ExprKind::Other && Test->Op == "is not" && Test->Args.size() == 2 &&
      Test->Args[1]->Kind == ExprKind::Constant && Test->Args[1]->Id == "None")
    Test = Test->Args[0];
  while (Test->Kind == ExprKind::Attribute)
    Test = Test->Object;
  return Test->Kind == ExprKind::Name;
}

void Interp::visitBranch(const Stmt *St) {
  ValueRef C = eval(St->Value);
  consume(St->Value, C); // a truth test reads no relation
  if (C->is(ValueKind::QuerySet) && C->Row)
    evaluateRelated(C); // `if obj.related.all():` runs the query
  ConditionalScope Cond(*this, St->Kind == StmtKind::If && presenceTest(St->Value));
  // A branch only an unsaved instance takes (`if not self.pk:` in save()) never runs
  // for a row loaded from the database.
  RowTest T = St->Kind == StmtKind::If ? rowTest(St->Value) : RowTest::Unknown;
  // `if cached is None: <compute and store it>`: only on a cache miss.
  if (St->Kind == StmtKind::If && T != RowTest::Unsaved &&
      cacheTest(St->Value) == CacheTest::Miss) {
    visitColdOnly(St->Body);
    if (T != RowTest::Saved)
      visitBody(St->OrElse);
    return;
  }
  if (T != RowTest::Unsaved)
    visitBody(St->Body);
  if (T != RowTest::Saved)
    visitBody(St->OrElse);
}

void Interp::visit(const Stmt *St) {
  switch (St->Kind) {
  case StmtKind::Expr:
    eval(St->Value);
    return;
  case StmtKind::Assign:
    visitAssign(St);
    return;
  case StmtKind::AugAssign:
    eval(St->Value);
    if (!St->Targets.empty() && St->Targets[0]->Kind == ExprKind::Name)
      Env[St->Targets[0]->Id] = Value::unknown();
    else if (!St->Targets.empty()) // `totals[row.fk.code] += 1` reads its target first
      eval(St->Targets[0]);
    return;
  case StmtKind::For:
    visitFor(St);
    return;
  case StmtKind::While:
  case StmtKind::If:
    visitBranch(St);
    return;
  case StmtKind::With:
    for (size_t I = 0; I < St->Items.size(); ++I) {
      ValueRef V = eval(St->Items[I]);
      if (I < St->Targets.size() && St->Targets[I])
        bindTarget(St->Targets[I], Value::unknown());
    }
    visitBody(St->Body);
    return;
  case StmtKind::Try:
    if (visitPrefetchTry(St))
      return;
    visitBody(St->Body);
    {
      ConditionalScope Cond(*this, /*PresenceTest=*/false);
      for (auto &H : St->Handlers)
        visitBody(H);
    }
    visitBody(St->OrElse);
    visitBody(St->Finally);
    return;
  case StmtKind::Return: {
    ValueRef V = eval(St->Value);
    if (ReturnEscapes)
      escape(V);
    // Every return counts: a queryset beats anything else, and one with rows beats an
    // early `return X.objects.none()` guard.
    if (!Returned || (!Returned->is(ValueKind::QuerySet) && V->is(ValueKind::QuerySet)) ||
        (Returned->is(ValueKind::QuerySet) && Returned->Empty && V->is(ValueKind::QuerySet) &&
         !V->Empty))
      Returned = V;
    return;
  }
  case StmtKind::Import:
  case StmtKind::ImportFrom:
    // `from .models import Order` inside a function binds the model here.
    for (const auto &[Local, Qual] : S.P.importBindings(M, *St)) {
      const Model *Mo = S.G.modelByQualName(Qual);
      if (!Mo)
        if (index::ClassRef C = S.P.classNamed(Qual))
          Mo = S.G.modelFor(C);
      if (Mo) {
        Env[Local] = make(ValueKind::ModelClass, Mo);
        continue;
      }
      ValueRef V = make(ValueKind::Unknown); // its own value: rebinding the name replaces it
      Env[Local] = V;
      LocalImports[Local] = {Qual, V};
    }
    return;
  case StmtKind::Function:
  case StmtKind::Class:
    Closures.push_back(St->Where); // they may use our locals later
    return;                        // analyzed on their own
  case StmtKind::Other:
    for (const Expr *X : St->Items)
      escape(eval(X));
    visitBody(St->Body);
    return;
  }
}

void collectFunctions(llvm::ArrayRef<Stmt *> Body, std::vector<const Stmt *> &Out) {
  for (const Stmt *St : Body) {
    if (St->Kind == StmtKind::Function)
      Out.push_back(St);
    collectFunctions(St->Body, Out);
    collectFunctions(St->OrElse, Out);
    collectFunctions(St->Finally, Out);
    for (auto &H : St->Handlers)
      collectFunctions(H, Out);
  }
}

} // namespace detail

std::vector<Event> Analyzer::analyzeModule(const index::ModuleInfo &M) const {
  using namespace detail;
  ModuleState S{P, G, T, DjangoVersion, {}, {}, {}, {}, {}, 1, {}};
  S.Callables = T ? &Callables : nullptr;
  S.FetchModes = !VersionKnown || DjangoVersion >= 601;
  std::vector<index::ClassRef> Classes;
  collectClasses(M, Classes);
  for (const index::ClassRef &C : Classes) {
    analyzeView(S, C);
    analyzeFeed(S, C);
    analyzeGraphQL(S, C);
    analyzeTableView(S, C);
    analyzeForm(S, C);
  }
  analyzeAdmins(S, M);
  {
    Interp Top(S, M, nullptr, /*Report=*/true);
    Top.run(M.Ast->Body);
  }
  std::vector<const Stmt *> Functions;
  collectFunctions(M.Ast->Body, Functions);
  llvm::DenseMap<const Stmt *, const index::ClassRef *> Methods;
  for (const index::ClassRef &C : Classes)
    for (const Stmt *St : C.Def->Body)
      if (St->Kind == StmtKind::Function)
        Methods[St] = &C;
  for (const Stmt *Fn : Functions) {
    Interp I(S, M, Fn, /*Report=*/true);
    I.TrackLoads = true;
    auto It = Methods.find(Fn);
    // A serializer's methods (`get_updates(self, obj: Period)`) run on each object it
    // serializes, with what the view's queryset loaded, and the serializer walk replays
    // them so: on their own, an annotated `obj` would be one object whose related sets
    // look unloaded, and a fix there (`obj.data.prefetch_related(...)`) would bypass the
    // view's prefetch.
    if (It == Methods.end() || !I.isSerializer(*It->second))
      I.bindParameters(Fn);
    if (It != Methods.end())
      I.bindMethodParameters(*It->second, Fn);
    I.run(Fn->Body);
    I.reportUnusedLoads();
  }
  return std::move(S.Events);
}

} // namespace nplus1::flow
