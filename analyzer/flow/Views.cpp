// Class-based views, DRF list views and admin changelists: where each takes its queryset,
// and what it does with every row (a template, a serializer, list_display columns).
#include "AnalysisLimits.h"
#include "flow/Interp.h"
#include "flow/Walk.h"

namespace nplus1::flow::detail {

/// A method the project defines on \p C or its bases — not one of Django's or DRF's own
/// (a vendored copy of a framework inside the project root is not an override).
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner) {
  const Stmt *Def = P.findMethod(C, Name, &Owner);
  if (!Def)
    return nullptr;
  llvm::StringRef Mod = Owner.Module->Name;
  if (index::isFrameworkModule(Mod))
    return nullptr;
  return Def;
}

/// True when \p E (or an expression inside it) calls `super().<Name>(...)` /
/// `super(Cls, self).<Name>(...)`.
bool exprCallsSuper(const Expr *E, llvm::StringRef Name, unsigned Depth = 0) {
  if (!E || Depth > limits::SuperCallNesting)
    return false;
  if (E->Kind == ExprKind::Call && E->Object->Kind == ExprKind::Attribute &&
      E->Object->Id == Name && E->Object->Object->Kind == ExprKind::Call &&
      E->Object->Object->Object->isName("super"))
    return true;
  for (const Expr *Sub : {E->Object, E->Index, E->Elt, E->EltValue})
    if (exprCallsSuper(Sub, Name, Depth + 1))
      return true;
  for (const auto *List : {&E->Args, &E->Values})
    for (const Expr *A : *List)
      if (exprCallsSuper(A, Name, Depth + 1))
        return true;
  for (const py::Keyword &K : E->Keywords)
    if (exprCallsSuper(K.Value, Name, Depth + 1))
      return true;
  return false;
}

/// True when the body of \p Def calls the parent's method \p Name.
bool callsSuper(const Stmt *Def, llvm::StringRef Name) {
  std::vector<const Stmt *> Work(Def->Body.begin(), Def->Body.end());
  for (size_t I = 0; I < Work.size() && I < limits::SuperCallStatements; ++I) {
    const Stmt *St = Work[I];
    if (exprCallsSuper(St->Value, Name))
      return true;
    for (const Expr *E : St->Items)
      if (exprCallsSuper(E, Name))
        return true;
    for (const Expr *E : St->Targets)
      if (exprCallsSuper(E, Name))
        return true;
    for (auto *B : {&St->Body, &St->OrElse, &St->Finally})
      Work.insert(Work.end(), B->begin(), B->end());
    for (const auto &H : St->Handlers)
      Work.insert(Work.end(), H.begin(), H.end());
  }
  return false;
}

/// True when \p Def serializes through the view: it calls `self.get_serializer(...)`, reads
/// `get_serializer_class` / `serializer_class`, or calls the parent's \p Action. A project
/// action that does none of these (`return Response({})`, a rendered page) never runs the
/// view's serializer.
bool actionSerializes(const Stmt *Def, llvm::StringRef Action) {
  if (callsSuper(Def, Action))
    return true;
  bool Found = false;
  auto OnStmt = [](const Stmt *) {};
  auto OnExpr = [&](const Expr *E) {
    if (E->Kind == ExprKind::Attribute &&
        (E->Id == "get_serializer" || E->Id == "get_serializer_class" ||
         E->Id == "serializer_class"))
      Found = true;
  };
  walkBody(Def->Body, OnStmt, OnExpr);
  return Found;
}

/// The generic view a class derives from, by Django's class name ("ListView"), or "". A
/// view composed of Django's mixins counts as the generic view they make up: a template
/// response mixin with SingleObjectMixin is a DetailView, with MultipleObjectMixin a ListView.
std::string genericViewKind(const index::Project &P, const index::ClassRef &C) {
  auto Derives = [&](index::BaseRole Role, llvm::StringRef Label) {
    return llvm::any_of(index::frameworkBases(), [&](const index::BaseClass &B) {
      return B.Role == Role && B.Label == Label && P.derivesFrom(C, B.QualName);
    });
  };
  for (const index::BaseClass &B : index::frameworkBases())
    if (B.Role == index::BaseRole::GenericView && P.derivesFrom(C, B.QualName))
      return B.Label.str();
  if (!Derives(index::BaseRole::ViewMixin, "template"))
    return "";
  for (llvm::StringRef Kind : {"ListView", "DetailView"})
    if (Derives(index::BaseRole::ViewMixin, Kind))
      return Kind.str();
  return "";
}

/// True when the view also has a retrieve action (one object, serialized alone).
bool hasRetrieve(const index::Project &P, const index::ClassRef &C) {
  for (const index::BaseClass &B : index::frameworkBases())
    if (B.Role == index::BaseRole::RetrieveAction && P.derivesFrom(C, B.QualName))
      return true;
  return false;
}

/// The serializer classes a DRF view uses: `serializer_class`, and every serializer
/// `get_serializer_class()` returns.
std::vector<index::ClassRef> viewSerializers(const index::Project &P, const index::ClassRef &C) {
  std::vector<index::ClassRef> Out;
  std::vector<index::ClassRef> Chain{C};
  for (size_t I = 0; I < Chain.size() && I < limits::SerializerClassChain; ++I) {
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

/// A class attribute of \p C or of the first project base (in method resolution order,
/// breadth first) that sets it; \p Owner is the class that writes it.
const Expr *inheritedAttr(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner) {
  std::vector<index::ClassRef> Chain{C};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I) {
    if (const Expr *E = classAttr(Chain[I].Def, Name)) {
      Owner = Chain[I];
      return E;
    }
    for (const index::ClassRef &B : P.bases(Chain[I]))
      Chain.push_back(B);
  }
  return nullptr;
}

std::string lowerName(llvm::StringRef S) { return S.lower(); }

/// `self.model.objects.all()` in a base view's get_queryset() (inherited, or reached
/// through super()): every view that inherits it runs that line, for its own model; an edit
/// there would load the relation for all of them (a FieldError on the others). Returns a
/// copy of \p R's origin that offers no fix and says where to load instead, or null.
static std::shared_ptr<Origin> sharedBaseOrigin(const index::Project &P, const index::ClassRef &C,
                                                const Value &R) {
  if (!R.Src || !R.Src->File || !R.Src->File->slice(R.Src->Chain).starts_with("self."))
    return nullptr;
  for (const index::ClassRef &B : P.mro(C)) {
    if (B.Def == C.Def || R.Src->File != &B.Module->Ast->file() ||
        llvm::none_of(B.Def->Body, [&](const Stmt *M) {
          return M->Kind == StmtKind::Function && M->Where.contains(R.Src->Chain);
        }))
      continue;
    auto O = std::make_shared<Origin>(*R.Src);
    O->Fixable = false;
    O->NoFixWhy = "the queryset is built by " + B.Def->Name +
                  ".get_queryset(), which other views inherit; override get_queryset() in " +
                  C.Def->Name + " (or extend its own) to load it there";
    return O;
  }
  return nullptr;
}

ViewRows viewRows(ModuleState &S, const index::ClassRef &C, bool StrictSuper) {
  ViewRows Out;
  const Stmt *Def = C.Def;
  // Where the queryset comes from decides which function "owns" the fix.
  index::ClassRef Owner;
  const Stmt *GetQS = projectMethod(S.P, C, "get_queryset", Owner);
  const Stmt *OriginFn = GetQS ? GetQS : Def;
  Out.W = std::make_unique<Interp>(S, *(GetQS ? Owner.Module : C.Module), OriginFn,
                                   /*Report=*/true);
  Interp &W = *Out.W;
  W.CbvClass = C;
  W.ReturnEscapes = false;
  W.StrictSuper = StrictSuper;
  ValueRef QS = Value::unknown();
  const index::Model *Model = nullptr;
  // `queryset` and `model` may come from a mixin or base view in another module: each is
  // evaluated where it is written.
  index::ClassRef QSOwner, ModelOwner;
  const Expr *QSAttr = inheritedAttr(S.P, C, "queryset", QSOwner);
  const Expr *ModelAttr = inheritedAttr(S.P, C, "model", ModelOwner);
  auto EvalIn = [&](const index::ClassRef &At, const Expr *E) {
    if (At.Module == &W.module())
      return W.evalExpr(E);
    Interp A(S, *At.Module, At.Def, /*Report=*/true);
    A.ReturnEscapes = false;
    return A.evalExpr(E);
  };
  if (QSAttr)
    QS = EvalIn(QSOwner, QSAttr);
  if (ModelAttr) {
    ValueRef MV = EvalIn(ModelOwner, ModelAttr);
    if (MV->is(ValueKind::ModelClass))
      Model = MV->Model;
  }
  if (!QS->is(ValueKind::QuerySet) && Model) {
    // `model = Order`: Django runs Order._default_manager.all(); nothing to edit in place.
    auto V = std::make_shared<Value>();
    V->Kind = ValueKind::QuerySet;
    V->Model = Model;
    auto O = std::make_shared<Origin>();
    O->File = &ModelOwner.Module->Ast->file();
    const Expr *ModelE = ModelAttr;
    O->Chain = ModelE->Where;
    O->Function = OriginFn;
    O->Label =
        "`model = " + O->File->slice(ModelE->Where).str() + "` (all rows of " + Model->Name + ")";
    // A new class attribute on the line after `model = ...`, indented like it.
    const SourceFile &F = *O->File;
    parse::LineCol LC = F.lineCol(ModelE->Where.Begin);
    llvm::StringRef Line = F.line(LC.Line);
    std::string Indent = Line.take_while([](char Ch) { return Ch == ' ' || Ch == '\t'; }).str();
    O->InsertAt = F.lineStart(LC.Line) + Line.size();
    O->InsertPrefix = "\n" + Indent + "queryset = " + F.slice(ModelE->Where).str() + ".objects";
    O->Fixable = !GetQS && ModelOwner.Def == Def;
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
      if (std::shared_ptr<Origin> O = sharedBaseOrigin(S.P, C, *R)) {
        auto Q = std::make_shared<Value>(*R);
        Q->Src = O;
        QS = Q;
      }
    } else {
      // get_queryset() returns what we cannot follow: the rows are not `model = X`'s
      // default queryset (whatever it loads is unknown), so nothing is said about them.
      QS = Value::unknown();
    }
  }
  Out.QS = QS;
  Out.Model = Model;
  Out.Self = Self;
  return Out;
}

/// The rows DRF's list action serializes: `self.filter_queryset(self.get_queryset())`. A
/// project filter_queryset() runs with \p QS bound to its parameter; what it returns (it
/// may rebuild the rows and ignore its argument) is what the view serializes. When what it
/// returns cannot be followed, it is taken like DRF's own: \p QS, filtered.
ValueRef filteredRows(ModuleState &S, const index::ClassRef &C, const ValueRef &QS,
                      const std::shared_ptr<Value> &Self) {
  index::ClassRef Owner;
  const Stmt *FQ = projectMethod(S.P, C, "filter_queryset", Owner);
  if (!FQ || FQ->Params.size() < 2)
    return QS;
  Interp W(S, *Owner.Module, FQ, /*Report=*/true);
  W.CbvClass = C;
  W.ReturnEscapes = false;
  W.bind(FQ->Params[1].Name, QS);
  ValueRef R = W.runMethod(FQ, Self);
  return R->is(ValueKind::QuerySet) ? R : QS;
}

namespace {

/// A DRF view or viewset of kind \p Kind (`api`, `api-retrieve`): the rows its list action
/// serializes, the object its retrieve action serializes, and a project `list()` of its own.
void analyzeApiView(ModuleState &S, const index::ClassRef &C, const std::string &Kind,
                    ViewRows &Rows) {
  Interp &W = *Rows.W;
  ValueRef QS = Rows.QS;
  std::shared_ptr<Value> Self = Rows.Self;
  if (!QS->is(ValueKind::QuerySet))
    return;
  QS = filteredRows(S, C, QS, Self);
  // A project `list()` that never calls DRF's may not serialize the rows at all (it may
  // render a table, or one object): only DRF's own list action is known to.
  index::ClassRef ListOwner;
  const Stmt *List = projectMethod(S.P, C, "list", ListOwner);
  bool ListSerializes = !List || callsSuper(List, "list");
  // The same for a project `retrieve()`: a UI viewset's may answer with a rendered page.
  index::ClassRef RetrieveOwner;
  const Stmt *Retrieve = projectMethod(S.P, C, "retrieve", RetrieveOwner);
  bool RetrieveSerializes = !Retrieve || actionSerializes(Retrieve, "retrieve");
  // A project `list()` of its own (`rows = self.get_queryset()` and a serializer of its
  // choosing): run with the view's `self`, so its own queryset methods are followed.
  if (Kind == "api" && List && !ListSerializes && List->Params.size() >= 2) {
    Interp L(S, *ListOwner.Module, List, /*Report=*/true);
    L.CbvClass = C;
    L.CbvQuerySet = QS;
    L.bindParameters(List);
    L.runMethod(List, Self);
  }
  for (const index::ClassRef &Ser : viewSerializers(S.P, C)) {
    Range Header = C.Def->NameWhere;
    if (Kind == "api" && ListSerializes)
      W.serializeRows(Ser, QS, Header, "queryset",
                      "the view `" + C.Def->Name + "` serializes every row of its queryset with `" +
                          Ser.Def->Name + "` (list action)",
                      /*SingleObject=*/false, &C.Module->Ast->file());
    if ((Kind == "api-retrieve" || hasRetrieve(S.P, C)) && RetrieveSerializes)
      W.serializeRows(Ser, QS, Header, "queryset",
                      "the view `" + C.Def->Name + "` serializes one object with `" +
                          Ser.Def->Name + "` (retrieve action); its nested lists are loops",
                      /*SingleObject=*/true, &C.Module->Ast->file());
  }
}

/// The context Django builds for view \p C before get_context_data(): `view`, and the
/// list view's rows or the detail view's object under their default and configured names.
std::shared_ptr<Value> defaultContext(ModuleState &S, const index::ClassRef &C,
                                      const ViewRows &Rows, bool IsList, bool IsDetail) {
  const ValueRef &QS = Rows.QS;
  const index::Model *Model = Rows.Model;
  const std::shared_ptr<Value> &Self = Rows.Self;
  auto Ctx = std::make_shared<Value>();
  Ctx->Kind = ValueKind::Dict;
  Ctx->Entries.push_back({"view", Self});
  std::string ObjectName;
  index::ClassRef AttrOwner; // a mixin's or base view's attribute counts too
  if (const Expr *N = inheritedAttr(S.P, C, "context_object_name", AttrOwner);
      N && N->Kind == ExprKind::String)
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
    // get() sets self.object before get_context_data() runs.
    if (!Self->entry("object"))
      Self->Entries.push_back({"object", Obj});
    if (!ObjectName.empty())
      Ctx->Entries.push_back({ObjectName, Obj});
  }
  return Ctx;
}

/// get_context_data() of the view and of the project classes it inherits from, in the
/// view's method resolution order, the farthest first: each one's
/// super().get_context_data() is what the one before gave, as Python's super() reaches the
/// next class of the instance's MRO (a mixin's reaches its sibling base). Returns the
/// context the template gets, \p Ctx when none returns a dict.
ValueRef runContextChain(ModuleState &S, const index::ClassRef &C, const ViewRows &Rows,
                         ValueRef Ctx) {
  const ValueRef &QS = Rows.QS;
  ValueRef Final = std::move(Ctx);
  std::vector<std::pair<const Stmt *, index::ClassRef>> Chain;
  for (const index::ClassRef &At : S.P.mro(C)) {
    if (Chain.size() >= limits::ClassChain)
      break;
    if (At.Module->Builtin || index::isFrameworkModule(At.Module->Name))
      continue; // a vendored copy of Django's own: what it adds is in the default context
    auto GCD = llvm::find_if(At.Def->Body, [](const Stmt *St) {
      return St->Kind == StmtKind::Function && St->Name == "get_context_data";
    });
    if (GCD == At.Def->Body.end())
      continue;
    Chain.push_back({*GCD, At});
    if (!callsSuper(*GCD, "get_context_data"))
      break;
  }
  for (auto It = Chain.rbegin(); It != Chain.rend(); ++It) {
    Interp CD(S, *It->second.Module, It->first, /*Report=*/true);
    CD.ReturnEscapes = false;
    CD.CbvClass = C; // `self.get_requests()`: the view's own methods, with its `self`
    CD.CbvContext = Final;
    CD.CbvQuerySet = QS->is(ValueKind::QuerySet) ? QS : nullptr;
    ValueRef R = CD.runMethod(It->first, Rows.Self);
    if (R->is(ValueKind::Dict))
      Final = R;
  }
  return Final;
}

/// True when a decorator of \p Def (a method of a class in \p M) makes it a context variable.
bool isContextVariable(const index::Project &P, const index::ModuleInfo &M, const Stmt *Def) {
  return llvm::any_of(Def->Decorators, [&](const Expr *D) {
    return index::frameworkCall(P.resolveExpr(M, D)) == index::CallRole::ContextVariable;
  });
}

/// The methods and properties of view \p C (and of its project bases) that a decorator
/// marks as context variables (django-context-decorator's `@context`): after
/// get_context_data(), each one's value, called when it is a method, joins \p Ctx under its
/// name unless the context has that name already (`setdefault`). The value is what the
/// view's own definition of the name gives, decorated or not.
ValueRef addContextVariables(ModuleState &S, const index::ClassRef &C, const ViewRows &Rows,
                             ValueRef Ctx) {
  if (!Ctx->is(ValueKind::Dict))
    return Ctx;
  std::shared_ptr<Value> Out;
  size_t Classes = 0;
  for (const index::ClassRef &At : S.P.mro(C)) {
    if (++Classes > limits::ClassChain)
      break;
    if (At.Module->Builtin || index::isFrameworkModule(At.Module->Name))
      continue;
    for (const Stmt *St : At.Def->Body) {
      if (St->Kind != StmtKind::Function || !isContextVariable(S.P, *At.Module, St) ||
          (Out ? Out : Ctx)->entry(St->Name))
        continue;
      index::ClassRef Owner;
      const Stmt *Def = S.P.findMethod(C, St->Name, &Owner);
      if (!Def || Def->Kind != StmtKind::Function || Def->Params.empty())
        continue;
      Interp M(S, *Owner.Module, Def, /*Report=*/true);
      M.ReturnEscapes = false;
      M.CbvClass = C;
      M.CbvQuerySet = Rows.QS->is(ValueKind::QuerySet) ? Rows.QS : nullptr;
      ValueRef V = M.runMethod(Def, Rows.Self);
      if (!Out)
        Out = std::make_shared<Value>(*Ctx);
      Out->Entries.push_back({St->Name, V});
    }
  }
  return Out ? Out : Ctx;
}

} // namespace

/// Follows a class-based view into its template: the view's queryset (class attribute,
/// `model`, or get_queryset()), its context names, get_context_data() additions, and the
/// template named by template_name or Django's default.
void analyzeView(ModuleState &S, const index::ClassRef &C) {
  std::string Kind = genericViewKind(S.P, C);
  bool Api = Kind == "api" || Kind == "api-retrieve";
  if (Kind.empty() || (!S.Templates && !Api))
    return;
  bool IsList = Kind == "ListView" || Kind == "ArchiveIndexView";
  bool IsDetail = Kind == "DetailView" || Kind == "UpdateView" || Kind == "DeleteView";
  ViewRows Rows = viewRows(S, C, /*StrictSuper=*/!Api);
  if (Api) {
    analyzeApiView(S, C, Kind, Rows);
    return;
  }
  ValueRef Final = runContextChain(S, C, Rows, defaultContext(S, C, Rows, IsList, IsDetail));
  Final = addContextVariables(S, C, Rows, std::move(Final));
  const index::Model *Model = Rows.Model;
  std::string Template;
  index::ClassRef AttrOwner; // a mixin's or base view's attribute counts too
  if (const Expr *TN = inheritedAttr(S.P, C, "template_name", AttrOwner);
      TN && TN->Kind == ExprKind::String)
    Template = TN->Id;
  else if (Model)
    Template = Model->AppLabel + "/" + lowerName(Model->Name) +
               (IsList     ? "_list.html"
                : IsDetail ? "_detail.html"
                           : "_form.html");
  Rows.W->renderTemplate(Template, Final);
}

/// Admin classes registered for a model in \p M: `@admin.register(Model)` and
/// `admin.site.register(Model, Admin)`.
std::vector<std::pair<index::ClassRef, const index::Model *>>
registeredAdmins(ModuleState &S, const index::ModuleInfo &M) {
  std::vector<std::pair<index::ClassRef, const index::Model *>> Out;
  auto ModelOf = [&](const Expr *E) -> const index::Model * {
    if (E->Kind == ExprKind::Call) // admin.site.register(get_model('app', 'Model'), ...)
      return S.G.loadedModel(S.P, M, E);
    return S.G.modelNamed(S.P, S.P.resolveExpr(M, E));
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
namespace {

/// Where a fix writes `list_select_related = ...` when the admin has none: on a line of its
/// own after `list_display`, indented like it.
void placeListSelectRelated(const SourceFile &F, const Stmt *Display, Origin &O) {
  parse::LineCol LC = F.lineCol(Display->Where.End);
  llvm::StringRef First = F.line(F.lineCol(Display->Where.Begin).Line);
  std::string Indent = First.take_while([](char C) { return C == ' ' || C == '\t'; }).str();
  O.InsertAt = F.lineStart(LC.Line) + F.line(LC.Line).size();
  O.InsertPrefix = "\n" + Indent + "list_select_related = ";
}

/// Reads each `list_display` column of \p Admin on the changelist row \p Row: an admin
/// method, `__str__`, a lookup path on the model, a module-level function.
void walkAdminColumns(ModuleState &S, Interp &W, const index::ClassRef &Admin, const Stmt *Display,
                      const ValueRef &Row) {
  index::ClassRef Owner;
  for (const Expr *Col : Display->Value->Args) {
    if (Col->Kind == ExprKind::String) {
      llvm::StringRef Name = Col->Id;
      Range At = W.stringContent(Col);
      if (const Stmt *M = S.P.findMethod(Admin, Name, &Owner)) {
        W.runWithRow(M, *Owner.Module, Row, 1);
        continue;
      }
      if (Name == "__str__" || Name == "__unicode__") { // Python 2 projects: __unicode__
        W.strOf(Row, At);
        continue;
      }
      W.readPath(Row, Name, At);
      continue;
    }
    // A module-level function column: `def customer_name(obj)`.
    if (Col->Kind == ExprKind::Name)
      if (index::FunctionRef FR = S.P.functionNamed(S.P.resolveName(*Admin.Module, Col->Id)))
        W.runWithRow(FR.Def, *FR.Module, Row, 0);
  }
}

} // namespace

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
    O->SelectAllUsed = std::make_shared<std::vector<std::string>>();
    Q->Load.SelectAllUsed = O->SelectAllUsed;
  }
  if (!O->Select)
    placeListSelectRelated(F, Display, *O);
  unsigned LoopId = 0;
  ValueRef Row = W.openLoop(Q, Display->Where, "list_display",
                            "the admin changelist of `" + Def->Name +
                                "` renders these columns for every row of the page",
                            LoopId);
  if (!Row)
    return;
  walkAdminColumns(S, W, Admin, Display, Row);
}

void collectClasses(const index::ModuleInfo &M, std::vector<index::ClassRef> &Out) {
  for (const Stmt *St : M.Ast->Body)
    if (St->Kind == StmtKind::Class)
      Out.push_back({St, &M, M.Name + "." + St->Name});
}

void analyzeAdmins(ModuleState &S, const index::ModuleInfo &M) {
  for (const auto &[Admin, Mo] : registeredAdmins(S, M))
    analyzeAdmin(S, Admin, Mo);
}

ValueRef Interp::openLoop(const ValueRef &QS, Range Header, llvm::StringRef IterText,
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

ValueRef Interp::runWithRow(const Stmt *Def, const index::ModuleInfo &Owner, const ValueRef &Row,
                            size_t RowParam) {
  Interp Sub(S, Owner, Def, Report);
  Sub.ActiveLoops = ActiveLoops;
  Sub.CondLoops = CondLoops;
  Sub.BranchLoops = BranchLoops;
  if (Def->Params.size() > RowParam)
    Sub.bind(Def->Params[RowParam].Name, Row);
  ValueRef Result = Sub.run(Def->Body);
  if (Def->Params.size() <= RowParam || Sub.closuresMention(Def->Params[RowParam].Name))
    lose(Row);
  return Result;
}

void Interp::readPath(const ValueRef &Row, llvm::StringRef Path, Range At) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Path.split(Parts, Path.contains("__") ? "__" : ".");
  ValueRef Cur = Row;
  for (llvm::StringRef Part : Parts) {
    if (!Cur->is(ValueKind::Instance))
      return;
    Cur = attributeOrCall(Cur, Part, At, At);
    if (Cur->is(ValueKind::RelatedManager))
      return; // a many relation is not a list_display column
  }
  strOf(Cur, At); // the column shows str(value)
}

} // namespace nplus1::flow::detail
