// graphene (and graphene-django): a GraphQL list field (`graphene.List(T)`,
// `DjangoListField(T)`, `DjangoConnectionField(T)`...) of a root object type resolves every
// row its resolve_<field>() returns through the object type T, and each field a query asks
// for runs T's resolve_<field>(root, info) with the row as root: a loop over the rows.
// A resolver is written to be asked for, so what it reads on its row is read per row of the
// list. The fields graphene-django generates from Meta.fields are not walked: whether a
// query asks for a relation is the client's choice, not the code's.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow::detail {

// Views.cpp
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);

namespace {

/// True when \p C is a graphene object type; \p Django is set when it is a graphene-django
/// DjangoObjectType (a model's type, never the schema's root).
bool isObjectType(const index::Project &P, const index::ClassRef &C, bool *Django = nullptr) {
  if (!C)
    return false;
  bool Found = false;
  for (const index::BaseClass &B : index::frameworkBases())
    if (B.Role == index::BaseRole::GraphQLType && P.derivesFrom(C, B.QualName)) {
      Found = true;
      if (Django && B.Label == "django")
        *Django = true;
    }
  return Found;
}

/// The project object type that a field declaration \p E of module \p M names (`BookType`,
/// `lambda: BookType`, `"app.schema.BookType"`), through Field(...)/NonNull(...) wrappers;
/// \p IsList is set when a list field encloses it.
index::ClassRef fieldType(const index::Project &P, const index::ModuleInfo &M, const Expr *E,
                          bool &IsList, unsigned Depth = 0) {
  if (!E || Depth > limits::GraphQLWrapDepth)
    return {};
  if (E->Kind == ExprKind::Lambda)
    return fieldType(P, M, E->Object, IsList, Depth + 1);
  if (E->Kind == ExprKind::Call) {
    index::GraphQLField K = index::graphqlField(P.resolveExpr(M, E->Object));
    if (K == index::GraphQLField::None || E->Args.empty())
      return {};
    IsList |= K == index::GraphQLField::List;
    return fieldType(P, M, E->Args[0], IsList, Depth + 1);
  }
  index::ClassRef C;
  if (E->Kind == ExprKind::String && E->Args.empty()) {
    C = P.classNamed(E->Id); // a dotted path
    if (!C)
      C = P.classNamed(M.Name + "." + E->Id); // a name of the same module
  } else {
    C = P.classFor(M, E);
  }
  return isObjectType(P, C) ? C : index::ClassRef{};
}

/// A list field of an object type: its name and the type of its rows.
struct ListField {
  std::string Name;
  index::ClassRef Type;
};

/// The list fields that \p C and its project bases declare (the nearest declaration of a
/// name wins).
std::vector<ListField> listFields(const index::Project &P, const index::ClassRef &C) {
  std::vector<ListField> Out;
  std::vector<std::string> Seen;
  std::vector<index::ClassRef> Chain{C};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I) {
    for (const Stmt *St : Chain[I].Def->Body) {
      if (St->Kind != StmtKind::Assign || St->Targets.size() != 1 ||
          St->Targets[0]->Kind != ExprKind::Name || !St->Value ||
          St->Value->Kind != ExprKind::Call || llvm::is_contained(Seen, St->Targets[0]->Id))
        continue;
      Seen.push_back(St->Targets[0]->Id);
      bool IsList = false;
      index::ClassRef T = fieldType(P, *Chain[I].Module, St->Value, IsList);
      if (T && IsList)
        Out.push_back({St->Targets[0]->Id, T});
    }
    for (const index::ClassRef &B : P.bases(Chain[I]))
      Chain.push_back(B);
  }
  return Out;
}

/// A resolver graphene calls with the parent object first: `def resolve_x(root, info, ...)`,
/// plain or a staticmethod (a classmethod such as an interface's resolve_type is not one).
bool isResolver(const Stmt *Def) {
  if (Def->Params.size() < 2 || Def->Params[0].IsStar || Def->Params[0].IsDoubleStar)
    return false;
  for (const Expr *D : Def->Decorators)
    if (D->Kind != ExprKind::Name || D->Id != "staticmethod")
      return false;
  return true;
}

} // namespace

void Interp::resolveGraphQLRow(const index::ClassRef &Type, const ValueRef &Row, unsigned Depth) {
  std::vector<ListField> Lists = listFields(S.P, Type);
  std::vector<std::string> Done;
  std::vector<index::ClassRef> Chain{Type};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I) {
    for (const Stmt *St : Chain[I].Def->Body) {
      if (St->Kind != StmtKind::Function || !llvm::StringRef(St->Name).starts_with("resolve_") ||
          llvm::is_contained(Done, St->Name) || !isResolver(St))
        continue;
      Done.push_back(St->Name);
      llvm::StringRef Field = llvm::StringRef(St->Name).drop_front(strlen("resolve_"));
      auto Nested = llvm::find_if(Lists, [&](const ListField &L) { return L.Name == Field; });
      ValueRef Result = runWithRow(St, *Chain[I].Module, Row, 0);
      if (Nested == Lists.end() || Depth >= limits::GraphQLNesting || !Result ||
          !Result->is(ValueKind::QuerySet))
        continue;
      // A nested list: its rows, per row of this one (a related set, or a query per row).
      std::optional<unsigned> NewLoop;
      ValueRef Inner = iterate(Result, St->NameWhere, St->Name + "()", NewLoop);
      if (!Inner || !Inner->Row)
        continue;
      if (NewLoop)
        ActiveLoops.insert(*NewLoop);
      resolveGraphQLRow(Nested->Type, Inner, Depth + 1);
      if (NewLoop)
        ActiveLoops.erase(*NewLoop);
    }
    for (const index::ClassRef &B : S.P.bases(Chain[I]))
      Chain.push_back(B);
  }
}

void analyzeGraphQL(ModuleState &S, const index::ClassRef &C) {
  bool Django = false;
  // A model's type is walked from the list that returns its rows, never as a root.
  if (!isObjectType(S.P, C, &Django) || Django)
    return;
  for (const ListField &F : listFields(S.P, C)) {
    index::ClassRef Owner;
    const Stmt *Resolver = projectMethod(S.P, C, "resolve_" + F.Name, Owner);
    if (!Resolver || !isResolver(Resolver))
      continue;
    Interp W(S, *Owner.Module, Resolver, /*Report=*/true);
    W.ReturnEscapes = false;
    ValueRef QS = W.runMethod(Resolver, Value::unknown());
    if (!QS->is(ValueKind::QuerySet))
      continue;
    unsigned LoopId = 0;
    ValueRef Row = W.openLoop(QS, Resolver->NameWhere, Resolver->Name + "()",
                              "the GraphQL field `" + F.Name + "` of `" + C.Def->Name +
                                  "` resolves every row with `" + F.Type.Def->Name +
                                  "`, running its resolvers per row",
                              LoopId);
    if (!Row)
      continue;
    W.resolveGraphQLRow(F.Type, Row, 0);
  }
}

} // namespace nplus1::flow::detail
