//===- parse/JinjaMacros.h - Jinja2 macro calls, inlined --------*- C++ -*-===//
//
// A Jinja2 `{% macro %}` runs where it is called: `{% for u in users %}{{
// user_row(u) }}{% endfor %}` reads in `user_row`'s body once per row. The
// parser keeps each macro's body; a call of a macro of the same template
// becomes a With node binding the macro's parameters to the call's arguments
// around a copy of that body, so the walker reads it in the caller's loop.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_PARSE_JINJAMACROS_H
#define NPLUS1_PARSE_JINJAMACROS_H

#include "parse/Template.h"

#include <string>
#include <vector>

namespace nplus1::parse::tpl {

/// One `{% macro name(params) %}...{% endmacro %}` of a template.
struct MacroDef {
  std::string Name;
  std::vector<std::string> Params;
  std::vector<Node> Body;
};

/// How deep macro calls are followed into macros calling macros.
inline constexpr unsigned MaxMacroInlining = 3;

/// Replaces in \p Nodes each "call" node of a macro of \p Macros (the callee named by
/// the node's Value) by a With node (TagName "macro") whose Bindings give each parameter
/// its argument (positional, then by keyword; a parameter without one is bound to
/// None, never to a context variable of its name) and whose Children are a copy of the
/// macro's body, itself inlined. A macro is not inlined into itself.
/// The literal `None` at \p Where: an expression the walker resolves to nothing known
/// (a macro parameter without an argument, an expression it cannot follow).
Expr noneAt(Range Where);

void inlineMacroCalls(std::vector<Node> &Nodes, const std::vector<MacroDef> &Macros);

} // namespace nplus1::parse::tpl

#endif // NPLUS1_PARSE_JINJAMACROS_H
