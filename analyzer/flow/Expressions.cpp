// Python expressions: names, attributes, literals, comprehensions, subscripts, and the
// targets an assignment or a loop binds.
#include "flow/Interp.h"

namespace nplus1::flow {
namespace detail {

std::shared_ptr<Value> Interp::make(ValueKind K, const Model *Mo) {
  auto V = std::make_shared<Value>();
  V->Kind = K;
  V->Model = Mo;
  return V;
}

const Model *Interp::modelForName(llvm::StringRef Name) {
  return S.G.modelNamed(S.P, S.P.resolveName(M, Name));
}

std::string Interp::moduleQualified(const Expr *F) {
  const Expr *Root = F;
  while (Root->Kind == ExprKind::Attribute)
    Root = Root->Object;
  if (Root == F || Root->Kind != ExprKind::Name || Env.count(Root->Id) ||
      S.P.resolveName(M, Root->Id).empty())
    return "";
  std::string Q = S.P.resolveExpr(M, F);
  if (Q.empty())
    return "";
  bool Known = S.P.functionNamed(Q) || S.P.classNamed(Q) || S.G.modelNamed(S.P, Q) ||
               llvm::StringRef(Q).ends_with(".get_model") ||
               llvm::StringRef(Q).ends_with(".get_user_model") ||
               index::frameworkCall(Q) != index::CallRole::None; // paginator.Paginator(...)
  return Known ? Q : "";
}

const Model *Interp::modelForDotted(const Expr *E) {
  if (E->Kind != ExprKind::Attribute)
    return nullptr;
  const Expr *Root = E;
  while (Root->Kind == ExprKind::Attribute)
    Root = Root->Object;
  if (Root->Kind != ExprKind::Name || Env.count(Root->Id))
    return nullptr;
  return S.G.modelNamed(S.P, S.P.resolveExpr(M, E));
}

/// The QuerySet method Python calls for binary operator \p Op (`|` is `__or__`), or "".
static llvm::StringRef binaryMethod(llvm::StringRef Op) {
  return llvm::StringSwitch<llvm::StringRef>(Op)
      .Case("|", "__or__")
      .Case("&", "__and__")
      .Default("");
}

ValueRef Interp::evalAll(llvm::ArrayRef<Expr *> Es) {
  for (Expr *E : Es)
    eval(E);
  return Value::unknown();
}

ValueRef Interp::eval(const Expr *E) {
  ValueRef V = evalRaw(E);
  llvm::SmallVector<LoadUse *, 2> Uses;
  usesOf(V, Uses);
  for (LoadUse *U : Uses)
    ++U->Pending[E];
  return V;
}

ValueRef Interp::evalRaw(const Expr *E) {
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
    Closures.push_back(E->Where);
    return Value::unknown(); // runs later, if at all
  case ExprKind::Starred:
    return eval(E->Object);
  case ExprKind::String:
    // f-string interpolations: `{obj}` formats the object with its __str__.
    for (const Expr *I : E->Args) {
      if (I->Kind != ExprKind::Other || I->Args.empty()) {
        eval(I);
        continue;
      }
      ValueRef Shown = eval(I->Args[0]);
      strOf(Shown, I->Args[0]->Where);
      if (Shown->is(ValueKind::Instance))
        consume(I->Args[0], Shown);
      evalAll(llvm::ArrayRef<Expr *>(I->Args).drop_front());
    }
    return Value::unknown();
  default:
    if (E->Op == "if" && E->Args.size() == 3)
      return evalConditional(E);
    if (E->Args.size() == 2)
      if (index::QueryMethod M = index::queryMethodOf(binaryMethod(E->Op));
          M.Kind == index::QueryMethodKind::Chain)
        return evalCombined(E, M);
    evalAll(E->Args);
    return Value::unknown();
  }
}

ValueRef Interp::evalConditional(const Expr *E) {
  eval(E->Args[1]);
  ValueRef Then = eval(E->Args[0]);
  ValueRef Else = eval(E->Args[2]);
  // One branch is all we can follow (`page.projects() if page else Project.objects.all()`,
  // `x if c else None`): its rows are what the code iterates on that path. With both
  // known, the first; what the other held may be read anywhere.
  bool ThenKnown = !Then->is(ValueKind::Unknown);
  lose(ThenKnown ? Else : Then);
  return ThenKnown ? Then : Else;
}

ValueRef Interp::evalCombined(const Expr *E, const index::QueryMethod &M) {
  ValueRef L = eval(E->Args[0]);
  ValueRef R = eval(E->Args[1]);
  if (!L->is(ValueKind::QuerySet) || L->ValuesMode)
    return Value::unknown();
  bool Or = M.Name == "__or__";
  // An EmptyQuerySet's `|` hands back the other side.
  if (Or && L->Empty)
    return R->is(ValueKind::QuerySet) ? R : Value::unknown();
  // Django clones the left queryset: its rows load what it loads (the right one's
  // select_related/prefetch_related are dropped), and a fix on its origin reaches them.
  auto Q = copy(L);
  extendChain(Q, E);
  Q->Bypass |= L->Row.has_value(); // a related set combined with another: a new query
  Q->OneRow &= !Or;
  consume(E->Args[0], L);
  if (R->is(ValueKind::QuerySet) && R->Src == L->Src)
    consume(E->Args[1], R);
  return Q;
}

ValueRef Interp::evalDictLiteral(const Expr *E) {
  auto D = make(ValueKind::Dict);
  std::vector<std::pair<const Expr *, ValueRef>> Stored; // consumed once the dict is built
  for (size_t I = 0; I < E->Args.size(); ++I) {
    const Expr *K = E->Args[I];
    if (K->Kind == ExprKind::Starred) {
      ValueRef Inner = eval(K->Object);
      if (!Inner->is(ValueKind::Dict))
        return nullptr;
      D->Entries.insert(D->Entries.end(), Inner->Entries.begin(), Inner->Entries.end());
      Stored.push_back({K->Object, Inner});
      continue;
    }
    if (K->Kind != ExprKind::String || !K->Args.empty())
      return nullptr;
    ValueRef V = eval(E->Values[I]);
    D->Entries.push_back({K->Id, V});
    Stored.push_back({E->Values[I], V});
  }
  for (const auto &[X, V] : Stored)
    consume(X, V);
  return D;
}

ValueRef Interp::evalName(const Expr *E) {
  auto It = Env.find(E->Id);
  if (It != Env.end())
    return It->second;
  if (const Model *Mo = modelForName(E->Id))
    return make(ValueKind::ModelClass, Mo);
  return Value::unknown();
}

ValueRef Interp::evalAttribute(const Expr *E) {
  ValueRef Obj = eval(E->Object);
  llvm::StringRef Attr = E->Id;
  if (Obj->is(ValueKind::Unknown))
    if (const Model *Mo = modelForDotted(E)) // models.Order, m.Order
      return make(ValueKind::ModelClass, Mo);
  // `request.user` / `self.request.user`: the signed-in user, one object of the user
  // model (what its managers and methods return are querysets of their own).
  bool OnRequest = Obj->is(ValueKind::Unknown) &&
                   (E->Object->isName("request") ||
                    (E->Object->Kind == ExprKind::Attribute && E->Object->Id == "request"));
  if (OnRequest && Attr == "user")
    if (const Model *U = S.G.authUser())
      return make(ValueKind::Instance, U);
  // `request.event`: the row the project's middleware (or a view decorator) stores on
  // every request, one object of its model.
  if (OnRequest)
    if (const Model *Mo = S.G.requestAttribute(Attr))
      return make(ValueKind::Instance, Mo);
  switch (Obj->Kind) {
  case ValueKind::ModelClass: {
    if (const index::ManagerInfo *MI = S.G.manager(Obj->Model, Attr))
      return newOrigin(E, Obj->Model, MI);
    return Value::unknown();
  }
  case ValueKind::Instance: {
    ValueRef R = instanceAttribute(Obj, E->Id, E->IdWhere, E->Where);
    // A row's relation, column or property is read here; a private attribute (`_state`,
    // `__dict__`) or a bound method taken without calling it may reach anything.
    if (!useOf(Obj))
      return R;
    index::ClassRef Owner;
    const Stmt *Def =
        Attr.starts_with("_") || S.G.relation(Obj->Model, Attr) || S.G.isColumn(Obj->Model, Attr)
            ? nullptr
            : modelMethod(Obj->Model, Attr, Owner);
    bool Property = Def && llvm::any_of(Def->Decorators, [](const Expr *D) {
                      return llvm::StringRef(D->dotted()).ends_with("property");
                    });
    if (!Attr.starts_with("_") && (!Def || Property))
      consume(E->Object, Obj);
    return R;
  }
  case ValueKind::Dict: // a class-based view's `self`
    if (ValueRef V = Obj->entry(Attr))
      return V;
    return Value::unknown();
  case ValueKind::Manager:
  case ValueKind::QuerySet:
    if (Attr == "model" || Attr == "query" || Attr == "ordered" || Attr == "db")
      consume(E->Object, Obj);
    if (Attr == "model" && Obj->Model)
      return make(ValueKind::ModelClass, Obj->Model);
    if (Attr == "object_list" && Obj->is(ValueKind::QuerySet)) // a Paginator's page
      return Obj;
    return Value::unknown();
  default:
    return Value::unknown();
  }
}

void Interp::bindTarget(const Expr *T, const ValueRef &V) {
  if (!T)
    return;
  switch (T->Kind) {
  case ExprKind::Name: {
    RowFlags.erase(T->Id);
    Falsy.erase(T->Id);
    llvm::SmallVector<LoadUse *, 2> Uses;
    usesOf(V, Uses);
    for (LoadUse *U : Uses)
      U->Names.push_back(T->Id);
    Env[T->Id] = V;
    return;
  }
  case ExprKind::Tuple:
  case ExprKind::List:
    for (size_t I = 0; I < T->Args.size(); ++I)
      bindTarget(T->Args[I], V->is(ValueKind::Tuple) && I < V->Elements.size() ? V->Elements[I]
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
    // `data[row.fk.code] = v`, `obj.attr[row.fk] = v`: the key is read like any other
    // expression.
    eval(T->Object);
    eval(T->Index);
    escape(V);
    return;
  case ExprKind::Attribute:
    // `row.relation = value`: the row now holds it; reading it back is free.
    if (T->Object->Kind == ExprKind::Name) {
      auto It = Env.find(T->Object->Id);
      if (It != Env.end() && It->second->is(ValueKind::Instance)) {
        if (LoadUse *U = useOf(It->second))
          U->Reads.insert(T->Id); // overwritten: count it as used, to stay quiet
        auto Obj = copy(It->second);
        Obj->Assigned.push_back(T->Id);
        It->second = Obj;
        escape(V);
        return;
      }
      // `self.base_queryset = qs` in a class-based view's method: read back as `qs` later
      // in the method (the rows may also be used elsewhere: they escape).
      if (It != Env.end() && It->second->is(ValueKind::Dict) && CbvClass && Fn &&
          !Fn->Params.empty() && Fn->Params[0].Name == T->Object->Id) {
        auto Self = copy(It->second);
        Self->Entries.push_back({T->Id, V});
        It->second = Self;
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

ValueRef Interp::evalComprehension(const Expr *E) {
  // Comprehension variables are local to it: restore the outer bindings afterwards.
  llvm::StringMap<ValueRef> Saved = Env;
  std::vector<unsigned> Opened;
  // `[row for row in qs if test(row)]`: a list of some of the queryset's rows, read
  // later like list(qs) (a template loops over it).
  ValueRef Rows;
  for (const py::CompFor &G : E->Gens) {
    ValueRef It = eval(G.Iter);
    if (E->Comp == py::CompKind::List && E->Gens.size() == 1 && E->Elt && G.Target &&
        E->Elt->Kind == ExprKind::Name && G.Target->isName(E->Elt->Id) &&
        It->is(ValueKind::QuerySet) && !It->ValuesMode)
      Rows = It;
    std::optional<unsigned> NewLoop;
    ValueRef Row = iterate(It, E->Where, text(G.Iter->Where), NewLoop);
    if (Row)
      consume(G.Iter, It);
    if (NewLoop) {
      ActiveLoops.insert(*NewLoop);
      Opened.push_back(*NewLoop);
    }
    bindTarget(G.Target, Row ? Row : Value::unknown());
    for (const Expr *If : G.Ifs)
      consume(If, eval(If)); // a truth test reads nothing
  }
  eval(E->Elt);
  eval(E->EltValue);
  for (unsigned L : Opened)
    ActiveLoops.erase(L);
  Env = std::move(Saved);
  return Rows ? Rows : Value::unknown();
}

ValueRef Interp::evalSubscript(const Expr *E) {
  ValueRef Obj = eval(E->Object);
  eval(E->Index);
  if (!Obj->is(ValueKind::QuerySet))
    return Value::unknown();
  if (E->IsSlice) {
    consume(E->Object, Obj);
    return Obj;
  }
  if (Obj->ValuesMode)
    return Value::unknown();
  return make(ValueKind::Instance, Obj->Model); // qs[0]: one object
}

} // namespace detail
} // namespace nplus1::flow
