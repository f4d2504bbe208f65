// Code that checks Django's prefetch cache itself: `'x' in obj._prefetched_objects_cache`,
// `try: obj._prefetched_objects_cache['x'] except KeyError: <query>`. Its fallback runs
// only for rows whose queryset did not prefetch `x`, so a query there on that related set
// is served, in effect, by prefetch_related('x'): it costs nothing when the rows' queryset
// prefetches it, and one query per row (NP102, fixed by that prefetch) when it does not.
#include "flow/Interp.h"
#include "flow/Walk.h"

namespace nplus1::flow::detail {

namespace {

constexpr llvm::StringLiteral CacheAttr = "_prefetched_objects_cache";

/// True when \p E names the prefetch cache: `obj._prefetched_objects_cache`, or
/// `getattr(obj, '_prefetched_objects_cache', {})`.
bool isPrefetchCache(const Expr *E) {
  if (!E)
    return false;
  if (E->Kind == ExprKind::Attribute)
    return E->Id == CacheAttr;
  return E->Kind == ExprKind::Call && E->Object && E->Object->isName("getattr") &&
         E->Args.size() >= 2 && E->Args[1]->Kind == ExprKind::String && E->Args[1]->Id == CacheAttr;
}

/// The key \p Test asks the prefetch cache about (`'x' in <cache>`, also inside `and`),
/// with \p Absent set when the test is true for rows that did not prefetch it (`not in`,
/// `not (... in ...)`); "" when the test is not about the prefetch cache.
std::string testedKey(const Expr *Test, bool &Absent) {
  if (!Test || Test->Kind != ExprKind::Other)
    return "";
  if (Test->Op == "not" && Test->Args.size() == 1) {
    std::string K = testedKey(Test->Args[0], Absent);
    Absent = !Absent;
    return K;
  }
  if ((Test->Op == "in" || Test->Op == "not in") && Test->Args.size() == 2 &&
      Test->Args[0]->Kind == ExprKind::String && isPrefetchCache(Test->Args[1])) {
    Absent = Test->Op == "not in";
    return Test->Args[0]->Id;
  }
  if (Test->Op == "and")
    for (const Expr *A : Test->Args)
      if (std::string K = testedKey(A, Absent); !K.empty() && !Absent)
        return K;
  return "";
}

/// The key a `try` body reads straight from the prefetch cache (`<cache>['x']`), or "".
std::string readKey(llvm::ArrayRef<Stmt *> Body) {
  std::string Key;
  auto OnStmt = [](const Stmt *) {};
  auto OnExpr = [&](const Expr *E) {
    if (Key.empty() && E->Kind == ExprKind::Subscript && isPrefetchCache(E->Object) && E->Index &&
        E->Index->Kind == ExprKind::String)
      Key = E->Index->Id;
  };
  walkBody(Body, OnStmt, OnExpr);
  return Key;
}

} // namespace

void Interp::visitPrefetchFallback(llvm::ArrayRef<Stmt *> Body, llvm::StringRef Key) {
  bool Added = PrefetchFallback.insert(Key).second;
  for (const Stmt *St : Body)
    visit(St);
  if (Added)
    PrefetchFallback.erase(Key);
}

bool Interp::visitPrefetchTry(const Stmt *Try) {
  std::string Key = readKey(Try->Body);
  if (Key.empty())
    return false;
  visitBody(Try->Body);
  for (const auto &H : Try->Handlers) // KeyError / AttributeError: not prefetched
    visitPrefetchFallback(H, Key);
  visitBody(Try->OrElse);
  visitBody(Try->Finally);
  return true;
}

bool Interp::visitPrefetchBranch(const Stmt *If, llvm::ArrayRef<Stmt *> Rest, bool &RestVisited) {
  RestVisited = false;
  bool Absent = false;
  std::string Key = testedKey(If->Value, Absent);
  if (Key.empty())
    return false;
  consume(If->Value, eval(If->Value));
  if (Absent) {
    visitPrefetchFallback(If->Body, Key);
    visitBody(If->OrElse);
    return true;
  }
  visitBody(If->Body);
  visitPrefetchFallback(If->OrElse, Key);
  // `if 'x' in cache: return ...` and then the query: what follows is the fallback.
  if (!If->Body.empty() && If->Body.back()->Kind == StmtKind::Return) {
    visitPrefetchFallback(Rest, Key);
    RestVisited = true;
  }
  return true;
}

} // namespace nplus1::flow::detail
