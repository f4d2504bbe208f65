#include "parse/Ast.h"

namespace nplus1::parse::py {

std::string Expr::dotted() const {
  if (Kind == ExprKind::Name)
    return Id;
  if (Kind != ExprKind::Attribute || !Object)
    return "";
  std::string Base = Object->dotted();
  if (Base.empty())
    return "";
  return Base + "." + Id;
}

const Expr *Expr::keyword(llvm::StringRef Name) const {
  for (const Keyword &K : Keywords)
    if (K.Name == Name)
      return K.Value;
  return nullptr;
}

} // namespace nplus1::parse::py
