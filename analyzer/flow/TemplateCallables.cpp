// The project's own template filters, tags and Jinja2 globals: the functions a template
// hands its values to (`{{ user|profile }}`, `{% member_item user %}`, `{{ link_user(r.user) }}`).
#include "flow/TemplateCallables.h"

#include "llvm/ADT/StringSwitch.h"

namespace nplus1::flow {
namespace {

using parse::py::Expr;
using parse::py::ExprKind;
using parse::py::Stmt;

enum class Role { None, Filter, Function };

/// What a registering decorator's attribute makes of the function: Django's
/// `Library.filter/simple_tag/inclusion_tag/assignment_tag`, jingo's and django-jinja's
/// `register.function`/`library.global_function`/`library.filter`.
Role roleOf(llvm::StringRef Attr) {
  return llvm::StringSwitch<Role>(Attr)
      .Case("filter", Role::Filter)
      .Cases("simple_tag", "inclusion_tag", "assignment_tag", Role::Function)
      .Cases("function", "global_function", Role::Function)
      .Default(Role::None);
}

/// Decorators that pass the template context (or eval context) as the first argument.
bool passesContext(const Expr *D) {
  const Expr *F = D->Kind == ExprKind::Call ? D->Object : D;
  if (!F)
    return false;
  llvm::StringRef Last =
      F->Kind == ExprKind::Attribute || F->Kind == ExprKind::Name ? llvm::StringRef(F->Id) : "";
  return llvm::StringSwitch<bool>(Last)
      .Cases("contextfunction", "contextfilter", "evalcontextfunction", "evalcontextfilter", true)
      .Cases("pass_context", "pass_eval_context", true)
      .Default(false);
}

/// Memoizing decorators (`@lru_cache`, `@functools.cache`): a row seen before costs nothing,
/// and the cache outlives the request, so what the body reads is not read once per row.
bool memoizes(const Expr *D) {
  const Expr *F = D->Kind == ExprKind::Call ? D->Object : D;
  if (!F || (F->Kind != ExprKind::Attribute && F->Kind != ExprKind::Name))
    return false;
  return llvm::StringSwitch<bool>(F->Id)
      .Cases("lru_cache", "cache", "memoize", "memoized", "cached", true)
      .Default(false);
}

} // namespace

void TemplateCallables::collect(const index::Project &P) {
  // A name two functions register is left out: which library a template loads decides.
  llvm::StringSet<> Clashes;
  auto Add = [&](llvm::StringMap<TemplateCallable> &Into, llvm::StringRef Name,
                 TemplateCallable C) {
    auto [It, New] = Into.try_emplace(Name, C);
    if (!New && It->second.Fn.Def != C.Fn.Def)
      Clashes.insert((&Into == &Filters ? "|" : "") + Name.str());
  };
  for (const auto &M : P.modules()) {
    if (M->Builtin)
      continue;
    for (const Stmt *St : M->Ast->Body) {
      if (St->Kind != parse::py::StmtKind::Function)
        continue;
      if (llvm::any_of(St->Decorators, memoizes))
        continue;
      bool Context = llvm::any_of(St->Decorators, passesContext);
      for (const Expr *D : St->Decorators) {
        const Expr *F = D->Kind == ExprKind::Call ? D->Object : D;
        if (!F || F->Kind != ExprKind::Attribute || !F->Object ||
            (F->Object->Kind != ExprKind::Name && F->Object->Kind != ExprKind::Attribute))
          continue;
        Role R = roleOf(F->Id);
        if (R == Role::None)
          continue;
        std::string Name = St->Name;
        bool TakesContext = Context;
        if (D->Kind == ExprKind::Call) {
          // `@register.filter('profile')`, `@register.filter(name='profile')`; an
          // inclusion tag's first argument is its template, not its name.
          if (!D->Args.empty() && D->Args[0]->Kind == ExprKind::String && F->Id != "inclusion_tag")
            Name = D->Args[0]->Id;
          if (const Expr *N = D->keyword("name"); N && N->Kind == ExprKind::String)
            Name = N->Id;
          if (const Expr *T = D->keyword("takes_context"); T && T->isName("True"))
            TakesContext = true;
        }
        TemplateCallable C{{St, M.get(), M->Name + "." + St->Name}, TakesContext};
        Add(R == Role::Filter ? Filters : Functions, Name, C);
      }
    }
  }
  for (const auto &K : Clashes) {
    llvm::StringRef Key = K.getKey();
    if (Key.consume_front("|"))
      Filters.erase(Key);
    else
      Functions.erase(Key);
  }
}

} // namespace nplus1::flow
