// What a function's parameters hold when the function is analyzed on its own, with no
// caller in sight: a helper written as `def perms(user: User):` walks a model object's
// related rows, and each of those loops is an N+1 of its own whatever the caller passes
// (a row of a queryset or an object fetched by pk). A parameter merely named after a model
// (`def check(project):`) is not typed: measured on real projects, its callers prefetch for
// it often enough (akvo's IATI exports) that more than half of those findings were wrong.
#include "flow/Interp.h"

namespace nplus1::flow::detail {

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
    const Model *Mo = Par.Annotation ? annotatedModel(Par.Annotation) : nullptr;
    if (Mo) {
      auto V = make(ValueKind::Instance, Mo);
      V->FromCaller = true;
      bind(Par.Name, V);
    }
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
