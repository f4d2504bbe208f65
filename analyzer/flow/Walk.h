// Syntax walkers over the lowered Python tree: every expression of an expression, every
// statement and expression of a body. Shared by the flow stage's syntactic checks (loop
// shapes, view overrides).
#pragma once

#include "parse/Ast.h"

#include "llvm/ADT/ArrayRef.h"

namespace nplus1::flow::detail {

namespace py = parse::py;
using py::Expr;
using py::Stmt;

/// Calls \p Visit on every expression of \p E, \p E included (comprehension clauses,
/// keyword values, dict values and lambda bodies too).
template <typename Fn> void walkExpr(const Expr *E, Fn &&Visit) {
  if (!E)
    return;
  Visit(E);
  walkExpr(E->Object, Visit);
  walkExpr(E->Index, Visit);
  walkExpr(E->Elt, Visit);
  walkExpr(E->EltValue, Visit);
  for (const Expr *A : E->Args)
    walkExpr(A, Visit);
  for (const Expr *V : E->Values)
    walkExpr(V, Visit);
  for (const py::Keyword &K : E->Keywords)
    walkExpr(K.Value, Visit);
  for (const py::CompFor &G : E->Gens) {
    walkExpr(G.Target, Visit);
    walkExpr(G.Iter, Visit);
    for (const Expr *If : G.Ifs)
      walkExpr(If, Visit);
  }
}

/// Calls \p OnStmt on \p St and every statement nested in it, and \p OnExpr on every
/// expression they hold.
template <typename SFn, typename EFn> void walkStmt(const Stmt *St, SFn &OnStmt, EFn &OnExpr);

template <typename SFn, typename EFn>
void walkBody(llvm::ArrayRef<Stmt *> Body, SFn &OnStmt, EFn &OnExpr) {
  for (const Stmt *St : Body)
    walkStmt(St, OnStmt, OnExpr);
}

template <typename SFn, typename EFn> void walkStmt(const Stmt *St, SFn &OnStmt, EFn &OnExpr) {
  OnStmt(St);
  for (const Expr *T : St->Targets)
    walkExpr(T, OnExpr);
  walkExpr(St->Value, OnExpr);
  walkExpr(St->Target, OnExpr);
  for (const Expr *I : St->Items)
    walkExpr(I, OnExpr);
  for (const Expr *D : St->Decorators)
    walkExpr(D, OnExpr);
  for (const Expr *B : St->Bases)
    walkExpr(B, OnExpr);
  for (const py::Param &P : St->Params)
    walkExpr(P.Default, OnExpr);
  walkBody(St->Body, OnStmt, OnExpr);
  walkBody(St->OrElse, OnStmt, OnExpr);
  walkBody(St->Finally, OnStmt, OnExpr);
  for (const auto &H : St->Handlers)
    walkBody(H, OnStmt, OnExpr);
}

} // namespace nplus1::flow::detail
