#include "parse/JinjaMacros.h"

#include <algorithm>

namespace nplus1::parse::tpl {
namespace {

const MacroDef *findMacro(const std::vector<MacroDef> &Macros, const Node &N) {
  if (N.Kind != NodeKind::Other || N.TagName != "call" || N.Value.Var.empty())
    return nullptr;
  for (const MacroDef &M : Macros)
    if (M.Name == N.Value.Var)
      return &M;
  return nullptr;
}

void inlineIn(std::vector<Node> &Nodes, const std::vector<MacroDef> &Macros,
              std::vector<const MacroDef *> &Open);

/// The With node a call \p Call of \p M becomes.
Node inlined(const Node &Call, const MacroDef &M, const std::vector<MacroDef> &Macros,
             std::vector<const MacroDef *> &Open) {
  Node W;
  W.Kind = NodeKind::With;
  W.TagName = "macro";
  W.Where = Call.Where;
  W.TagWhere = Call.TagWhere;
  for (size_t I = 0; I < M.Params.size(); ++I) {
    const std::string &P = M.Params[I];
    auto Kw = std::find_if(Call.Bindings.begin(), Call.Bindings.end(),
                           [&](const auto &B) { return B.first == P; });
    if (I < Call.Args.size())
      W.Bindings.emplace_back(P, Call.Args[I]);
    else if (Kw != Call.Bindings.end())
      W.Bindings.emplace_back(P, Kw->second);
    else
      W.Bindings.emplace_back(P, noneAt(Call.TagWhere));
  }
  W.Children = M.Body;
  Open.push_back(&M);
  inlineIn(W.Children, Macros, Open);
  Open.pop_back();
  return W;
}

void inlineIn(std::vector<Node> &Nodes, const std::vector<MacroDef> &Macros,
              std::vector<const MacroDef *> &Open) {
  for (Node &N : Nodes) {
    if (const MacroDef *M = findMacro(Macros, N)) {
      if (Open.size() < MaxMacroInlining && std::find(Open.begin(), Open.end(), M) == Open.end())
        N = inlined(N, *M, Macros, Open);
      continue;
    }
    inlineIn(N.Children, Macros, Open);
    inlineIn(N.ElseChildren, Macros, Open);
    for (std::vector<Node> &B : N.Branches)
      inlineIn(B, Macros, Open);
  }
}

} // namespace

void inlineMacroCalls(std::vector<Node> &Nodes, const std::vector<MacroDef> &Macros) {
  if (Macros.empty())
    return;
  std::vector<const MacroDef *> Open;
  inlineIn(Nodes, Macros, Open);
}

Expr noneAt(Range Where) {
  Expr E;
  E.Var = "None";
  E.IsLiteral = true;
  E.Where = E.VarWhere = Where;
  return E;
}

} // namespace nplus1::parse::tpl
