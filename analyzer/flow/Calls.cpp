// Calls: builtins, project functions and methods (callNamed, callBound, callMethod), super()
// and parent-method calls, and the per-call-shape summaries of what a function returns.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow {
namespace detail {

ValueRef Interp::summarize(const Stmt *Def, const index::ModuleInfo &Owner, ValueRef Self) {
  if (!Self) {
    auto It = S.Summaries.find(Def);
    if (It != S.Summaries.end())
      return It->second;
  }
  if (S.InProgress.count(Def) || S.InProgress.size() > limits::CallDepth)
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

std::string Interp::bindCallShape(const Stmt *Def, const Expr *Call) {
  size_t Positional = 0;
  bool Open = false;
  std::vector<std::string> Keywords;
  if (Call) {
    for (const Expr *A : Call->Args) {
      if (A->Kind == ExprKind::Starred)
        Open = true;
      else
        ++Positional;
    }
    for (const parse::py::Keyword &K : Call->Keywords) {
      if (K.Name.empty()) // `**opts`
        Open = true;
      else
        Keywords.push_back(K.Name);
    }
  }
  std::sort(Keywords.begin(), Keywords.end());
  std::string Key = std::to_string(Positional) + (Open ? "*" : "");
  for (const std::string &K : Keywords)
    Key += "," + K;
  // Parameters after `self`: passed by position, by keyword, or left at their default.
  KwargsOpen = Open;
  PassedKeywords = Keywords;
  for (size_t I = 1; I < Def->Params.size(); ++I) {
    const parse::py::Param &P = Def->Params[I];
    if (P.IsDoubleStar) {
      KwargsName = P.Name;
      continue;
    }
    if (P.IsStar || Open || I - 1 < Positional || llvm::is_contained(Keywords, P.Name) ||
        !P.Default || P.Default->Kind != ExprKind::Constant)
      continue;
    if (P.Default->Id == "None" || P.Default->Id == "False")
      Falsy[P.Name] = P.Default->Id == "None";
  }
  return Key;
}

int Interp::falsyExpr(const Expr *E) const {
  if (!E)
    return 0;
  if (E->Kind == ExprKind::Name) {
    auto It = Falsy.find(E->Id);
    return It == Falsy.end() ? 0 : It->second ? 2 : 1;
  }
  if (KwargsName.empty() || KwargsOpen)
    return 0;
  auto Absent = [&](const Expr *K) {
    return K && K->Kind == ExprKind::String && !llvm::is_contained(PassedKeywords, K->Id);
  };
  // kwargs.get('k') / kwargs.pop('k', None) / kwargs.get('k', False)
  if (E->Kind == ExprKind::Call && E->Object && E->Object->Kind == ExprKind::Attribute &&
      (E->Object->Id == "get" || E->Object->Id == "pop") && E->Object->Object->isName(KwargsName) &&
      !E->Args.empty() && E->Args.size() <= 2 && E->Keywords.empty() && Absent(E->Args[0])) {
    if (E->Args.size() == 1)
      return E->Object->Id == "get" ? 2 : 0; // pop('k') without a default raises
    const Expr *D = E->Args[1];
    if (D->Kind == ExprKind::Constant && (D->Id == "None" || D->Id == "False"))
      return D->Id == "None" ? 2 : 1;
    return 0;
  }
  // 'k' in kwargs
  if (E->Kind == ExprKind::Other && E->Op == "in" && E->Args.size() == 2 &&
      E->Args[1]->isName(KwargsName) && Absent(E->Args[0]))
    return 1;
  return 0;
}

ValueRef Interp::superCall(const Expr *E) {
  const Expr *F = E->Object;
  std::vector<ValueRef> Args;
  for (const Expr *A : E->Args)
    Args.push_back(eval(A));
  ValueRef SelfV;
  if (Fn && !Fn->Params.empty())
    if (auto SelfIt = Env.find(Fn->Params[0].Name); SelfIt != Env.end()) {
      SelfV = SelfIt->second;
      lose(SelfIt->second); // the parent's method may read anything on it
    }
  // A view's super().get_queryset() / super().filter_queryset(qs) / super()._helper()
  // written in a project class further along the view's MRO: what it returns.
  if (F->Id != "get_context_data" && CbvClass && Fn && SelfV && !AnchorSuper)
    if (ValueRef R = parentMethodCall(F->Id, SelfV, Args))
      return R;
  // DRF's filter_queryset() runs the filter backends: the same rows, filtered.
  if (F->Id == "filter_queryset" && !Args.empty() && Args[0]->is(ValueKind::QuerySet))
    return Args[0];
  if (F->Id == "get_context_data" && CbvContext) {
    if (E->Keywords.empty())
      return CbvContext;
    // super().get_context_data(**context, k=v): Django's ContextMixin returns the
    // keyword arguments in the context.
    auto Ctx = copy(CbvContext);
    for (const py::Keyword &K : E->Keywords) {
      ValueRef V = eval(K.Value);
      if (!K.Name.empty())
        Ctx->Entries.push_back({K.Name, V});
      else if (V->is(ValueKind::Dict))
        Ctx->Entries.insert(Ctx->Entries.end(), V->Entries.begin(), V->Entries.end());
      consume(K.Value, V);
    }
    return Ctx;
  }
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

ValueRef Interp::parentMethodCall(llvm::StringRef Name, const ValueRef &Self,
                                  llvm::ArrayRef<ValueRef> Args) {
  // Python's super() in a mixin reaches the next class of the instance's MRO, often a
  // sibling base (`class V(FilterMixin, BaseViewSet)`), not the mixin's own bases.
  std::vector<index::ClassRef> Order = S.P.mro(CbvClass);
  auto Defines = [&](const index::ClassRef &C) {
    return llvm::any_of(C.Def->Body, [&](const Stmt *St) { return St == Fn; });
  };
  auto It = llvm::find_if(Order, Defines);
  if (It == Order.end())
    return nullptr;
  for (++It; It != Order.end(); ++It)
    for (const Stmt *Def : It->Def->Body) {
      if (Def->Kind != StmtKind::Function || Def->Name != Name)
        continue;
      if (index::isFrameworkModule(It->Module->Name) || S.InProgress.count(Def) ||
          S.InProgress.size() > limits::CallDepth)
        return nullptr;
      S.InProgress.insert(Def);
      Interp Next(S, *It->Module, Def, Report);
      Next.ActiveLoops = ActiveLoops;
      Next.CondLoops = CondLoops;
      Next.BranchLoops = BranchLoops;
      Next.CbvClass = CbvClass;
      Next.CbvQuerySet = CbvQuerySet;
      Next.CbvContext = CbvContext;
      Next.ReturnEscapes = ReturnEscapes;
      Next.StrictSuper = StrictSuper;
      for (size_t I = 1, A = 0; I < Def->Params.size() && A < Args.size(); ++I, ++A) {
        if (Def->Params[I].IsStar || Def->Params[I].IsDoubleStar)
          break;
        Next.bind(Def->Params[I].Name, Args[A]);
      }
      ValueRef R = Next.runMethod(Def, Self);
      S.InProgress.erase(Def);
      if (R->is(ValueKind::QuerySet))
        return R;
      // A parent we cannot follow (`qs = policy.scope_queryset(self, qs)`) is taken like
      // the framework's own (the class queryset), except in a template view, whose
      // project method is not the `model` default.
      return StrictSuper ? Value::unknown() : nullptr;
    }
  return nullptr;
}

ValueRef Interp::attributeCall(const Expr *E) {
  const Expr *F = E->Object;
  if (ValueRef R = renderCall(E))
    return R;
  ValueRef Recv = eval(F->Object);
  if (Recv->is(ValueKind::Dict) && F->Id == "update" && F->Object->Kind == ExprKind::Name) {
    auto D = copy(Recv);
    consume(F->Object, Recv);
    for (const Expr *A : E->Args)
      if (ValueRef Other = eval(A); Other->is(ValueKind::Dict)) {
        D->Entries.insert(D->Entries.end(), Other->Entries.begin(), Other->Entries.end());
        consume(A, Other);
      }
    for (const py::Keyword &K : E->Keywords) {
      ValueRef V = eval(K.Value);
      D->Entries.push_back({K.Name, V});
      if (!K.Name.empty())
        consume(K.Value, V);
    }
    Env[F->Object->Id] = D;
    return Value::unknown();
  }
  if (Recv->is(ValueKind::TemplateRef) && F->Id == "render") {
    const Expr *CtxE = E->Args.empty() ? nullptr : E->Args[0];
    ValueRef Ctx = CtxE ? eval(CtxE) : Value::unknown();
    if (const Expr *C = E->keyword("context"))
      Ctx = eval(CtxE = C);
    if (renderTemplate(Recv->TemplateName, Ctx) && CtxE)
      consume(CtxE, Ctx);
    return Value::unknown();
  }
  // A class-based view's own method given our queryset (`qs = self.filter_queryset(qs)`):
  // run it with `self` and the arguments bound.
  if (CbvClass && Recv->is(ValueKind::Dict) && F->Object->Kind == ExprKind::Name && Fn &&
      !Fn->Params.empty() && F->Object->Id == Fn->Params[0].Name) {
    // `self.get_queryset()` in another method of the view: the rows the view resolved.
    if (F->Id == "get_queryset" && CbvQuerySet && Fn->Name != "get_queryset" && E->Args.empty() &&
        E->Keywords.empty())
      return CbvQuerySet;
    index::ClassRef Owner;
    const Stmt *Def = S.P.findMethod(CbvClass, F->Id, &Owner);
    if (Def && !Owner.Module->Builtin && !index::isFrameworkModule(Owner.Module->Name)) {
      std::vector<ValueRef> Args, KwArgs;
      for (const Expr *A : E->Args)
        Args.push_back(eval(A));
      for (const py::Keyword &K : E->Keywords)
        KwArgs.push_back(eval(K.Value));
      // A @staticmethod called through `self` takes no `self`.
      bool Static =
          llvm::any_of(Def->Decorators, [](const Expr *D) { return D->isName("staticmethod"); });
      if (ValueRef R = callBound({Def, Owner.Module, Owner.QualName + "." + F->Id}, E, Args, KwArgs,
                                 Static ? nullptr : Recv))
        return R;
      for (auto &A : Args)
        escape(A);
      return Value::unknown();
    }
    // DRF's own filter_queryset() runs the filter backends: the same rows, filtered.
    if (F->Id == "filter_queryset" && E->Args.size() == 1 && E->Keywords.empty()) {
      ValueRef QS = eval(E->Args[0]);
      if (QS->is(ValueKind::QuerySet))
        return QS;
      escape(QS);
      return Value::unknown();
    }
  }
  if (Recv->is(ValueKind::Unknown))
    if (std::string Q = moduleQualified(F); !Q.empty()) {
      // helpers.recent_orders(), apps.get_model(...), models.Order(...)
      std::vector<ValueRef> Args, KwArgs;
      for (const Expr *A : E->Args)
        Args.push_back(eval(A));
      for (const py::Keyword &K : E->Keywords)
        KwArgs.push_back(eval(K.Value));
      return callNamed(E, Q, Args, KwArgs);
    }
  return callMethod(Recv, E);
}

ValueRef Interp::evalCall(const Expr *E) {
  const Expr *F = E->Object;
  if (F->Kind == ExprKind::Attribute) {
    // super().get_queryset() inside a manager: the plain manager's queryset.
    if (F->Object->Kind == ExprKind::Call && F->Object->Object->isName("super"))
      return superCall(E);
    return attributeCall(E);
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
  // `from .domain import send_mails` inside the function (an import kept local to break
  // a cycle): the project function it names, as if imported at the top.
  if (auto It = LocalImports.find(Name);
      It != LocalImports.end() && Env.lookup(Name) == It->second.second)
    return callNamed(E, It->second.first, Args, KwArgs);
  if (Env.count(Name)) { // a local callable: unknown
    for (auto &A : Args)
      escape(A);
    return Value::unknown();
  }
  if (isIterConsumer(Name) && !Args.empty()) {
    const ValueRef &A = Args[0];
    // These read no attribute of the rows; sorted(key=...) and the rest may.
    bool Plain = Name == "list" || Name == "tuple" || Name == "reversed" || Name == "len" ||
                 Name == "bool" || (Name == "sorted" && E->Keywords.empty());
    if (A->is(ValueKind::QuerySet) && Plain && Args.size() == 1)
      consume(E->Args[0], A);
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
    if (!Args.empty() && Args[0]->is(ValueKind::Dict)) {
      D->Entries = Args[0]->Entries;
      consume(E->Args[0], Args[0]);
    }
    for (size_t I = 0; I < E->Keywords.size(); ++I) {
      D->Entries.push_back({E->Keywords[I].Name, KwArgs[I]});
      if (!E->Keywords[I].Name.empty())
        consume(E->Keywords[I].Value, KwArgs[I]);
    }
    return D;
  }
  if ((Name == "str" || Name == "print" || Name == "format") && !Env.count(Name)) {
    for (size_t I = 0; I < Args.size(); ++I) {
      strOf(Args[I], E->Args[I]->Where);
      if (Args[I]->is(ValueKind::Instance))
        consume(E->Args[I], Args[I]);
    }
    return Value::unknown();
  }
  if (Name == "enumerate" && !Args.empty()) {
    if (Args[0]->is(ValueKind::QuerySet) && Args.size() == 1)
      consume(E->Args[0], Args[0]);
    auto V = make(ValueKind::Enumerate);
    V->Elements.push_back(Args[0]);
    return V;
  }
  return callNamed(E, S.P.resolveName(M, Name), Args, KwArgs);
}

ValueRef Interp::callNamed(const Expr *E, const std::string &Q, llvm::ArrayRef<ValueRef> Args,
                           llvm::ArrayRef<ValueRef> KwArgs) {
  // A model loader: get_user_model(), apps.get_model('app', 'Model'), get_class(...).
  if (const Model *Loaded = S.G.loadedModel(S.P, M, E))
    return make(ValueKind::ModelClass, Loaded);
  llvm::StringRef Last = llvm::StringRef(Q).rsplit('.').second;
  index::CallRole Role = index::frameworkCall(Q);
  if (index::ClassRef C = Role == index::CallRole::None ? S.P.classNamed(Q) : index::ClassRef{})
    Role = index::inheritedCall([&](llvm::StringRef Base) { return S.P.derivesFrom(C, Base); });
  // Paginator(qs, n): its pages are slices of the same rows (`.page()`, `.get_page()`,
  // `.object_list`, iterating a page).
  if (Role == index::CallRole::Paginator && !Args.empty() && Args[0]->is(ValueKind::QuerySet))
    return Args[0];
  if (Role == index::CallRole::PrefetchObjects && !E->Args.empty()) {
    prefetchObjects(E);
    return Value::unknown();
  }
  if (Role == index::CallRole::GetObjectOr404 && !Args.empty()) {
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
    if (A->Model &&
        (A->is(ValueKind::ModelClass) || A->is(ValueKind::QuerySet) || A->is(ValueKind::Manager)))
      return make(ValueKind::Instance, A->Model);
    return Value::unknown();
  }
  if (Last == "Prefetch" && index::isDjangoModule(Q)) {
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
  // A function of the project: its returned queryset, created over there. Given rows or
  // querysets of ours, it runs with them bound: what it reads per row is read here.
  if (index::FunctionRef FR = S.P.functionNamed(Q)) {
    ValueRef Bound = callBound(FR, E, Args, KwArgs);
    for (auto &A : Args)
      escape(A);
    for (auto &A : KwArgs)
      escape(A);
    return Bound ? Bound : summarize(FR.Def, *FR.Module, nullptr);
  }
  if (const Model *Mo = S.G.modelNamed(S.P, Q))
    return make(ValueKind::Instance, Mo); // Order(...): a new, unsaved object
  if (index::ClassRef C = S.P.classNamed(Q);
      C && !Args.empty() && Args[0]->is(ValueKind::QuerySet) && isTable(C)) {
    renderTableRows(C, Args[0], E->Where, text(E->Args[0]->Where),
                    "rendered by the table `" + C.Def->Name + "` here (django-tables2)");
    consume(E->Args[0], Args[0]);
    return Value::unknown();
  }
  if (index::ClassRef C = S.P.classNamed(Q); C && isSerializer(C) && !Args.empty()) {
    const Expr *ManyE = E->keyword("many");
    bool Many = ManyE && ManyE->Kind == ExprKind::Constant && ManyE->Id == "True";
    if (Many && Args[0]->is(ValueKind::QuerySet)) {
      serializeRows(C, Args[0], E->Where, text(E->Args[0]->Where),
                    "serialized with `" + C.Def->Name + "(..., many=True)` here");
      consume(E->Args[0], Args[0]);
    } else if (!Many && Args[0]->is(ValueKind::Instance) && Args[0]->Row) {
      walkSerializer(C, Args[0], 0);
      consume(E->Args[0], Args[0]);
    }
    return Value::unknown();
  }
  for (auto &A : Args)
    escape(A);
  for (auto &A : KwArgs)
    escape(A);
  return Value::unknown();
}

/// True for the values whose rows a callee may read: querysets, managers, rows, and one
/// object of a model (`send_mails(submission)` loops over `submission.answers.all()`: one
/// query per answer whatever else the caller does, unless the object's queryset loaded it).
static bool carriesRows(const ValueRef &V) {
  return V->is(ValueKind::QuerySet) || V->is(ValueKind::Manager) ||
         V->is(ValueKind::RelatedManager) || (V->is(ValueKind::Instance) && (V->Row || V->Model));
}

/// True when a class-based view's `self` holds what its methods build rows from: the
/// view's queryset or the object of a detail view (`self.object.requests.all()`).
static bool viewCarriesRows(const ValueRef &Self) {
  return Self && Self->is(ValueKind::Dict) && llvm::any_of(Self->Entries, [](const auto &E) {
           return E.second->is(ValueKind::QuerySet) || E.second->is(ValueKind::Instance);
         });
}

ValueRef Interp::callBound(const index::FunctionRef &FR, const Expr *Call,
                           llvm::ArrayRef<ValueRef> Args, llvm::ArrayRef<ValueRef> KwArgs,
                           ValueRef Self) {
  const Stmt *Def = FR.Def;
  if (!llvm::any_of(Args, carriesRows) && !llvm::any_of(KwArgs, carriesRows) &&
      !viewCarriesRows(Self))
    return nullptr;
  if (S.InProgress.count(Def) || S.InProgress.size() > limits::CallDepth)
    return nullptr;
  Interp Sub(S, *FR.Module, Def, Report);
  Sub.ActiveLoops = ActiveLoops; // the caller's loops are running during the call
  Sub.CondLoops = CondLoops;
  Sub.BranchLoops = BranchLoops;
  Sub.Collect = Collect;
  Sub.CbvClass = CbvClass;
  Sub.CbvContext = CbvContext;
  Sub.ReturnEscapes = ReturnEscapes;
  Sub.CallFile = CallFile ? CallFile : File;
  Sub.CallWhere = CallFile ? CallWhere : Call->Object->Where;
  Sub.CallName = CallFile ? CallName : Call->Object->dotted();
  size_t Positional = 0;
  bool First = true;
  for (const py::Param &Par : Def->Params) {
    if (Par.IsStar || Par.IsDoubleStar)
      break;
    if (First && Self) {
      Sub.bind(Par.Name, Self);
    } else if (Positional < Args.size()) {
      Sub.bind(Par.Name, Args[Positional++]);
    }
    First = false;
  }
  for (size_t I = 0; I < Call->Keywords.size() && I < KwArgs.size(); ++I)
    for (const py::Param &Par : Def->Params)
      if (!Call->Keywords[I].Name.empty() && Par.Name == Call->Keywords[I].Name && !Par.IsStar &&
          !Par.IsDoubleStar)
        Sub.bind(Par.Name, KwArgs[I]);
  S.InProgress.insert(Def);
  ValueRef R = Sub.run(Def->Body);
  S.InProgress.erase(Def);
  return R;
}

ValueRef Interp::callFromTemplate(const TemplateCallable &C, llvm::ArrayRef<ValueRef> Args,
                                  Range Where, llvm::StringRef Name) {
  const Stmt *Def = C.Fn.Def;
  if (!llvm::any_of(Args, carriesRows))
    return nullptr;
  if (S.InProgress.count(Def) || S.InProgress.size() > limits::CallDepth)
    return nullptr;
  S.P.module(C.Fn.Module->Name); // the incremental cache keys this walk by that module too
  Interp Sub(S, *C.Fn.Module, Def, Report);
  Sub.ActiveLoops = ActiveLoops; // the template's loops are running during the call
  Sub.CondLoops = CondLoops;
  Sub.BranchLoops = BranchLoops;
  Sub.Collect = Collect;
  Sub.CallFile = CallFile ? CallFile : EvFile;
  Sub.CallWhere = CallFile ? CallWhere : Where;
  Sub.CallName = CallFile ? CallName : Name.str();
  bool SkipContext = C.TakesContext; // the context is no value of ours
  size_t At = 0;
  for (const py::Param &Par : Def->Params) {
    if (Par.IsStar || Par.IsDoubleStar)
      break;
    if (SkipContext) {
      SkipContext = false;
      continue;
    }
    if (At < Args.size())
      Sub.bind(Par.Name, Args[At++]);
  }
  S.InProgress.insert(Def);
  ValueRef R = Sub.run(Def->Body);
  S.InProgress.erase(Def);
  return R;
}

ValueRef Interp::runMethod(const Stmt *Def, ValueRef Self) {
  if (!Def->Params.empty())
    bind(Def->Params[0].Name, Self);
  return run(Def->Body);
}

void Interp::markWrites(bool EveryPassHere) {
  if (Collect) {
    Event E;
    E.Kind = EventKind::Writes;
    // A method summary: does the method write whenever it runs?
    E.EveryPass = EveryPassHere && SelfLoop && !CondLoops.count(SelfLoop);
    Collect->push_back(std::move(E));
  }
  for (unsigned Id : ActiveLoops)
    if (auto L = S.Loops.find(Id); L != S.Loops.end()) {
      L->second->Writes = true;
      L->second->WritesEveryPass |= EveryPassHere && !CondLoops.count(Id);
    }
}

ValueRef Interp::callMethod(const ValueRef &Recv, const Expr *E) {
  llvm::StringRef Name = E->Object->Id;
  // Writes: save/delete/update/create... whatever the receiver (an object we could not
  // type is still a model more often than not); add/remove/clear/set only on related managers
  // (a Python set's add() is not a write).
  unsigned Flags = index::modelMethodFlags(Name);
  if (!ActiveLoops.empty() && (Flags & index::mm::Writes) &&
      (!(Flags & index::mm::RelatedOnly) || Recv->is(ValueKind::RelatedManager)))
    markWrites(/*EveryPassHere=*/(Flags & index::mm::AlwaysWrites) != 0);
  if (Flags & (index::mm::RowWrite | index::mm::QuerySetWrite))
    writePerRow(Recv, E); // NP201: one write per row (LoopShapes.cpp)
  std::vector<ValueRef> Args;
  for (const Expr *A : E->Args)
    Args.push_back(eval(A));
  for (const py::Keyword &K : E->Keywords)
    eval(K.Value);
  const Expr *RecvE = E->Object->Object;
  switch (Recv->Kind) {
  case ValueKind::Manager:
  case ValueKind::QuerySet: {
    bool OnManager = Recv->is(ValueKind::Manager);
    ValueRef Q = OnManager ? managerQuerySet(Recv) : Recv;
    // A manager's union()/intersection()/difference() is followed as a custom method.
    index::QueryMethodKind Kind = index::queryMethodKind(Name);
    bool Known = Name == "get_queryset" ||
                 (Kind != index::QueryMethodKind::Unknown && Kind != index::QueryMethodKind::SetOp);
    ValueRef R =
        !OnManager || Known ? queryMethod(Q, E, Args, OnManager) : customMethod(Recv, Q, E);
    // Understood: a queryset of the same rows comes back, or a scalar that reads no row.
    bool SameRows = R->is(ValueKind::QuerySet) && R->Src == Recv->Src && !R->ValuesMode;
    bool Scalar = Kind == index::QueryMethodKind::Scalar &&
                  !index::queryMethodOf(Name).has(index::qm::ReturnsRows);
    if (SameRows || Scalar)
      consume(RecvE, Recv);
    return R;
  }
  case ValueKind::RelatedManager:
    return relatedMethod(Recv, E, Args);
  case ValueKind::Instance: {
    // A model method called on a row: what it reads on self is read here.
    index::ClassRef Owner;
    if (const Stmt *Def = modelMethod(Recv->Model, Name, Owner)) {
      // One object (not a loop row): the queryset or object the method returns, built from
      // `self` over there (`project.updates_desc()`), is ours to follow.
      ValueRef Returned;
      if (!Recv->Row && !Def->Params.empty())
        Returned = summarize(Def, *Owner.Module, Recv);
      std::vector<Event> &Out = Collect ? *Collect : S.Events;
      size_t Before = Out.size();
      replayMethod(Recv, Def, Owner, E->Object->IdWhere, E->Where, E);
      if (Flags & index::mm::RowWrite) // `row.save()`: what save() reads, it reads to write
        for (size_t I = Before; I < Out.size(); ++I)
          Out[I].InWrite = true;
      consume(RecvE, Recv);
      for (auto &A : Args)
        escape(A);
      if (Returned && (Returned->is(ValueKind::QuerySet) || Returned->is(ValueKind::Instance)))
        return Returned;
      return Value::unknown();
    } else if (isHarmlessRowMethod(Name)) {
      consume(RecvE, Recv);
    }
    for (auto &A : Args)
      escape(A);
    return Value::unknown();
  }
  default:
    for (auto &A : Args)
      escape(A);
    return Value::unknown();
  }
}

} // namespace detail
} // namespace nplus1::flow
