#include "flow/Interpreter.h"

#include "index/Templates.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

namespace nplus1::flow {
namespace {

namespace py = parse::py;
using index::Model;
using index::Relation;
using py::Expr;
using py::ExprKind;
using py::Stmt;
using py::StmtKind;

/// Queryset methods that return another queryset over the same rows.
bool isChainMethod(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("all", "filter", "exclude", "order_by", "reverse", "distinct", "annotate", true)
      .Cases("alias", "defer", "only", "using", "select_for_update", "extra", true)
      .Cases("complex_filter", "none", "filter_by", true)
      .Default(false);
}
bool isSingleMethod(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("get", "first", "last", "earliest", "latest", true)
      .Default(false);
}
bool isValuesMethod(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("values", "values_list", "dates", "datetimes", true)
      .Default(false);
}
bool isScalarMethod(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("count", "exists", "aggregate", "update", "delete", "explain", true)
      .Cases("contains", "in_bulk", "create", "get_or_create", "update_or_create", true)
      .Cases("bulk_create", "bulk_update", "iterator_chunks", "as_manager", true)
      .Default(false);
}
/// Builtins that consume an iterable right away.
bool isIterConsumer(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("list", "tuple", "set", "sorted", "frozenset", "reversed", "len", true)
      .Cases("sum", "any", "all", "max", "min", "dict", "next", "iter", true)
      .Case("bool", true)
      .Default(false);
}

/// Per-module state shared by the function interpreters: summaries and events.
struct ModuleState {
  const index::Project &P;
  const index::ModelGraph &G;
  const index::TemplateIndex *Templates = nullptr;
  unsigned DjangoVersion = 502;
  std::vector<Event> Events;
  /// (file, offset, kind, queryset): one access reached from two querysets is two findings.
  std::set<std::tuple<const SourceFile *, uint32_t, int, const Origin *>> EventKeys;
  std::map<const Stmt *, ValueRef> Summaries;
  std::set<const Stmt *> InProgress;
  std::map<const index::ManagerInfo *, Loaded> ManagerLoads;
  unsigned NextLoop = 1;
  std::map<const SourceFile *, char> Quotes;
  std::map<unsigned, std::shared_ptr<const LoopInfo>> Loops;
};

/// Interprets one function body over abstract values.
class Interp {
public:
  Interp(ModuleState &S, const index::ModuleInfo &M, const Stmt *Fn, bool Report)
      : S(S), M(M), File(&M.Ast->file()), EvFile(File), Fn(Fn), Report(Report) {}

  void bind(llvm::StringRef Name, ValueRef V) { Env[Name] = std::move(V); }

  /// Runs \p Body; returns the first queryset/instance value returned.
  ValueRef run(llvm::ArrayRef<Stmt *> Body) {
    visitBody(Body);
    return Returned ? Returned : Value::unknown();
  }

private:
  ModuleState &S;
  const index::ModuleInfo &M;
  const SourceFile *File;
  const SourceFile *EvFile; ///< where accesses happen: File, or the template being walked
  const Stmt *Fn;
  bool Report;
  llvm::StringMap<ValueRef> Env;
  llvm::DenseSet<unsigned> ActiveLoops;
  ValueRef Returned;

public:
  /// Class-based views: what `super().get_queryset()` / `super().get_context_data()` give,
  /// and whether a returned queryset counts as escaping (it does not from get_queryset:
  /// the view itself consumes it).
  ValueRef CbvQuerySet, CbvContext;
  bool ReturnEscapes = true;
  bool AnchorSuper = false; ///< super().get_queryset() starts a chain of its own (admin)

private:

  // ---- helpers -------------------------------------------------------------
  static std::shared_ptr<Value> copy(const ValueRef &V) { return std::make_shared<Value>(*V); }
  static std::shared_ptr<Value> make(ValueKind K, const Model *Mo = nullptr) {
    auto V = std::make_shared<Value>();
    V->Kind = K;
    V->Model = Mo;
    return V;
  }
  std::string text(Range R) const { return File->slice(R).str(); }

  /// The quote character the file uses most for string arguments (fixes follow it).
  char quote() {
    auto It = S.Quotes.find(File);
    if (It != S.Quotes.end())
      return It->second;
    llvm::StringRef T = File->text();
    size_t Single = T.count("('") + T.count(", '") + T.count("=['");
    size_t Double = T.count("(\"") + T.count(", \"") + T.count("=[\"");
    return S.Quotes[File] = Double > Single ? '"' : '\'';
  }

  void escape(const ValueRef &V) {
    if (!V)
      return;
    if ((V->is(ValueKind::QuerySet) || V->is(ValueKind::Manager)) && V->Src)
      V->Src->Escapes = true;
    if (V->is(ValueKind::Dict))
      for (const auto &E : V->Entries)
        escape(E.second);
  }

  void emit(EventKind K, const RowInfo &Row, const std::string &Path, bool ThroughMany,
            const Relation *Rel, Range Access, Range AccessExpr) {
    if (!Report || !Row.Loop || !ActiveLoops.count(Row.Loop->Id))
      return;
    if (!S.EventKeys.insert({EvFile, Access.Begin, int(K), Row.Loop->Source.get()}).second)
      return;
    Event E;
    E.Kind = K;
    E.File = EvFile;
    E.Access = Access;
    E.AccessExpr = AccessExpr;
    E.Loop = Row.Loop;
    E.Path = Path;
    E.ThroughMany = ThroughMany;
    E.ThroughToAttr = Row.ThroughToAttr;
    E.Rel = Rel;
    S.Events.push_back(std::move(E));
  }

  /// NP106: a queryset created inside a queryset loop is read there: one query per row.
  void queryInLoop(const ValueRef &Q, Range Access, Range AccessExpr) {
    if (!Report || !Q->Src || !Q->Src->CreatedInLoop || Q->Row ||
        !ActiveLoops.count(Q->Src->CreatedInLoop))
      return;
    auto L = S.Loops.find(Q->Src->CreatedInLoop);
    if (L == S.Loops.end() ||
        !S.EventKeys.insert({EvFile, Access.Begin, int(EventKind::QueryInLoop), Q->Src.get()})
             .second)
      return;
    Event E;
    E.Kind = EventKind::QueryInLoop;
    E.File = EvFile;
    E.Access = Access;
    E.AccessExpr = AccessExpr;
    E.Loop = L->second;
    E.Model = Q->Model;
    S.Events.push_back(std::move(E));
  }

  unsigned innermostLoop() const {
    unsigned Max = 0;
    for (unsigned L : ActiveLoops)
      Max = std::max(Max, L);
    return Max;
  }

  const Model *modelForName(llvm::StringRef Name) {
    std::string Q = S.P.resolveName(M, Name);
    if (Q.empty())
      return nullptr;
    if (const Model *Mo = S.G.modelByQualName(Q))
      return Mo;
    if (index::ClassRef C = S.P.classNamed(Q))
      return S.G.modelFor(C);
    return nullptr;
  }

  const Model *authUserModel() {
    for (const auto &Mo : S.G.models())
      if (Mo->QualName == "django.contrib.auth.models.User" && !Mo->Abstract)
        return Mo.get();
    // A swapped user model: the project's model with the catalog's AbstractUser fields.
    for (const auto &Mo : S.G.models())
      if (!Mo->Builtin && !Mo->Abstract)
        for (const Model *Par : Mo->Parents)
          if (Par->QualName == "django.contrib.auth.models.AbstractUser" ||
              Par->QualName == "django.contrib.auth.models.AbstractBaseUser")
            return Mo.get();
    return nullptr;
  }

  // ---- summaries -----------------------------------------------------------
  /// Evaluates a function/method of the project with \p Self bound to its first parameter
  /// and everything else unknown; caches the returned value.
  ValueRef summarize(const Stmt *Def, const index::ModuleInfo &Owner, ValueRef Self) {
    if (!Self) {
      auto It = S.Summaries.find(Def);
      if (It != S.Summaries.end())
        return It->second;
    }
    if (S.InProgress.count(Def) || S.InProgress.size() > 8)
      return Value::unknown();
    S.InProgress.insert(Def);
    Interp Sub(S, Owner, Def, /*Report=*/false);
    bool First = true;
    for (const py::Param &Par : Def->Params) {
      if (First && Self)
        Sub.bind(Par.Name, Self);
      First = false;
    }
    ValueRef R = Sub.run(Def->Body);
    S.InProgress.erase(Def);
    escape(R);
    if (!Self)
      S.Summaries[Def] = R;
    return R;
  }

  /// What a manager's get_queryset() already loads.
  Loaded managerLoad(const index::ManagerInfo *MI, const Model *Mo) {
    if (!MI || !MI->ManagerClass)
      return {};
    auto It = S.ManagerLoads.find(MI);
    if (It != S.ManagerLoads.end())
      return It->second;
    S.ManagerLoads[MI] = {};
    Loaded L;
    index::ClassRef Owner;
    if (const Stmt *GQ = S.P.findMethod(MI->ManagerClass, "get_queryset", &Owner)) {
      auto Self = make(ValueKind::Manager, Mo);
      ValueRef R = summarize(GQ, *Owner.Module, Self);
      if (R->is(ValueKind::QuerySet))
        L = R->Load;
    }
    S.ManagerLoads[MI] = L;
    return L;
  }

  /// The default manager's loads of \p Mo (what a related manager's querysets start with).
  Loaded defaultLoad(const Model *Mo) {
    if (!Mo)
      return {};
    return managerLoad(S.G.manager(Mo, "_default_manager"), Mo);
  }

  ValueRef newOrigin(const Expr *ManagerExpr, const Model *Mo,
                     const index::ManagerInfo *MI) {
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
    V->Src = O;
    return V;
  }

  /// The queryset a manager value stands for (`Order.objects` used as `.all()`).
  ValueRef managerQuerySet(const ValueRef &Mgr) {
    auto Q = make(ValueKind::QuerySet, Mgr->Model);
    Q->Manager = Mgr->Manager;
    Q->Src = Mgr->Src;
    Q->Load = Mgr->Load;
    Q->Load.merge(managerLoad(Mgr->Manager, Mgr->Model));
    return Q;
  }

  // ---- evaluation ----------------------------------------------------------
  ValueRef evalAll(llvm::ArrayRef<Expr *> Es) {
    for (Expr *E : Es)
      eval(E);
    return Value::unknown();
  }

  ValueRef eval(const Expr *E) {
    if (!E)
      return Value::unknown();
    switch (E->Kind) {
    case ExprKind::Name:
      return evalName(E);
    case ExprKind::Attribute:
      return evalAttribute(E);
    case ExprKind::Call:
      return evalCall(E);
    case ExprKind::Subscript:
      return evalSubscript(E);
    case ExprKind::Comprehension:
      return evalComprehension(E);
    case ExprKind::Tuple: {
      auto T = make(ValueKind::Tuple);
      for (Expr *A : E->Args) {
        ValueRef V = eval(A);
        escape(V);
        T->Elements.push_back(V);
      }
      return T;
    }
    case ExprKind::Dict:
      if (ValueRef D = evalDictLiteral(E))
        return D;
      [[fallthrough]];
    case ExprKind::List:
    case ExprKind::Set:
      for (Expr *A : E->Args)
        escape(eval(A));
      for (Expr *A : E->Values)
        if (!llvm::is_contained(E->Args, A))
          escape(eval(A));
      return Value::unknown();
    case ExprKind::Lambda:
      return Value::unknown(); // runs later, if at all
    case ExprKind::Starred:
      return eval(E->Object);
    default:
      evalAll(E->Args);
      return Value::unknown();
    }
  }

  /// A dict literal with string keys (and `**dict` splats) as a Dict value; null when a
  /// key is not a string.
  ValueRef evalDictLiteral(const Expr *E) {
    auto D = make(ValueKind::Dict);
    for (size_t I = 0; I < E->Args.size(); ++I) {
      const Expr *K = E->Args[I];
      if (K->Kind == ExprKind::Starred) {
        ValueRef Inner = eval(K->Object);
        if (!Inner->is(ValueKind::Dict))
          return nullptr;
        D->Entries.insert(D->Entries.end(), Inner->Entries.begin(), Inner->Entries.end());
        continue;
      }
      if (K->Kind != ExprKind::String || !K->Args.empty())
        return nullptr;
      D->Entries.push_back({K->Id, eval(E->Values[I])});
    }
    return D;
  }

  ValueRef evalName(const Expr *E) {
    auto It = Env.find(E->Id);
    if (It != Env.end())
      return It->second;
    if (const Model *Mo = modelForName(E->Id))
      return make(ValueKind::ModelClass, Mo);
    return Value::unknown();
  }

  ValueRef evalAttribute(const Expr *E) {
    ValueRef Obj = eval(E->Object);
    llvm::StringRef Attr = E->Id;
    switch (Obj->Kind) {
    case ValueKind::ModelClass: {
      if (const index::ManagerInfo *MI = S.G.manager(Obj->Model, Attr))
        return newOrigin(E, Obj->Model, MI);
      return Value::unknown();
    }
    case ValueKind::Instance:
      return instanceAttribute(Obj, E->Id, E->IdWhere, E->Where);
    case ValueKind::Dict: // a class-based view's `self`
      if (ValueRef V = Obj->entry(Attr))
        return V;
      return Value::unknown();
    case ValueKind::Manager:
    case ValueKind::QuerySet:
      if (Attr == "model" && Obj->Model)
        return make(ValueKind::ModelClass, Obj->Model);
      return Value::unknown();
    default:
      return Value::unknown();
    }
  }

  ValueRef instanceAttribute(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                             Range ExprWhere) {
    const Model *Mo = Obj->Model;
    if (!Mo)
      return Value::unknown();
    const Relation *Rel = S.G.relation(Mo, Attr);
    if (Rel && llvm::is_contained(Obj->Assigned, Attr))
      return make(ValueKind::Instance, Rel->Target);
    const RowInfo *Row = Obj->Row ? &*Obj->Row : nullptr;
    std::string Path = !Row ? "" : Row->Path.empty() ? Attr.str() : Row->Path + "__" + Attr.str();
    if (!Rel) {
      // `Prefetch(..., to_attr=name)` results: a list of rows, already loaded.
      if (!Row || !Row->RootLoaded)
        return Value::unknown();
      for (const auto &[Name, Target] : Row->RootLoaded->ToAttrs)
        if (Name == Path) {
          auto L = make(ValueKind::QuerySet, Target);
          RowInfo R = *Row;
          R.Path = Path;
          R.ThroughMany = true;
          R.ThroughToAttr = true;
          L->Row = R;
          return L;
        }
      return Value::unknown();
    }
    if (Rel->isMany()) {
      auto RM = make(ValueKind::RelatedManager, Rel->Target);
      RM->Relation = Rel;
      RM->AccessName = NameWhere;
      RM->AccessExpr = ExprWhere;
      RM->Elements.push_back(Obj);
      return RM;
    }
    if (Rel->Kind == index::RelationKind::GenericForeignKey)
      return make(ValueKind::Instance, nullptr); // NP107 is not reported yet
    auto Result = make(ValueKind::Instance, Rel->Target);
    if (!Row)
      return Result;
    RowInfo R = *Row;
    R.Path = Path;
    // Rows fetched through a reverse FK hold their owner; a parent link is read from the row.
    bool BackToOwner = Row->ViaRelation && Row->ViaRelation->Counterpart == Attr &&
                       Row->ViaRelation->Kind == index::RelationKind::ReverseForeignKey;
    if (Rel->ParentLink || BackToOwner) {
      R.ViaRelation = nullptr;
      if (BackToOwner) {
        // Back at the owner: its path is the row's path minus the last hop; the owner of a
        // single object's related set is that object, not a row.
        if (Row->Path.empty())
          return Result;
        size_t Cut = Row->Path.rfind("__");
        R.Path = Cut == std::string::npos ? "" : Row->Path.substr(0, Cut);
      }
      Result->Row = R;
      return Result;
    }
    bool AllSelectable = !Row->ThroughMany && !nullableOnPath(Obj, Rel);
    R.ViaRelation = nullptr;
    R.Nullable = Row->Nullable || Rel->Nullable;
    if (!Row->RootLoaded || !Row->RootLoaded->covers(Path, AllSelectable))
      emit(EventKind::RelationPerRow, R, Path, Row->ThroughMany, Rel, NameWhere, ExprWhere);
    Result->Row = R;
    return Result;
  }

  static bool nullableOnPath(const ValueRef &Obj, const Relation *Rel) {
    return Rel->Nullable || Rel->Kind == index::RelationKind::ReverseOneToOne ||
           (Obj->Row && Obj->Row->Nullable);
  }

  /// Evaluating a related manager's queryset for each row: the NP102 event (NP103 for
  /// `.count()` / `.exists()`).
  void evaluateRelated(const ValueRef &QS, EventKind K = EventKind::ManagerPerRow) {
    if (!QS->Row || !QS->Relation || QS->Row->ThroughToAttr)
      return;
    const RowInfo &R = *QS->Row;
    if (QS->Bypass) // a new query whatever was prefetched
      K = EventKind::FilteredPerRow;
    else if (R.RootLoaded && R.RootLoaded->covers(R.Path, false))
      return;
    emit(K, R, R.Path, true, QS->Relation, QS->AccessName, QS->AccessExpr);
  }

  /// The rows of iterating \p V, or null when V is not a model queryset.
  ValueRef iterate(const ValueRef &V, Range Header, llvm::StringRef IterText,
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
    if (V->Row) { // rows of a related set: still rows of the outer loop
      evaluateRelated(V);
      RowInfo R = *V->Row;
      R.ThroughMany = true;
      R.ViaRelation = V->Relation;
      RowV->Row = R;
      return RowV;
    }
    queryInLoop(V, Header, Header);
    auto L = std::make_shared<LoopInfo>();
    L->Id = S.NextLoop++;
    L->Header = Header;
    L->HeaderFile = EvFile;
    L->Source = V->Src;
    L->SourceText = IterText.str();
    L->RowModel = V->Model;
    L->Function = Fn;
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

  void bindTarget(const Expr *T, const ValueRef &V) {
    if (!T)
      return;
    switch (T->Kind) {
    case ExprKind::Name:
      Env[T->Id] = V;
      return;
    case ExprKind::Tuple:
    case ExprKind::List:
      for (size_t I = 0; I < T->Args.size(); ++I)
        bindTarget(T->Args[I], V->is(ValueKind::Tuple) && I < V->Elements.size()
                                   ? V->Elements[I]
                                   : Value::unknown());
      return;
    case ExprKind::Starred:
      bindTarget(T->Object, Value::unknown());
      return;
    case ExprKind::Subscript:
      if (T->Object->Kind == ExprKind::Name && T->Index->Kind == ExprKind::String) {
        auto It = Env.find(T->Object->Id);
        if (It != Env.end() && It->second->is(ValueKind::Dict)) {
          auto D = copy(It->second);
          D->Entries.push_back({T->Index->Id, V});
          It->second = D;
          return;
        }
      }
      eval(T->Object);
      escape(V);
      return;
    case ExprKind::Attribute:
      // `row.relation = value`: the row now holds it; reading it back is free.
      if (T->Object->Kind == ExprKind::Name) {
        auto It = Env.find(T->Object->Id);
        if (It != Env.end() && It->second->is(ValueKind::Instance)) {
          auto Obj = copy(It->second);
          Obj->Assigned.push_back(T->Id);
          It->second = Obj;
          escape(V);
          return;
        }
      }
      eval(T->Object);
      escape(V);
      return;
    default:
      eval(T->Object);
      escape(V);
      return;
    }
  }

  ValueRef evalComprehension(const Expr *E) {
    // Comprehension variables are local to it: restore the outer bindings afterwards.
    llvm::StringMap<ValueRef> Saved = Env;
    std::vector<unsigned> Opened;
    for (const py::CompFor &G : E->Gens) {
      ValueRef It = eval(G.Iter);
      std::optional<unsigned> NewLoop;
      ValueRef Row = iterate(It, E->Where, text(G.Iter->Where), NewLoop);
      if (NewLoop) {
        ActiveLoops.insert(*NewLoop);
        Opened.push_back(*NewLoop);
      }
      bindTarget(G.Target, Row ? Row : Value::unknown());
      evalAll(G.Ifs);
    }
    eval(E->Elt);
    eval(E->EltValue);
    for (unsigned L : Opened)
      ActiveLoops.erase(L);
    Env = std::move(Saved);
    return Value::unknown();
  }

  ValueRef evalSubscript(const Expr *E) {
    ValueRef Obj = eval(E->Object);
    eval(E->Index);
    if (!Obj->is(ValueKind::QuerySet))
      return Value::unknown();
    if (E->IsSlice)
      return Obj;
    if (Obj->ValuesMode)
      return Value::unknown();
    return make(ValueKind::Instance, Obj->Model); // qs[0]: one object
  }

  ValueRef evalCall(const Expr *E) {
    const Expr *F = E->Object;
    if (F->Kind == ExprKind::Attribute) {
      // super().get_queryset() inside a manager: the plain manager's queryset.
      if (F->Object->Kind == ExprKind::Call && F->Object->Object->isName("super")) {
        evalAll(E->Args);
        if (F->Id == "get_context_data" && CbvContext)
          return CbvContext;
        if (F->Id == "get_queryset" && CbvQuerySet && AnchorSuper) {
          // The fix goes right after `super().get_queryset(request)`.
          auto Q = copy(CbvQuerySet);
          auto O = std::make_shared<Origin>(*CbvQuerySet->Src);
          O->Chain = E->Where;
          O->InsertAt = E->Where.End;
          O->Function = Fn;
          O->AdminList = false;
          O->Label.clear();
          O->Select.reset();
          O->Prefetch.reset();
          Q->Src = O;
          return Q;
        }
        if (F->Id == "get_queryset" && CbvQuerySet)
          return CbvQuerySet;
        auto SelfIt = Env.find(Fn && !Fn->Params.empty() ? Fn->Params[0].Name : "self");
        if (SelfIt == Env.end() || !SelfIt->second->Model)
          return Value::unknown();
        auto Q = make(ValueKind::QuerySet, SelfIt->second->Model);
        if (F->Id == "get_queryset" || F->Id == "all")
          return Q;
        return Value::unknown();
      }
      if (ValueRef R = renderCall(E))
        return R;
      ValueRef Recv = eval(F->Object);
      if (Recv->is(ValueKind::Dict) && F->Id == "update" && F->Object->Kind == ExprKind::Name) {
        auto D = copy(Recv);
        for (const Expr *A : E->Args)
          if (ValueRef Other = eval(A); Other->is(ValueKind::Dict))
            D->Entries.insert(D->Entries.end(), Other->Entries.begin(), Other->Entries.end());
        for (const py::Keyword &K : E->Keywords)
          D->Entries.push_back({K.Name, eval(K.Value)});
        Env[F->Object->Id] = D;
        return Value::unknown();
      }
      if (Recv->is(ValueKind::TemplateRef) && F->Id == "render") {
        ValueRef Ctx = E->Args.empty() ? Value::unknown() : eval(E->Args[0]);
        if (const Expr *C = E->keyword("context"))
          Ctx = eval(C);
        renderTemplate(Recv->TemplateName, Ctx);
        return Value::unknown();
      }
      return callMethod(Recv, E);
    }
    if (ValueRef R = renderCall(E))
      return R;
    ValueRef Callee = F->Kind == ExprKind::Name ? Value::unknown() : eval(F);
    llvm::StringRef Name = F->Kind == ExprKind::Name ? llvm::StringRef(F->Id) : "";
    std::vector<ValueRef> Args;
    for (const Expr *A : E->Args)
      Args.push_back(eval(A));
    std::vector<ValueRef> KwArgs;
    for (const py::Keyword &K : E->Keywords)
      KwArgs.push_back(eval(K.Value));
    if (Name.empty()) {
      for (auto &A : Args)
        escape(A);
      return Value::unknown();
    }
    if (Env.count(Name)) { // a local callable: unknown
      for (auto &A : Args)
        escape(A);
      return Value::unknown();
    }
    if (isIterConsumer(Name) && !Args.empty()) {
      const ValueRef &A = Args[0];
      if (A->is(ValueKind::QuerySet) && A->Row)
        evaluateRelated(A);
      if (A->is(ValueKind::QuerySet) && Name != "enumerate")
        queryInLoop(A, E->Args[0]->Where, E->Args[0]->Where);
      if (Name == "list" || Name == "sorted" || Name == "tuple" || Name == "reversed")
        return A->is(ValueKind::QuerySet) ? A : Value::unknown();
      return Value::unknown();
    }
    if (Name == "dict" && !Env.count(Name)) {
      auto D = make(ValueKind::Dict);
      if (!Args.empty() && Args[0]->is(ValueKind::Dict))
        D->Entries = Args[0]->Entries;
      for (size_t I = 0; I < E->Keywords.size(); ++I)
        D->Entries.push_back({E->Keywords[I].Name, KwArgs[I]});
      return D;
    }
    if (Name == "enumerate" && !Args.empty()) {
      auto V = make(ValueKind::Enumerate);
      V->Elements.push_back(Args[0]);
      return V;
    }
    if (Name == "get_user_model") {
      if (const Model *U = authUserModel())
        return make(ValueKind::ModelClass, U);
      return Value::unknown();
    }
    std::string Q = S.P.resolveName(M, Name);
    llvm::StringRef Last = llvm::StringRef(Q).rsplit('.').second;
    if (Q == "django.shortcuts.get_object_or_404" && !Args.empty()) {
      const ValueRef &A = Args[0];
      if (A->is(ValueKind::Manager) || A->is(ValueKind::QuerySet))
        queryInLoop(A, E->Where, E->Where);
      if (A->is(ValueKind::ModelClass) && innermostLoop()) {
        // get_object_or_404(Model, ...): the model's default manager, created right here.
        auto Q = make(ValueKind::QuerySet, A->Model);
        auto O = std::make_shared<Origin>();
        O->File = File;
        O->Chain = E->Where;
        O->CreatedInLoop = innermostLoop();
        Q->Src = O;
        queryInLoop(Q, E->Where, E->Where);
      }
      if (A->Model && (A->is(ValueKind::ModelClass) || A->is(ValueKind::QuerySet) ||
                       A->is(ValueKind::Manager)))
        return make(ValueKind::Instance, A->Model);
      return Value::unknown();
    }
    if (Last == "Prefetch" && llvm::StringRef(Q).starts_with("django.")) {
      auto V = make(ValueKind::Prefetch);
      if (!E->Args.empty() && E->Args[0]->Kind == ExprKind::String)
        V->PrefetchLookup = E->Args[0]->Id;
      if (const Expr *L = E->keyword("lookup"); L && L->Kind == ExprKind::String)
        V->PrefetchLookup = L->Id;
      const Expr *QSExpr = E->keyword("queryset");
      if (!QSExpr && E->Args.size() > 1)
        QSExpr = E->Args[1];
      for (size_t I = 0; I < E->Keywords.size(); ++I)
        if (E->Keywords[I].Name == "queryset" && KwArgs[I]->is(ValueKind::QuerySet)) {
          V->Load = KwArgs[I]->Load;
          V->Model = KwArgs[I]->Model;
        }
      if (E->Args.size() > 1 && Args[1]->is(ValueKind::QuerySet)) {
        V->Load = Args[1]->Load;
        V->Model = Args[1]->Model;
      }
      if (const Expr *T = E->keyword("to_attr"); T && T->Kind == ExprKind::String)
        V->ToAttr = T->Id;
      return V;
    }
    // A function of the project: its returned queryset, created over there.
    if (index::FunctionRef FR = S.P.functionNamed(Q)) {
      for (auto &A : Args)
        escape(A);
      return summarize(FR.Def, *FR.Module, nullptr);
    }
    if (const Model *Mo = modelForName(Name))
      return make(ValueKind::Instance, Mo); // Order(...): a new, unsaved object
    if (index::ClassRef C = S.P.classNamed(Q); C && isSerializer(C) && !Args.empty()) {
      const Expr *ManyE = E->keyword("many");
      bool Many = ManyE && ManyE->Kind == ExprKind::Constant && ManyE->Id == "True";
      if (Many && Args[0]->is(ValueKind::QuerySet))
        serializeRows(C, Args[0], E->Where, text(E->Args[0]->Where),
                      "serialized with `" + C.Def->Name + "(..., many=True)` here");
      else if (!Many && Args[0]->is(ValueKind::Instance) && Args[0]->Row)
        walkSerializer(C, Args[0], 0);
      return Value::unknown();
    }
    for (auto &A : Args)
      escape(A);
    for (auto &A : KwArgs)
      escape(A);
    return Value::unknown();
  }

  /// The qualified name of a called function written as a name or a dotted name of a
  /// module-level symbol (`render`, `loader.render_to_string`); "" otherwise.
  std::string calleeName(const Expr *F) {
    const Expr *Base = F;
    while (Base->Kind == ExprKind::Attribute)
      Base = Base->Object;
    if (Base->Kind != ExprKind::Name || Env.count(Base->Id))
      return "";
    return S.P.resolveExpr(M, F);
  }

  /// `render(request, "x.html", ctx)`, `TemplateResponse(...)`, `render_to_string(...)`,
  /// `get_template(...)`: walks the template with the context. Null when \p E is none of
  /// these.
  ValueRef renderCall(const Expr *E) {
    std::string Q = calleeName(E->Object);
    if (Q.empty() || !llvm::StringRef(Q).starts_with("django."))
      return nullptr;
    llvm::StringRef Last = llvm::StringRef(Q).rsplit('.').second;
    int NameAt = -1, CtxAt = -1;
    if (Last == "render" && Q == "django.shortcuts.render")
      NameAt = 1, CtxAt = 2;
    else if (Last == "TemplateResponse" || Last == "SimpleTemplateResponse")
      NameAt = Last == "TemplateResponse" ? 1 : 0, CtxAt = NameAt + 1;
    else if (Last == "render_to_string" || Last == "render_to_response")
      NameAt = 0, CtxAt = 1;
    else if (Last == "get_template" || Last == "select_template") {
      auto T = make(ValueKind::TemplateRef);
      if (!E->Args.empty())
        T->TemplateName = templateName(E->Args[0]);
      return T;
    } else
      return nullptr;
    const Expr *NameE = NameAt < int(E->Args.size()) ? E->Args[NameAt] : nullptr;
    if (const Expr *K = E->keyword("template_name"))
      NameE = K;
    if (const Expr *K = E->keyword("template"))
      NameE = K;
    ValueRef Ctx = Value::unknown();
    for (size_t I = 0; I < E->Args.size(); ++I) {
      ValueRef V = eval(E->Args[I]);
      if (int(I) == CtxAt)
        Ctx = V;
    }
    for (const py::Keyword &K : E->Keywords) {
      ValueRef V = eval(K.Value);
      if (K.Name == "context")
        Ctx = V;
    }
    if (NameE)
      renderTemplate(templateName(NameE), Ctx);
    return Value::unknown();
  }

  /// A template name: a string, or the first of a list/tuple of strings that exists.
  std::string templateName(const Expr *E) {
    if (E->Kind == ExprKind::String && E->Args.empty())
      return E->Id;
    if ((E->Kind == ExprKind::List || E->Kind == ExprKind::Tuple) && S.Templates)
      for (const Expr *A : E->Args)
        if (A->Kind == ExprKind::String && S.Templates->find(A->Id))
          return A->Id;
    return "";
  }

public:
  // ---- DRF serializers -----------------------------------------------------
  /// True when \p C is a DRF serializer class of the project.
  bool isSerializer(const index::ClassRef &C) const {
    static const char *Bases[] = {"Serializer", "ModelSerializer", "HyperlinkedModelSerializer",
                                  "BaseSerializer", "ListSerializer"};
    for (const char *B : Bases)
      if (S.P.derivesFrom(C, std::string("rest_framework.serializers.") + B))
        return true;
    return false;
  }

  /// Serializes \p Row (one row of a loop) with \p Ser: every field's source path is read
  /// on the row, nested serializers recurse, SerializerMethodFields run with the row.
  void walkSerializer(const index::ClassRef &Ser, const ValueRef &Row, unsigned Depth) {
    if (Depth > 6 || !Row->is(ValueKind::Instance) || !Row->Model)
      return;
    // Declared fields, base classes first so subclasses override.
    std::vector<index::ClassRef> Chain{Ser};
    for (size_t I = 0; I < Chain.size() && I < 16; ++I)
      for (const index::ClassRef &B : S.P.bases(Chain[I]))
        Chain.push_back(B);
    std::map<std::string, std::pair<const Expr *, index::ClassRef>> Declared;
    std::vector<std::string> Order;
    const Stmt *Meta = nullptr;
    index::ClassRef MetaOwner;
    for (auto It = Chain.rbegin(); It != Chain.rend(); ++It)
      for (const Stmt *St : It->Def->Body) {
        if (St->Kind == StmtKind::Class && St->Name == "Meta") {
          Meta = St;
          MetaOwner = *It;
        }
        if (St->Kind != StmtKind::Assign || !St->Value || St->Value->Kind != ExprKind::Call)
          continue;
        for (const Expr *T : St->Targets)
          if (T->Kind == ExprKind::Name) {
            if (!Declared.count(T->Id))
              Order.push_back(T->Id);
            Declared[T->Id] = {St->Value, *It};
          }
      }
    // Meta.fields / exclude / depth.
    std::vector<std::pair<std::string, const Expr *>> Fields;
    bool All = false;
    const Expr *AllExpr = nullptr;
    std::set<std::string> Excluded;
    int MetaDepth = 0;
    if (Meta) {
      for (const Stmt *St : Meta->Body) {
        if (St->Kind != StmtKind::Assign || St->Targets.empty() || !St->Value)
          continue;
        llvm::StringRef N = St->Targets[0]->Kind == ExprKind::Name
                                ? llvm::StringRef(St->Targets[0]->Id)
                                : llvm::StringRef();
        const Expr *V = St->Value;
        if (N == "fields" && V->Kind == ExprKind::String && V->Id == "__all__") {
          All = true;
          AllExpr = V;
        }
        if ((N == "fields" || N == "exclude") &&
            (V->Kind == ExprKind::List || V->Kind == ExprKind::Tuple))
          for (const Expr *F : V->Args)
            if (F->Kind == ExprKind::String) {
              if (N == "fields")
                Fields.push_back({F->Id, F});
              else
                Excluded.insert(F->Id);
            }
        if (N == "depth" && V->Kind == ExprKind::Number)
          llvm::StringRef(V->Id).getAsInteger(10, MetaDepth);
      }
    }
    if (!Meta || (Fields.empty() && !All)) {
      for (const std::string &N : Order)
        Fields.push_back({N, nullptr});
      All = All || (Meta && Fields.empty());
    }
    if (All) {
      for (const std::string &N : Order)
        Fields.push_back({N, nullptr});
      // `__all__` / exclude: every forward field of the model, M2M included.
      for (const auto &Rel : Row->Model->Relations)
        if (!Rel.second.ParentLink &&
            (Rel.second.Kind == index::RelationKind::ForeignKey ||
             Rel.second.Kind == index::RelationKind::OneToOne ||
             Rel.second.Kind == index::RelationKind::ManyToMany))
          Fields.push_back({Rel.first().str(), nullptr});
    }
    std::set<std::string> Seen;
    const SourceFile *Saved = EvFile;
    for (const auto &[Name, Where] : Fields) {
      if (Excluded.count(Name) || !Seen.insert(Name).second)
        continue;
      auto D = Declared.find(Name);
      if (D != Declared.end()) {
        EvFile = &D->second.second.Module->Ast->file();
        serializeDeclared(D->second.second, Name, D->second.first, Row, Depth);
        continue;
      }
      // A model field implied by Meta.fields: relations become PrimaryKeyRelatedFields
      // (a forward FK reads its `_id` column), nested when Meta.depth says so.
      const index::Relation *Rel = S.G.relation(Row->Model, Name);
      if (!Rel)
        continue;
      EvFile = &MetaOwner.Module->Ast->file();
      const Expr *Named = Where ? Where : AllExpr; // `__all__` stands for the field
      Range At = Named ? stringContent(Named) : Range{Meta->Where.Begin, Meta->Where.Begin};
      if (Rel->isMany()) {
        ValueRef RM = instanceAttribute(Row, Name, At, At);
        if (RM->is(ValueKind::RelatedManager)) {
          ValueRef Q = relatedAll(RM, At);
          if (MetaDepth > 0) {
            std::optional<unsigned> NewLoop;
            iterate(Q, At, Name, NewLoop);
          } else {
            evaluateRelated(Q);
          }
        }
      } else if (MetaDepth > 0) {
        instanceAttribute(Row, Name, At, At);
      }
    }
    EvFile = Saved;
  }

  /// The text range inside a string literal's quotes.
  Range stringContent(const Expr *Str) const {
    llvm::StringRef T = EvFile->slice(Str->Where);
    size_t Q = T.find_first_of("'\"");
    if (Q == llvm::StringRef::npos)
      return Str->Where;
    bool Triple = T.substr(Q).starts_with("'''") || T.substr(Q).starts_with("\"\"\"");
    uint32_t Begin = Str->Where.Begin + Q + (Triple ? 3 : 1);
    return {Begin, uint32_t(Begin + Str->Id.size())};
  }

  void serializeDeclared(const index::ClassRef &Owner, llvm::StringRef Name,
                         const Expr *Call, const ValueRef &Row, unsigned Depth) {
    std::string Callee = S.P.resolveExpr(*Owner.Module, Call->Object);
    if (Callee.empty())
      Callee = Call->Object->dotted();
    llvm::StringRef Kind = llvm::StringRef(Callee).rsplit('.').second;
    if (Kind.empty())
      Kind = Callee;
    const Expr *ManyE = Call->keyword("many");
    bool Many = ManyE && ManyE->Kind == ExprKind::Constant && ManyE->Id == "True";
    if (Kind == "SerializerMethodField") {
      std::string Method = "get_" + Name.str();
      if (const Expr *MN = Call->keyword("method_name"); MN && MN->Kind == ExprKind::String)
        Method = MN->Id;
      index::ClassRef MOwner;
      if (const Stmt *Def = S.P.findMethod(Owner, Method, &MOwner))
        runWithRow(Def, *MOwner.Module, Row, 1);
      return;
    }
    if (Kind == "HyperlinkedIdentityField" || Kind == "SerializerMethodField")
      return;
    // The path the field reads, and where to point at.
    std::string Source = Name.str();
    Range At{Call->Where.Begin, Call->Where.Begin};
    const Expr *SourceE = Call->keyword("source");
    if (SourceE && SourceE->Kind == ExprKind::String) {
      if (SourceE->Id == "*")
        return;
      Source = SourceE->Id;
      At = stringContent(SourceE);
    } else {
      // Point at the field's name in `name = Field(...)`.
      for (const Stmt *St : Owner.Def->Body)
        if (St->Kind == StmtKind::Assign && St->Value == Call)
          At = St->Targets[0]->Where;
    }
    index::ClassRef Nested = S.P.classFor(*Owner.Module, Call->Object);
    bool IsNested = Nested && isSerializer(Nested);
    // DRF reads only the key when the field needs nothing but the pk.
    const Expr *Lookup = Call->keyword("lookup_field");
    bool PkOnly = Kind == "PrimaryKeyRelatedField" ||
                  (Kind == "HyperlinkedRelatedField" &&
                   (!Lookup || (Lookup->Kind == ExprKind::String && Lookup->Id == "pk")));
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    llvm::StringRef(Source).split(Parts, '.');
    ValueRef Cur = Row;
    uint32_t Offset = SourceE ? At.Begin : 0;
    for (size_t I = 0; I < Parts.size(); ++I) {
      bool Last = I + 1 == Parts.size();
      Range NameAt = SourceE ? Range{Offset, uint32_t(Offset + Parts[I].size())} : At;
      Range ExprAt = SourceE ? Range{At.Begin, NameAt.End} : At;
      Offset = NameAt.End + 1;
      if (!Cur->is(ValueKind::Instance) || !Cur->Model)
        return;
      const index::Relation *Rel = S.G.relation(Cur->Model, Parts[I]);
      // A related field that needs only the key reads the `_id` column.
      if (Last && PkOnly && !Many && Rel && Rel->isSelectable() &&
          Rel->Kind != index::RelationKind::ReverseOneToOne)
        return;
      Cur = instanceAttribute(Cur, Parts[I], NameAt, ExprAt);
      if (Cur->is(ValueKind::RelatedManager)) {
        ValueRef Q = relatedAll(Cur, ExprAt);
        if (!Last)
          return;
        if (IsNested) {
          std::optional<unsigned> NewLoop;
          ValueRef Inner = iterate(Q, ExprAt, Parts[I], NewLoop);
          if (Inner && NewLoop)
            ActiveLoops.insert(*NewLoop);
          if (Inner)
            walkSerializer(Nested, Inner, Depth + 1);
          if (NewLoop)
            ActiveLoops.erase(*NewLoop);
        } else {
          evaluateRelated(Q);
        }
        return;
      }
    }
    if (IsNested && !Many)
      walkSerializer(Nested, Cur, Depth + 1);
  }

  /// Serializes every row of \p QS with \p Ser (a list response, `many=True`).
  void serializeRows(const index::ClassRef &Ser, const ValueRef &QS, Range Header,
                     llvm::StringRef IterText, const std::string &Note) {
    std::optional<unsigned> NewLoop;
    ValueRef Row = iterate(QS, Header, IterText, NewLoop);
    if (!Row || !NewLoop)
      return;
    const_cast<LoopInfo &>(*Row->Row->Loop).Note = Note;
    ActiveLoops.insert(*NewLoop);
    walkSerializer(Ser, Row, 0);
    ActiveLoops.erase(*NewLoop);
  }

  // ---- admin changelists ---------------------------------------------------
  /// Starts a loop over the rows of \p QS (a changelist page); returns the row, or null.
  ValueRef openLoop(const ValueRef &QS, Range Header, llvm::StringRef IterText,
                    const std::string &Note, unsigned &Id) {
    std::optional<unsigned> NewLoop;
    ValueRef Row = iterate(QS, Header, IterText, NewLoop);
    if (!Row || !NewLoop)
      return nullptr;
    const_cast<LoopInfo &>(*Row->Row->Loop).Note = Note;
    ActiveLoops.insert(*NewLoop);
    Id = *NewLoop;
    return Row;
  }

  /// Runs a function or method with \p Row bound to its parameter \p RowParam, inside the
  /// loops active here (admin `list_display` callables, SerializerMethodFields).
  void runWithRow(const Stmt *Def, const index::ModuleInfo &Owner, const ValueRef &Row,
                  size_t RowParam) {
    Interp Sub(S, Owner, Def, Report);
    Sub.ActiveLoops = ActiveLoops;
    if (Def->Params.size() > RowParam)
      Sub.bind(Def->Params[RowParam].Name, Row);
    Sub.run(Def->Body);
  }

  /// Reads the lookup path `a__b` (or `a.b`) on \p Row, pointing every access at \p At.
  void readPath(const ValueRef &Row, llvm::StringRef Path, Range At) {
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    Path.split(Parts, Path.contains("__") ? "__" : ".");
    ValueRef Cur = Row;
    for (llvm::StringRef Part : Parts) {
      if (!Cur->is(ValueKind::Instance))
        return;
      Cur = instanceAttribute(Cur, Part, At, At);
      if (Cur->is(ValueKind::RelatedManager))
        return; // a many relation is not a list_display column
    }
  }

  /// Evaluates a class-level expression (`queryset = Order.objects.all()`).
  ValueRef evalExpr(const Expr *E) { return eval(E); }
  /// Returns the queryset that \p Def (a view's get_queryset) returns.
  ValueRef runMethod(const Stmt *Def, ValueRef Self) {
    if (!Def->Params.empty())
      bind(Def->Params[0].Name, Self);
    return run(Def->Body);
  }

  void renderTemplate(llvm::StringRef Name, const ValueRef &Ctx) {
    if (Name.empty() || !S.Templates || !Report)
      return;
    const index::TemplateFile *T = S.Templates->find(Name);
    if (!T)
      return;
    Scope Vars;
    if (Ctx->is(ValueKind::Dict))
      for (const auto &[K, V] : Ctx->Entries)
        Vars[K] = V;
    walkTemplate(*T, Vars, nullptr, 0);
  }

private:
  // ---- templates -----------------------------------------------------------
  using Scope = llvm::StringMap<ValueRef>;
  /// Blocks a child template overrides: name -> (its template, its node).
  using Overrides = std::map<std::string, std::pair<const index::TemplateFile *,
                                                    const parse::tpl::Node *>>;

  static Range range(parse::tpl::Range R) { return {R.Begin, R.End}; }

  void collectBlocks(const index::TemplateFile &T, const std::vector<parse::tpl::Node> &Nodes,
                     Overrides &Out) {
    for (const parse::tpl::Node &N : Nodes) {
      if (N.Kind == parse::tpl::NodeKind::Block)
        Out.try_emplace(N.BlockName, &T, &N);
      collectBlocks(T, N.Children, Out);
      collectBlocks(T, N.ElseChildren, Out);
      for (const auto &B : N.Branches)
        collectBlocks(T, B, Out);
    }
  }

  void walkTemplate(const index::TemplateFile &T, const Scope &Vars, const Overrides *Child,
                    unsigned Depth) {
    if (Depth > 12)
      return;
    // `{% extends %}`: walk the parent with this template's blocks in place of its own.
    for (const parse::tpl::Node &N : T.Tree.Nodes) {
      if (N.Kind != parse::tpl::NodeKind::Extends)
        continue;
      Overrides Blocks = Child ? *Child : Overrides{};
      collectBlocks(T, T.Tree.Nodes, Blocks);
      const SourceFile *Saved = EvFile;
      EvFile = T.File.get();
      std::string Parent = N.Value.IsLiteral ? unquote(N.Value.Var) : "";
      EvFile = Saved;
      const index::TemplateFile *P = Parent.empty() ? nullptr : S.Templates->find(Parent);
      if (P && P != &T)
        walkTemplate(*P, Vars, &Blocks, Depth + 1);
      return;
    }
    const SourceFile *Saved = EvFile;
    EvFile = T.File.get();
    Scope Local = Vars;
    walkNodes(T.Tree.Nodes, Local, Child, Depth);
    EvFile = Saved;
  }

  static std::string unquote(llvm::StringRef S) {
    if (S.size() >= 2 && (S.front() == '"' || S.front() == '\'') && S.back() == S.front())
      return S.drop_front().drop_back().str();
    return "";
  }

  void walkNodes(const std::vector<parse::tpl::Node> &Nodes, Scope &Vars,
                 const Overrides *Child, unsigned Depth) {
    for (const parse::tpl::Node &N : Nodes)
      walkNode(N, Vars, Child, Depth);
  }

  void walkNode(const parse::tpl::Node &N, Scope &Vars, const Overrides *Child,
                unsigned Depth) {
    using parse::tpl::NodeKind;
    switch (N.Kind) {
    case NodeKind::Var:
      // Inside {% blocktranslate %} a variable is a plain context key: no attributes.
      if (N.TagName.empty())
        resolveTpl(N.Value, Vars, /*Evaluates=*/false);
      return;
    case NodeKind::For: {
      ValueRef It = resolveTpl(N.Iter, Vars, false);
      std::optional<unsigned> NewLoop;
      ValueRef Row = iterate(It, range(N.TagWhere), N.Iter.Var, NewLoop);
      Scope Inner = Vars;
      for (size_t I = 0; I < N.LoopVars.size(); ++I)
        Inner[N.LoopVars[I]] = N.LoopVars.size() == 1 && Row ? Row
                              : Row && Row->is(ValueKind::Tuple) && I < Row->Elements.size()
                                  ? Row->Elements[I]
                                  : Value::unknown();
      Inner["forloop"] = Value::unknown();
      if (NewLoop)
        ActiveLoops.insert(*NewLoop);
      walkNodes(N.Children, Inner, Child, Depth);
      if (NewLoop)
        ActiveLoops.erase(*NewLoop);
      walkNodes(N.ElseChildren, Vars, Child, Depth);
      return;
    }
    case NodeKind::If:
      for (const parse::tpl::Expr &C : N.Conditions)
        resolveTpl(C, Vars, /*Evaluates=*/true);
      for (const auto &B : N.Branches)
        walkNodes(B, Vars, Child, Depth);
      return;
    case NodeKind::With: {
      Scope Inner = Vars;
      for (const auto &[Name, X] : N.Bindings)
        Inner[Name] = resolveTpl(X, Vars, false);
      walkNodes(N.Children, Inner, Child, Depth);
      return;
    }
    case NodeKind::Include: {
      Scope Inner = N.Only ? Scope{} : Vars;
      for (const auto &[Name, X] : N.Bindings)
        Inner[Name] = resolveTpl(X, Vars, false);
      std::string Name = N.Value.IsLiteral ? unquote(N.Value.Var) : "";
      if (const index::TemplateFile *T = Name.empty() ? nullptr : S.Templates->find(Name))
        walkTemplate(*T, Inner, nullptr, Depth + 1);
      return;
    }
    case NodeKind::Block: {
      if (Child) {
        auto It = Child->find(N.BlockName);
        if (It != Child->end() && It->second.second != &N) {
          const SourceFile *Saved = EvFile;
          EvFile = It->second.first->File.get();
          walkNodes(It->second.second->Children, Vars, Child, Depth);
          EvFile = Saved;
          return;
        }
      }
      walkNodes(N.Children, Vars, Child, Depth);
      return;
    }
    case NodeKind::Extends:
    case NodeKind::Text:
    case NodeKind::Comment:
    case NodeKind::Verbatim:
    case NodeKind::Empty:
      return;
    case NodeKind::Other:
      for (const parse::tpl::Expr &X : N.Args)
        resolveTpl(X, Vars, false);
      for (const auto &B : N.Bindings)
        resolveTpl(B.second, Vars, false);
      if (!N.AsVar.empty())
        Vars[N.AsVar] = Value::unknown();
      walkNodes(N.Children, Vars, Child, Depth);
      walkNodes(N.ElseChildren, Vars, Child, Depth);
      for (const auto &B : N.Branches)
        walkNodes(B, Vars, Child, Depth);
      return;
    }
  }

  /// Resolves a template variable the way Django does (dict key, attribute, index; a
  /// callable without arguments is called), then its filters. \p Evaluates: the result is
  /// truth-tested (`{% if %}`), which runs a queryset.
  ValueRef resolveTpl(const parse::tpl::Expr &X, const Scope &Vars, bool Evaluates) {
    ValueRef Cur =
        X.IsLiteral ? Value::unknown() : resolvePath(X.Var, range(X.VarWhere), Vars);
    for (const parse::tpl::Filter &F : X.Filters) {
      if (F.HasArg && !F.ArgIsLiteral)
        resolvePath(F.Arg, range(F.ArgWhere), Vars);
      if (Cur->is(ValueKind::QuerySet) && Cur->Row && evaluatingFilter(F.Name))
        evaluateRelated(Cur);
      if (F.Name != "default" && F.Name != "default_if_none" && F.Name != "safe" &&
          F.Name != "escape" && F.Name != "force_escape")
        Cur = Value::unknown();
    }
    if (Evaluates && Cur->is(ValueKind::QuerySet) && Cur->Row)
      evaluateRelated(Cur);
    return Cur;
  }

  static bool evaluatingFilter(llvm::StringRef F) {
    return llvm::StringSwitch<bool>(F)
        .Cases("length", "first", "last", "join", "dictsort", "dictsortreversed", true)
        .Cases("slice", "random", "unordered_list", "length_is", "make_list", true)
        .Default(false);
  }

  ValueRef resolvePath(llvm::StringRef Var, Range Where, const Scope &Vars) {
    llvm::SmallVector<llvm::StringRef, 6> Parts;
    Var.split(Parts, '.');
    auto It = Vars.find(Parts[0]);
    if (It == Vars.end())
      return Value::unknown();
    ValueRef Cur = It->second;
    uint32_t Offset = Where.Begin + Parts[0].size();
    for (size_t I = 1; I < Parts.size(); ++I) {
      llvm::StringRef Part = Parts[I];
      Range NameWhere{Offset + 1, uint32_t(Offset + 1 + Part.size())};
      Range ExprWhere{Where.Begin, NameWhere.End};
      Offset = NameWhere.End;
      Cur = templateLookup(Cur, Part, NameWhere, ExprWhere);
    }
    return Cur;
  }

  ValueRef templateLookup(const ValueRef &Cur, llvm::StringRef Part, Range NameWhere,
                          Range ExprWhere) {
    switch (Cur->Kind) {
    case ValueKind::Dict: {
      ValueRef V = Cur->entry(Part);
      return V ? V : Value::unknown();
    }
    case ValueKind::Instance:
      if (!Part.empty() && llvm::isDigit(Part[0]))
        return Value::unknown();
      return instanceAttribute(Cur, Part, NameWhere, ExprWhere);
    case ValueKind::RelatedManager:
      if (Part == "all")
        return relatedAll(Cur, ExprWhere);
      if (Part == "count" || Part == "exists")
        evaluateRelated(relatedAll(Cur, ExprWhere), EventKind::AggregatePerRow);
      return Value::unknown();
    case ValueKind::QuerySet:
      if (Part == "all" || Part == "object_list")
        return Cur;
      if ((Part == "count" || Part == "exists") && Cur->Row)
        evaluateRelated(Cur, EventKind::AggregatePerRow);
      if (!Cur->Row && !Cur->ValuesMode && (Part == "first" || Part == "last" ||
                                            (!Part.empty() && llvm::isDigit(Part[0]))))
        return make(ValueKind::Instance, Cur->Model);
      return Value::unknown();
    default:
      return Value::unknown();
    }
  }

  ValueRef callMethod(const ValueRef &Recv, const Expr *E) {
    llvm::StringRef Name = E->Object->Id;
    std::vector<ValueRef> Args;
    for (const Expr *A : E->Args)
      Args.push_back(eval(A));
    for (const py::Keyword &K : E->Keywords)
      eval(K.Value);
    switch (Recv->Kind) {
    case ValueKind::Manager:
      if (Name == "get_queryset" || isChainMethod(Name) || isSingleMethod(Name) ||
          isValuesMethod(Name) || isLoadMethod(Name) || Name == "iterator" ||
          isScalarMethod(Name))
        return queryMethod(managerQuerySet(Recv), E, Args);
      return customMethod(Recv, managerQuerySet(Recv), E);
    case ValueKind::QuerySet:
      return queryMethod(Recv, E, Args);
    case ValueKind::RelatedManager:
      return relatedMethod(Recv, E);
    case ValueKind::Instance:
    default:
      for (auto &A : Args)
        escape(A);
      return Value::unknown();
    }
  }

  static bool isLoadMethod(llvm::StringRef N) {
    return N == "select_related" || N == "prefetch_related" || N == "fetch_mode";
  }

  ValueRef relatedMethod(const ValueRef &RM, const Expr *E) {
    llvm::StringRef Name = E->Object->Id;
    if (Name == "count" || Name == "exists") {
      evaluateRelated(relatedAll(RM, E->Where), EventKind::AggregatePerRow);
      return Value::unknown();
    }
    if (Name == "all")
      return relatedAll(RM, E->Where);
    if (Name == "none")
      return Value::unknown(); // an empty queryset: evaluating it runs no query
    ValueRef All = relatedAll(RM, E->Where);
    if (isChainMethod(Name) || isValuesMethod(Name) || isLoadMethod(Name))
      return bypassed(All, isValuesMethod(Name));
    if (isSingleMethod(Name) || Name == "aggregate" || Name == "in_bulk") {
      singleOnRelated(All, Name);
      return make(ValueKind::Instance, RM->Model);
    }
    return Value::unknown();
  }

  /// `.get()`, `.first()`, ... on a related set of a row. Django 3.2+: first() is served
  /// from a prefetch cache only when that queryset is ordered (Meta.ordering), last()
  /// never is (it reverses or orders, a new query); get/latest/earliest always query.
  void singleOnRelated(const ValueRef &Q, llvm::StringRef Name) {
    bool FromCache = Name == "first" && !Q->Bypass && Q->Model && Q->Model->Ordered;
    evaluateRelated(FromCache ? Q : bypassed(Q, false), EventKind::FilteredPerRow);
  }

  /// A related set narrowed by filter()/order_by()/...: Django runs a new query for it.
  static ValueRef bypassed(const ValueRef &Q, bool Values) {
    if (!Q->is(ValueKind::QuerySet))
      return Q;
    auto B = copy(Q);
    B->Bypass = B->Row.has_value();
    B->ValuesMode |= Values;
    return B;
  }

  /// `obj.related.all()`: rows of a loop's row stay rows of that loop; a single object's
  /// related set is a queryset of its own, created at \p Chain.
  ValueRef relatedAll(const ValueRef &RM, Range Chain) {
    const ValueRef &Owner = RM->Elements.front();
    auto Q = make(ValueKind::QuerySet, RM->Model);
    Q->Relation = RM->Relation;
    Q->AccessName = RM->AccessName;
    Q->AccessExpr = RM->AccessExpr;
    Q->Load = defaultLoad(RM->Model);
    if (Owner->Row) {
      RowInfo R = *Owner->Row;
      R.Path = R.Path.empty() ? RM->Relation->Name : R.Path + "__" + RM->Relation->Name;
      auto WithDefault = std::make_shared<Loaded>(R.RootLoaded ? *R.RootLoaded : Loaded{});
      WithDefault->merge(Q->Load, R.Path);
      R.RootLoaded = WithDefault;
      Q->Row = R;
      return Q;
    }
    // A single object's related set: a queryset of its own, fixable at `obj.related`.
    auto O = std::make_shared<Origin>();
    O->File = EvFile;
    O->Chain = Chain;
    O->InsertAt = RM->AccessExpr.End;
    O->Function = Fn;
    O->Quote = quote();
    O->Fixable = !M.Builtin && EvFile == File; // a template cannot take the fix
    Q->Src = O;
    return Q;
  }

  ValueRef customMethod(const ValueRef &Recv, const ValueRef &Base, const Expr *E) {
    llvm::StringRef Name = E->Object->Id;
    const index::ManagerInfo *MI = Recv->Manager;
    if (!MI)
      return Value::unknown();
    const Stmt *Def = nullptr;
    index::ClassRef Owner;
    ValueRef Self;
    if (MI->ManagerClass && (Def = S.P.findMethod(MI->ManagerClass, Name, &Owner))) {
      auto V = make(ValueKind::Manager, Recv->Model);
      V->Manager = MI;
      Self = V;
    } else if (MI->QuerySetClass && (Def = S.P.findMethod(MI->QuerySetClass, Name, &Owner))) {
      auto V = make(ValueKind::QuerySet, Recv->Model);
      V->Manager = MI;
      Self = V;
    }
    if (!Def)
      return Value::unknown();
    ValueRef R = summarize(Def, *Owner.Module, Self);
    if (R->is(ValueKind::QuerySet)) {
      auto Out = copy(Base);
      Out->Load.merge(R->Load);
      Out->ValuesMode |= R->ValuesMode;
      extendChain(Out, E);
      return Out;
    }
    if (R->is(ValueKind::Instance))
      return make(ValueKind::Instance, Recv->Model);
    return Value::unknown();
  }

  /// Records that \p Call continues the chain its queryset was created in.
  static void extendChain(const std::shared_ptr<Value> &Q, const Expr *Call) {
    if (Q->Src && Q->Src->Chain.Begin == Call->Where.Begin && Q->Src->File)
      Q->Src->Chain.End = std::max(Q->Src->Chain.End, Call->Where.End);
  }

  ValueRef queryMethod(const ValueRef &Recv, const Expr *E, llvm::ArrayRef<ValueRef> Args) {
    llvm::StringRef Name = E->Object->Id;
    bool SameChain = Recv->Src && Recv->Src->Chain.Begin == E->Where.Begin &&
                     Recv->Src->Function == Fn && Recv->Src->File == File;
    if (Recv->Row && Name == "none")
      return Value::unknown(); // never queries
    if (Name == "get_queryset" || isChainMethod(Name)) {
      auto Q = copy(Recv);
      extendChain(Q, E);
      if (Recv->Row && Name != "all")
        Q->Bypass = true;
      return Q;
    }
    if (Name == "select_related" || Name == "prefetch_related") {
      auto Q = copy(Recv);
      bool Select = Name == "select_related";
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
          Q->Load.FetchPeers = true;
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
    if (Name == "fetch_mode") {
      auto Q = copy(Recv);
      for (const Expr *A : E->Args) {
        llvm::StringRef D = llvm::StringRef(A->dotted());
        if (D.ends_with("FETCH_PEERS") || D.ends_with("RAISE"))
          Q->Load.FetchPeers = true;
      }
      extendChain(Q, E);
      return Q;
    }
    if (Name == "iterator") {
      auto Q = copy(Recv);
      // Before Django 4.1 iterator() skips prefetching; from 4.1 it honours it only with a
      // chunk_size (and 5.0 refuses the call without one).
      bool Chunked = (E->keyword("chunk_size") || !E->Args.empty()) && S.DjangoVersion >= 401;
      if (!Chunked && !Q->Load.Prefetch.empty()) {
        Q->Load.Prefetch.clear();
        if (Q->Src)
          Q->Src->IteratorNoChunk = true;
      }
      extendChain(Q, E);
      return Q;
    }
    if (isValuesMethod(Name)) {
      auto Q = copy(Recv);
      Q->ValuesMode = true;
      return Q;
    }
    if (Name == "union" || Name == "intersection" || Name == "difference") {
      auto Q = copy(Recv);
      if (Q->Src)
        Q->Src->Fixable = false;
      return Q;
    }
    if (isSingleMethod(Name)) {
      queryInLoop(Recv, E->Object->IdWhere, E->Where);
      if (Recv->Row)
        singleOnRelated(Recv, Name);
      if (Recv->ValuesMode)
        return Value::unknown();
      return make(ValueKind::Instance, Recv->Model);
    }
    if ((Name == "count" || Name == "exists") && Recv->Row)
      evaluateRelated(Recv, EventKind::AggregatePerRow);
    if (Name == "count" || Name == "exists" || Name == "aggregate" || Name == "in_bulk")
      queryInLoop(Recv, E->Object->IdWhere, E->Where);
    if (isScalarMethod(Name))
      return Value::unknown();
    return customMethod(Recv, Recv, E);
  }

  // ---- statements ----------------------------------------------------------
  void visitBody(llvm::ArrayRef<Stmt *> Body) {
    for (const Stmt *St : Body)
      visit(St);
  }

  void visit(const Stmt *St) {
    switch (St->Kind) {
    case StmtKind::Expr:
      eval(St->Value);
      return;
    case StmtKind::Assign: {
      ValueRef V = St->Value ? eval(St->Value) : Value::unknown();
      for (const Expr *T : St->Targets)
        bindTarget(T, V);
      return;
    }
    case StmtKind::AugAssign:
      eval(St->Value);
      if (!St->Targets.empty() && St->Targets[0]->Kind == ExprKind::Name)
        Env[St->Targets[0]->Id] = Value::unknown();
      return;
    case StmtKind::For: {
      ValueRef It = eval(St->Value);
      std::optional<unsigned> NewLoop;
      Range Header{St->Where.Begin, St->Value->Where.End};
      ValueRef Row = iterate(It, Header, text(St->Value->Where), NewLoop);
      bindTarget(St->Target, Row ? Row : Value::unknown());
      if (NewLoop)
        ActiveLoops.insert(*NewLoop);
      visitBody(St->Body);
      if (NewLoop)
        ActiveLoops.erase(*NewLoop);
      visitBody(St->OrElse);
      return;
    }
    case StmtKind::While:
    case StmtKind::If: {
      ValueRef C = eval(St->Value);
      if (C->is(ValueKind::QuerySet) && C->Row)
        evaluateRelated(C); // `if obj.related.all():` runs the query
      visitBody(St->Body);
      visitBody(St->OrElse);
      return;
    }
    case StmtKind::With:
      for (size_t I = 0; I < St->Items.size(); ++I) {
        ValueRef V = eval(St->Items[I]);
        if (I < St->Targets.size() && St->Targets[I])
          bindTarget(St->Targets[I], Value::unknown());
      }
      visitBody(St->Body);
      return;
    case StmtKind::Try:
      visitBody(St->Body);
      for (auto &H : St->Handlers)
        visitBody(H);
      visitBody(St->OrElse);
      visitBody(St->Finally);
      return;
    case StmtKind::Return: {
      ValueRef V = eval(St->Value);
      if (ReturnEscapes)
        escape(V);
      if (!Returned || (!Returned->is(ValueKind::QuerySet) && V->is(ValueKind::QuerySet)))
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
        Env[Local] = Mo ? make(ValueKind::ModelClass, Mo) : Value::unknown();
      }
      return;
    case StmtKind::Function:
    case StmtKind::Class:
      return; // analyzed on their own
    case StmtKind::Other:
      for (const Expr *X : St->Items)
        escape(eval(X));
      visitBody(St->Body);
      return;
    }
  }
};

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

} // namespace

namespace {

/// A method the project defines on \p C or its bases — not one of Django's or DRF's own
/// (a vendored copy of a framework inside the project root is not an override).
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C,
                          llvm::StringRef Name, index::ClassRef &Owner) {
  const Stmt *Def = P.findMethod(C, Name, &Owner);
  if (!Def)
    return nullptr;
  llvm::StringRef Mod = Owner.Module->Name;
  if (Mod.starts_with("django.") || Mod.starts_with("rest_framework.") ||
      Mod == "django" || Mod == "rest_framework")
    return nullptr;
  return Def;
}

/// The generic view a class derives from, by Django's class name ("ListView"), or "".
std::string genericViewKind(const index::Project &P, const index::ClassRef &C) {
  static const char *Kinds[] = {"ListView", "DetailView", "TemplateView", "UpdateView",
                                "DeleteView", "CreateView", "ArchiveIndexView"};
  for (const char *K : Kinds)
    if (P.derivesFrom(C, std::string("django.views.generic.") + K))
      return K;
  // DRF views whose list action serializes every row of the queryset.
  static const char *ListApi[] = {"ModelViewSet", "ReadOnlyModelViewSet", "ListAPIView",
                                  "ListCreateAPIView", "ListModelMixin"};
  for (const char *K : ListApi)
    if (P.derivesFrom(C, std::string("rest_framework.generics.") + K))
      return "api";
  return "";
}

/// The serializer classes a DRF view uses: `serializer_class`, and every serializer
/// `get_serializer_class()` returns.
std::vector<index::ClassRef> viewSerializers(const index::Project &P, const index::ClassRef &C) {
  std::vector<index::ClassRef> Out;
  std::vector<index::ClassRef> Chain{C};
  for (size_t I = 0; I < Chain.size() && I < 16; ++I) {
    for (const Stmt *St : Chain[I].Def->Body) {
      if (St->Kind == StmtKind::Assign && St->Value && !St->Targets.empty() &&
          St->Targets[0]->isName("serializer_class"))
        if (index::ClassRef R = P.classFor(*Chain[I].Module, St->Value))
          return {R};
    }
    for (const index::ClassRef &B : P.bases(Chain[I]))
      Chain.push_back(B);
  }
  index::ClassRef Owner;
  if (const Stmt *GSC = projectMethod(P, C, "get_serializer_class", Owner)) {
    std::vector<const Stmt *> Work(GSC->Body.begin(), GSC->Body.end());
    for (size_t I = 0; I < Work.size(); ++I) {
      const Stmt *St = Work[I];
      if (St->Kind == StmtKind::Return && St->Value)
        if (index::ClassRef R = P.classFor(*Owner.Module, St->Value))
          Out.push_back(R);
      for (auto *B : {&St->Body, &St->OrElse, &St->Finally})
        Work.insert(Work.end(), B->begin(), B->end());
    }
  }
  return Out;
}

const Expr *classAttr(const Stmt *Class, llvm::StringRef Name) {
  for (const Stmt *St : Class->Body)
    if (St->Kind == StmtKind::Assign && St->Value)
      for (const Expr *T : St->Targets)
        if (T->isName(Name))
          return St->Value;
  return nullptr;
}

std::string lowerName(llvm::StringRef S) { return S.lower(); }

/// Follows a class-based view into its template: the view's queryset (class attribute,
/// `model`, or get_queryset()), its context names, get_context_data() additions, and the
/// template named by template_name or Django's default.
void analyzeView(ModuleState &S, const index::ClassRef &C) {
  std::string Kind = genericViewKind(S.P, C);
  if (Kind.empty() || (!S.Templates && Kind != "api"))
    return;
  bool IsList = Kind == "ListView" || Kind == "ArchiveIndexView";
  bool IsDetail = Kind == "DetailView" || Kind == "UpdateView" || Kind == "DeleteView";
  const Stmt *Def = C.Def;
  // Where the queryset comes from decides which function "owns" the fix.
  index::ClassRef Owner;
  const Stmt *GetQS = projectMethod(S.P, C, "get_queryset", Owner);
  const Stmt *OriginFn = GetQS ? GetQS : Def;
  Interp W(S, *(GetQS ? Owner.Module : C.Module), OriginFn, /*Report=*/true);
  W.ReturnEscapes = false;
  ValueRef QS = Value::unknown();
  const index::Model *Model = nullptr;
  if (const Expr *Q = classAttr(Def, "queryset"))
    QS = W.evalExpr(Q);
  if (const Expr *ModelE = classAttr(Def, "model")) {
    ValueRef MV = W.evalExpr(ModelE);
    if (MV->is(ValueKind::ModelClass))
      Model = MV->Model;
  }
  if (!QS->is(ValueKind::QuerySet) && Model) {
    // `model = Order`: Django runs Order._default_manager.all(); nothing to edit in place.
    auto V = std::make_shared<Value>();
    V->Kind = ValueKind::QuerySet;
    V->Model = Model;
    auto O = std::make_shared<Origin>();
    O->File = &C.Module->Ast->file();
    const Expr *ModelE = classAttr(Def, "model");
    O->Chain = ModelE->Where;
    O->Function = OriginFn;
    O->Label = "`model = " + O->File->slice(ModelE->Where).str() + "` (all rows of " +
               Model->Name + ")";
    // A new class attribute on the line after `model = ...`, indented like it.
    const SourceFile &F = *O->File;
    parse::LineCol LC = F.lineCol(ModelE->Where.Begin);
    llvm::StringRef Line = F.line(LC.Line);
    std::string Indent = Line.take_while([](char Ch) { return Ch == ' ' || Ch == '\t'; }).str();
    O->InsertAt = F.lineStart(LC.Line) + Line.size();
    O->InsertPrefix = "\n" + Indent + "queryset = " + F.slice(ModelE->Where).str() + ".objects";
    O->Fixable = !GetQS;
    V->Src = O;
    QS = V;
  }
  if (QS->is(ValueKind::QuerySet) && !Model)
    Model = QS->Model;
  auto Self = std::make_shared<Value>();
  Self->Kind = ValueKind::Dict;
  if (Model) {
    auto MC = std::make_shared<Value>();
    MC->Kind = ValueKind::ModelClass;
    MC->Model = Model;
    Self->Entries.push_back({"model", MC});
  }
  if (QS->is(ValueKind::QuerySet))
    Self->Entries.push_back({"queryset", QS});
  if (GetQS) {
    W.CbvQuerySet = QS->is(ValueKind::QuerySet) ? QS : nullptr;
    ValueRef R = W.runMethod(GetQS, Self);
    if (R->is(ValueKind::QuerySet)) {
      QS = R;
      Model = R->Model;
    }
  }
  if (Kind == "api") {
    if (!QS->is(ValueKind::QuerySet))
      return;
    for (const index::ClassRef &Ser : viewSerializers(S.P, C)) {
      Range Header = C.Def->NameWhere;
      W.serializeRows(Ser, QS, Header, "queryset",
                      "the view `" + C.Def->Name + "` serializes every row of its queryset with `" +
                          Ser.Def->Name + "` (list action)");
    }
    return;
  }
  // The context Django builds.
  auto Ctx = std::make_shared<Value>();
  Ctx->Kind = ValueKind::Dict;
  Ctx->Entries.push_back({"view", Self});
  std::string ObjectName;
  if (const Expr *N = classAttr(Def, "context_object_name"); N && N->Kind == ExprKind::String)
    ObjectName = N->Id;
  if (IsList && QS->is(ValueKind::QuerySet)) {
    Ctx->Entries.push_back({"object_list", QS});
    Ctx->Entries.push_back({"page_obj", QS});
    if (Model)
      Ctx->Entries.push_back({lowerName(Model->Name) + "_list", QS});
    if (!ObjectName.empty())
      Ctx->Entries.push_back({ObjectName, QS});
  } else if (IsDetail && Model) {
    auto Obj = std::make_shared<Value>();
    Obj->Kind = ValueKind::Instance;
    Obj->Model = Model;
    Ctx->Entries.push_back({"object", Obj});
    Ctx->Entries.push_back({lowerName(Model->Name), Obj});
    if (!ObjectName.empty())
      Ctx->Entries.push_back({ObjectName, Obj});
  }
  ValueRef Final = Ctx;
  if (const Stmt *GCD = projectMethod(S.P, C, "get_context_data", Owner)) {
    Interp CD(S, *Owner.Module, GCD, /*Report=*/true);
    CD.ReturnEscapes = false;
    CD.CbvContext = Ctx;
    CD.CbvQuerySet = QS->is(ValueKind::QuerySet) ? QS : nullptr;
    ValueRef R = CD.runMethod(GCD, Self);
    if (R->is(ValueKind::Dict))
      Final = R;
  }
  std::string Template;
  if (const Expr *TN = classAttr(Def, "template_name"); TN && TN->Kind == ExprKind::String)
    Template = TN->Id;
  else if (Model)
    Template = Model->AppLabel + "/" + lowerName(Model->Name) +
               (IsList ? "_list.html" : IsDetail ? "_detail.html" : "_form.html");
  W.renderTemplate(Template, Final);
}

/// Admin classes registered for a model in \p M: `@admin.register(Model)` and
/// `admin.site.register(Model, Admin)`.
std::vector<std::pair<index::ClassRef, const index::Model *>>
registeredAdmins(ModuleState &S, const index::ModuleInfo &M) {
  std::vector<std::pair<index::ClassRef, const index::Model *>> Out;
  auto ModelOf = [&](const Expr *E) -> const index::Model * {
    index::ClassRef C = S.P.classFor(M, E);
    return C ? S.G.modelFor(C) : nullptr;
  };
  for (const Stmt *St : M.Ast->Body) {
    if (St->Kind == StmtKind::Class)
      for (const Expr *D : St->Decorators)
        if (D->Kind == ExprKind::Call && D->Object->Kind == ExprKind::Attribute &&
            D->Object->Id == "register")
          for (const Expr *A : D->Args)
            if (const index::Model *Mo = ModelOf(A))
              Out.push_back({{St, &M, M.Name + "." + St->Name}, Mo});
    if (St->Kind == StmtKind::Expr && St->Value && St->Value->Kind == ExprKind::Call) {
      const Expr *C = St->Value;
      if (C->Object->Kind != ExprKind::Attribute || C->Object->Id != "register" ||
          C->Args.size() < 2)
        continue;
      index::ClassRef Admin = S.P.classFor(M, C->Args[1]);
      std::vector<const Expr *> Models{C->Args[0]};
      if (C->Args[0]->Kind == ExprKind::List || C->Args[0]->Kind == ExprKind::Tuple)
        Models.assign(C->Args[0]->Args.begin(), C->Args[0]->Args.end());
      for (const Expr *ME : Models)
        if (const index::Model *Mo = ModelOf(ME); Mo && Admin)
          Out.push_back({Admin, Mo});
    }
  }
  return Out;
}

/// The admin changelist of \p Mo rendered by \p Admin: every `list_display` column is
/// read on every row of the page.
void analyzeAdmin(ModuleState &S, const index::ClassRef &Admin, const index::Model *Mo) {
  const Stmt *Def = Admin.Def;
  const Stmt *Display = nullptr;
  for (const Stmt *St : Def->Body)
    if (St->Kind == StmtKind::Assign && St->Value && !St->Targets.empty() &&
        St->Targets[0]->isName("list_display"))
      Display = St;
  if (!Display ||
      (Display->Value->Kind != ExprKind::List && Display->Value->Kind != ExprKind::Tuple))
    return;
  const SourceFile &F = Admin.Module->Ast->file();
  index::ClassRef Owner;
  const Stmt *GetQS = S.P.findMethod(Admin, "get_queryset", &Owner);
  Interp W(S, *Admin.Module, GetQS ? GetQS : Def, /*Report=*/true);
  W.ReturnEscapes = false;
  // The changelist's queryset: the default manager's, or get_queryset()'s.
  auto Base = std::make_shared<Value>();
  Base->Kind = ValueKind::QuerySet;
  Base->Model = Mo;
  auto O = std::make_shared<Origin>();
  O->File = &F;
  O->Chain = Display->Where;
  O->Function = GetQS ? GetQS : Def;
  O->AdminList = true;
  O->Label = "the `" + Def->Name + "` changelist";
  Base->Src = O;
  const index::ManagerInfo *MI = S.G.manager(Mo, "_default_manager");
  auto MgrV = std::make_shared<Value>();
  MgrV->Kind = ValueKind::Manager;
  MgrV->Model = Mo;
  MgrV->Manager = MI;
  if (GetQS) {
    W.CbvQuerySet = Base;
    W.AnchorSuper = true;
    ValueRef R = W.runMethod(GetQS, Value::unknown());
    if (!R->is(ValueKind::QuerySet))
      return;
    auto Q = std::make_shared<Value>(*R);
    if (!Q->Src)
      Q->Src = O;
    Base = Q;
  }
  // Django applies list_select_related (or its own select_related()) only when the
  // queryset does not select_related already; then fixes go into get_queryset().
  bool QsSelects = !Base->Load.Select.empty() || Base->Load.SelectAll;
  // Which relation columns Django selects by itself (list_select_related = False).
  std::vector<std::string> FkColumns;
  for (const Expr *Col : Display->Value->Args)
    if (Col->Kind == ExprKind::String)
      if (const index::Relation *R = S.G.relation(Mo, Col->Id); R && R->isSelectable())
        FkColumns.push_back(Col->Id);
  auto Q = std::make_shared<Value>(*Base);
  if (!QsSelects)
    Q->Src = O;
  const Expr *LSR = QsSelects ? nullptr : classAttr(Def, "list_select_related");
  if (QsSelects) {
    // as get_queryset() built it
  } else if (LSR && LSR->Kind == ExprKind::Constant && LSR->Id == "True") {
    Q->Load.SelectAll = true;
  } else if (LSR && (LSR->Kind == ExprKind::List || LSR->Kind == ExprKind::Tuple)) {
    for (const Expr *P : LSR->Args)
      if (P->Kind == ExprKind::String)
        Q->Load.addSelect(P->Id);
    O->Select = LoadCall{LSR->Where.End - 1, !LSR->Args.empty()};
  } else if (!FkColumns.empty()) {
    Q->Load.SelectAll = true; // Django's ChangeList: select_related() with no fields
    O->AlsoSelect = FkColumns;
  }
  if (!O->Select) {
    parse::LineCol LC = F.lineCol(Display->Where.End);
    llvm::StringRef First = F.line(F.lineCol(Display->Where.Begin).Line);
    std::string Indent = First.take_while([](char C) { return C == ' ' || C == '\t'; }).str();
    O->InsertAt = F.lineStart(LC.Line) + F.line(LC.Line).size();
    O->InsertPrefix = "\n" + Indent + "list_select_related = ";
  }
  unsigned LoopId = 0;
  ValueRef Row = W.openLoop(Q, Display->Where, "list_display",
                            "the admin changelist of `" + Def->Name +
                                "` renders these columns for every row of the page",
                            LoopId);
  if (!Row)
    return;
  for (const Expr *Col : Display->Value->Args) {
    if (Col->Kind == ExprKind::String) {
      llvm::StringRef Name = Col->Id;
      Range At = W.stringContent(Col);
      if (const Stmt *M = S.P.findMethod(Admin, Name, &Owner)) {
        W.runWithRow(M, *Owner.Module, Row, 1);
        continue;
      }
      if (Name == "__str__")
        continue;
      W.readPath(Row, Name, At);
      continue;
    }
    // A module-level function column: `def customer_name(obj)`.
    if (Col->Kind == ExprKind::Name)
      if (index::FunctionRef FR = S.P.functionNamed(S.P.resolveName(*Admin.Module, Col->Id)))
        W.runWithRow(FR.Def, *FR.Module, Row, 0);
  }
}

void collectClasses(const index::Project &P, const index::ModuleInfo &M,
                    llvm::ArrayRef<Stmt *> Body, std::vector<index::ClassRef> &Out) {
  for (const Stmt *St : Body)
    if (St->Kind == StmtKind::Class)
      Out.push_back({St, &M, M.Name + "." + St->Name});
  (void)P;
}

} // namespace

std::vector<Event> Analyzer::analyzeModule(const index::ModuleInfo &M) const {
  ModuleState S{P, G, T, DjangoVersion, {}, {}, {}, {}, {}, 1, {}};
  std::vector<index::ClassRef> Classes;
  collectClasses(P, M, M.Ast->Body, Classes);
  for (const index::ClassRef &C : Classes)
    analyzeView(S, C);
  for (const auto &[Admin, Mo] : registeredAdmins(S, M))
    analyzeAdmin(S, Admin, Mo);
  {
    Interp Top(S, M, nullptr, /*Report=*/true);
    Top.run(M.Ast->Body);
  }
  std::vector<const Stmt *> Functions;
  collectFunctions(M.Ast->Body, Functions);
  for (const Stmt *Fn : Functions) {
    Interp I(S, M, Fn, /*Report=*/true);
    I.run(Fn->Body);
  }
  return std::move(S.Events);
}

} // namespace nplus1::flow
