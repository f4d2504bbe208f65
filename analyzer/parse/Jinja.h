//===- parse/Jinja.h - Jinja2 template front end ----------------*- C++ -*-===//
//
// Reads Jinja2 templates into the node structures of parse/Template.h, so that
// the template walker treats a Jinja2 `{% for %}` like a Django one. Jinja2
// calls methods explicitly: `row.items.all()` becomes the lookup path
// `row.items.all` (Django's template engine calls it implicitly), and a method
// named without a call (`row.items.all`) is not evaluated. Only what the walker
// needs is modelled; anything else is skipped, and no input gives an Error.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_PARSE_JINJA_H
#define NPLUS1_PARSE_JINJA_H

#include "parse/Template.h"

namespace nplus1::parse::tpl {

/// Parses \p Source with Jinja2's default syntax (`{{ }}`, `{% %}`, `{# #}`,
/// whitespace control with `-`/`+`, `{% raw %}`). The tree uses the Django
/// node kinds: For (with `{% else %}` as ElseChildren and a loop filter `if`
/// as an If node opening the body), If, With (`{% with %}`, and `{% set x =
/// e %}` scoping the rest of its body), Include, Extends, Block, Var (one per
/// path an expression reads), Verbatim (`{% raw %}`) and Other (`set` blocks,
/// `filter`, `trans`, `autoescape`, `do`, `import`, a macro or `call` whose
/// body is not walked where it stands, the paths passed to functions, macros
/// and tests as Args of a "call" node, unknown tags). A call of a macro the
/// template defines becomes a With node around a copy of the macro's body
/// (parse/JinjaMacros.h). Errors stays empty.
Template parseJinjaTemplate(std::string_view Source);

/// Whether \p Source is written in Jinja2's syntax rather than Django's: some tag
/// uses a statement only Jinja2 has (`set`, `macro`, `call`, `import`, `from ...
/// import`, `do`, `raw`), whitespace control (`{%-`, `-}}`), a call (`url('home')`,
/// `_('Help')`, `row.items.all()`) or a subscript; and no tag loads a Django tag
/// library (`{% load %}`). Meant for a template the Django front end could not read:
/// one rendered through a Jinja2 environment the settings do not name (jingo's or
/// coffin's render helpers, a project's own Environment).
bool hasJinjaSyntax(std::string_view Source);

} // namespace nplus1::parse::tpl

#endif // NPLUS1_PARSE_JINJA_H
