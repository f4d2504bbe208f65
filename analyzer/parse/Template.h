//===- parse/Template.h - Django template parser ----------------*- C++ -*-===//
//
// A parser for Django templates that follows Django 3.2's own lexer
// (`django.template.base.Lexer`), `smart_split`, `FilterExpression` and the
// argument rules of the built-in tags, so that the tree it builds is the one
// Django would build and the templates Django rejects get Errors here.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_PARSE_TEMPLATE_H
#define NPLUS1_PARSE_TEMPLATE_H

#include "AnalysisLimits.h"
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nplus1::parse::tpl {

/// A half-open range [Begin, End) of byte offsets into the template source.
struct Range {
  uint32_t Begin = 0, End = 0;
};

/// One `|name[:arg]` step of a filter expression. Where covers `name[:arg]`
/// (not the `|`); ArgWhere covers the argument text.
struct Filter {
  std::string Name;
  std::string Arg;
  bool HasArg = false;
  /// True when the argument is a string or number literal (not a lookup).
  bool ArgIsLiteral = false;
  Range Where;
  Range ArgWhere;
};

/// A variable expression with filters, as Django's FilterExpression splits it:
/// `order.customer.name|default:"x"|length`.
struct Expr {
  /// The variable ("order.customer.name") or a literal such as "'x'",
  /// `_("x")` or "3", spelled as in the source.
  std::string Var;
  /// True for string, translated-string and number literals.
  bool IsLiteral = false;
  std::vector<Filter> Filters;
  /// The whole expression text in the source.
  Range Where;
  /// Var only.
  Range VarWhere;
};

/// What a Node is. `{% empty %}` bodies are For::ElseChildren, so Empty is
/// never produced; it is kept so that the names match the design.
enum class NodeKind {
  Text,
  Var,
  For,
  Empty,
  If,
  With,
  Include,
  Extends,
  Block,
  Other,
  Comment,
  Verbatim
};

/// One node of the template tree.
///
/// TagName is the tag's command ("for", "if", "url", "spaceless"...) for tag
/// nodes, except for Block nodes, where it holds the block's name (also in
/// BlockName). Comment nodes have TagName "comment" for `{% comment %}` and
/// "#" for `{# ... #}`; Var nodes inside `{% blocktranslate %}` have TagName
/// "blocktranslate"/"blocktrans": Django looks those up as plain context keys
/// (no attributes, no filters), so their Value is the raw key.
struct Node {
  NodeKind Kind = NodeKind::Text;
  /// The whole node, including its end tag.
  Range Where;
  /// The opening tag `{% ... %}` / `{{ ... }}` / `{# ... #}`.
  Range TagWhere;
  /// The closing tag of block tags; empty when the tag is never closed.
  Range EndTagWhere;
  std::string TagName;
  /// Text: the text. Comment: the comment's inside (stripped for `{# #}`,
  /// raw for `{% comment %}`). Verbatim: the raw text between the tags.
  std::string Text;

  /// For: loop variables (with their ranges), the iterable and `reversed`.
  /// The loop body is in Children, the `{% empty %}` body in ElseChildren.
  std::vector<std::string> LoopVars;
  std::vector<Range> LoopVarWhere;
  Expr Iter;
  bool Reversed = false;

  /// Var: the expression. Include: the template name. Extends: the parent's
  /// name. Both names are kept as written (relative `./x.html` names are not
  /// resolved here).
  Expr Value;
  /// With, Include (`with`), blocktranslate (`with` and `count`), url
  /// (keyword arguments) and unknown tags (`k=v`): name -> value.
  std::vector<std::pair<std::string, Expr>> Bindings;

  /// If (and the deprecated ifequal/ifnotequal, which become If nodes with
  /// TagName "ifequal"/"ifnotequal"): every operand of every condition that
  /// is not a bare literal, in source order; ConditionBranch[I] is the index
  /// into Branches of the branch Conditions[I] guards. Branches holds the
  /// bodies of `{% if %}`, each `{% elif %}` and `{% else %}` in order.
  std::vector<Expr> Conditions;
  std::vector<uint32_t> ConditionBranch;
  std::vector<std::vector<Node>> Branches;
  bool HasElse = false;

  /// Include: `only`.
  bool Only = false;
  /// Block: the block's name.
  std::string BlockName;
  /// The `as name` target of tags that store their result (url, cycle,
  /// firstof, translate, blocktranslate asvar, regroup, static, simple
  /// tags...), empty otherwise.
  std::string AsVar;

  /// Other tags: the argument expressions, parsed as FilterExpressions where
  /// Django does (cycle, firstof, url, widthratio, ifchanged, lorem,
  /// translate, language, timezone, cache, static, filter — whose single
  /// Expr has the placeholder Var "var" and the tag's filters...). regroup
  /// gives [target, key], Django evaluating the key on each item. Tags we do
  /// not know give every argument that parses as an expression.
  std::vector<Expr> Args;
  /// Bodies of block-style tags: `{% spaceless %}`, `{% filter %}`,
  /// `{% autoescape %}`, `{% ifchanged %}` (else part in ElseChildren),
  /// `{% localize %}`, `{% cache %}`, `{% blocktranslate %}` (plural part in
  /// ElseChildren), With, Block, For... An unknown tag `{% x %}` is taken as
  /// a block tag when the template also contains `{% endx %}`; sections of it
  /// after an `{% else %}`/`{% elif %}`/`{% empty %}`/`{% plural %}` go to
  /// Branches.
  std::vector<Node> Children, ElseChildren;
};

/// A syntax error, with Django's wording where Django has one.
struct Error {
  std::string Message;
  Range Where;
};

/// A parsed template: the top-level nodes and every error found. After
/// `{% extends %}` the rest of the template follows the Extends node in
/// Nodes (Django keeps it inside the ExtendsNode).
struct Template {
  std::vector<Node> Nodes;
  std::vector<Error> Errors;
};

/// Parses `Source` as Django's lexer and parser would. Never throws;
/// malformed input gives Errors (unclosed block tag, unknown end tag, bad for
/// syntax...) and a best-effort tree. Nesting deeper than MaxNestingDepth
/// stops the parse with an Error. \p DjangoVersion (major*100+minor, 0 when
/// unknown) decides the few rules that changed between versions (json_script's
/// argument is optional from 4.1 on); unknown accepts what any version accepts.
Template parseTemplate(std::string_view Source, unsigned DjangoVersion = 0);

/// How deep block tags may nest before parseTemplate gives up.
inline constexpr unsigned MaxNestingDepth = limits::TemplateNesting;

/// 1-based line and column of a byte offset (the column counts bytes, as
/// compilers do). Offsets past the end are clamped to the end.
std::pair<unsigned, unsigned> lineColumn(std::string_view Source, uint32_t Offset);

} // namespace nplus1::parse::tpl

#endif // NPLUS1_PARSE_TEMPLATE_H
