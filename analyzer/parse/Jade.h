//===- parse/Jade.h - Jade (pyjade/pypugjs) template front end --*- C++ -*-===//
//
// pyjade and its successor pypugjs let a Django project write its templates in
// Jade's indentation syntax: a loader (`pyjade.ext.django.Loader`) or a Jinja2
// extension (`pyjade.ext.jinja.PyJadeExtension`) compiles each `.jade` file to
// the target engine's template language before that engine parses it. This
// front end does the same: it lowers the Jade source to Django (or Jinja2)
// template text, keeping for every byte of that text the offset of the Jade
// byte it came from, parses the text with parse/Template.h (or parse/Jinja.h)
// and maps every range of the tree back onto the Jade file. HTML tags leave no
// node (the walker has no use for them); what they hold stays.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_PARSE_JADE_H
#define NPLUS1_PARSE_JADE_H

#include "parse/Template.h"

#include <string>
#include <string_view>
#include <vector>

namespace nplus1::parse::tpl {

/// The engine a Jade template is compiled for.
enum class JadeTarget { Django, Jinja2 };

/// Jade lowered to the target engine's syntax: Text, and for each byte of it
/// (plus one past the end) the offset in the Jade source it stands for.
struct JadeLowering {
  std::string Text;
  std::vector<uint32_t> Origin;
  /// The source uses something the lowering cannot follow (unbalanced
  /// attribute parentheses, nesting deeper than MaxNestingDepth).
  bool Failed = false;
};

/// Lowers \p Source as pyjade's compiler for \p Target does, up to what the walker
/// needs: `each`/`for` loops (an `else` after one becomes the loop's empty branch),
/// `if`/`unless`/`elif`/`else`, `- code` lines (a block tag whose body is the indented
/// lines, closed as pyjade closes it), `=`/`!=` output, `#{}`/`!{}` interpolation in
/// text and attribute strings (`{{ }}` and `{% %}` in them are kept as written),
/// dynamic attribute values, `include`/`extends` (with pyjade's default `.jade`
/// extension), `block` (`append`/`prepend`), `name = value` assignments, mixins and
/// piped, inline and block text. Comments, doctypes and `:filter` bodies are dropped.
JadeLowering lowerJade(std::string_view Source, JadeTarget Target);

/// Parses a Jade template: lowers it and parses the result with the target engine's
/// front end, ranges mapped back to \p Source. A template that cannot be lowered, or
/// whose lowering the engine rejects, gives an empty Template with no Errors: it is
/// not analysed (pyjade would fail on it at render time, or we misread it).
Template parseJadeTemplate(std::string_view Source, JadeTarget Target, unsigned DjangoVersion = 0);

/// Whether \p Name is a Jade template file name (`.jade`, or pypugjs's `.pug`).
bool isJadeFileName(std::string_view Name);

} // namespace nplus1::parse::tpl

#endif // NPLUS1_PARSE_JADE_H
