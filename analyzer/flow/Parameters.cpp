// What a function's parameters hold when the function is analyzed on its own, with no
// caller in sight: helpers written as `def check(project):` or `def perms(user: User):`
// walk a model object's related rows, and each of those loops is an N+1 of its own
// whatever the caller passes (a row of a queryset or an object fetched by pk).
#include "flow/Interp.h"

#include "llvm/ADT/StringExtras.h"

namespace nplus1::flow::detail {

namespace {

/// `IndicatorPeriodData` -> `indicator_period_data`, `IATIExport` -> `iati_export`: the
/// name Python code gives one object of a class.
std::string snakeCase(llvm::StringRef Name) {
  std::string Out;
  for (size_t I = 0; I < Name.size(); ++I) {
    char C = Name[I];
    if (llvm::isUpper(C)) {
      bool AfterLower = I > 0 && (llvm::isLower(Name[I - 1]) || llvm::isDigit(Name[I - 1]));
      bool EndsAcronym =
          I > 0 && llvm::isUpper(Name[I - 1]) && I + 1 < Name.size() && llvm::isLower(Name[I + 1]);
      if (AfterLower || EndsAcronym)
        Out += '_';
      Out += llvm::toLower(C);
      continue;
    }
    Out += C;
  }
  return Out;
}

} // namespace

const Model *Interp::modelForSnakeName(llvm::StringRef Name) {
  if (!S.SnakeNamesRead) {
    S.SnakeNamesRead = true;
    const Model *User = S.G.authUser();
    for (const auto &Mo : S.G.models()) {
      if (Mo->Abstract)
        continue;
      auto [It, New] = S.ModelsBySnakeName.try_emplace(snakeCase(Mo->Name), Mo.get());
      if (New || It->second == Mo.get())
        continue;
      // Two models of one name: the user model wins (a swapped-out auth.User never runs),
      // any other pair leaves the name untyped.
      if (It->second == User || Mo.get() == User)
        It->second = User;
      else
        It->second = nullptr;
    }
  }
  auto It = S.ModelsBySnakeName.find(Name);
  return It == S.ModelsBySnakeName.end() ? nullptr : It->second;
}

const Model *Interp::annotatedModel(const Expr *A) {
  if (!A)
    return nullptr;
  switch (A->Kind) {
  case ExprKind::Name:
    return modelForName(A->Id);
  case ExprKind::Attribute:
    return modelForDotted(A);
  case ExprKind::String: // a forward reference, `"Project"`
    if (A->Id.empty() || !llvm::all_of(A->Id, [](char C) { return llvm::isAlnum(C) || C == '_'; }))
      return nullptr;
    return modelForName(A->Id);
  case ExprKind::Subscript: // Optional[User]: a row or None
    if (A->Object && A->Object->Kind != ExprKind::Subscript &&
        llvm::StringRef(A->Object->dotted()).ends_with("Optional"))
      return annotatedModel(A->Index);
    return nullptr;
  default:
    return nullptr;
  }
}

void Interp::bindParameters(const Stmt *Def) {
  for (const py::Param &Par : Def->Params) {
    if (Par.IsStar || Par.IsDoubleStar || index::isFrameworkParameter(Par.Name))
      continue;
    const Model *Mo = Par.Annotation ? annotatedModel(Par.Annotation)
                      : Par.Default  ? nullptr
                                     : modelForSnakeName(Par.Name);
    if (Mo)
      bind(Par.Name, make(ValueKind::Instance, Mo));
  }
}

void Interp::bindMethodParameters(const index::ClassRef &C, const Stmt *Def) {
  if (Def->Params.empty() ||
      !llvm::any_of(Def->Decorators, [](const Expr *D) { return D->isName("classmethod"); }))
    return;
  if (const Model *Mo = S.G.modelFor(C))
    bind(Def->Params[0].Name, make(ValueKind::ModelClass, Mo));
}

} // namespace nplus1::flow::detail
