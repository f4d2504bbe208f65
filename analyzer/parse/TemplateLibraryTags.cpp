//===- parse/TemplateLibraryTags.cpp - Tags of Django's tag libraries -----===//
//
// The compile functions of the tags in the i18n, static, cache, l10n and tz
// libraries that ship with Django 3.2 (`{% load i18n %}` & co), and django-mptt's
// recursetree.
// `{% localize %}` and `{% localtime %}` share onOffBlockTag with
// `{% autoescape %}` in TemplateTags.cpp.
//
//===----------------------------------------------------------------------===//

#include "parse/TemplateInternal.h"

namespace nplus1::parse::tpl::detail {

void Parser::oneExpressionBlockTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  oneExpressionArgument(C, N);
  static const TagList Ends[] = {{"endlanguage"}, {"endtimezone"}};
  simpleBody(C, N, Ends[C.Command == "language" ? 0 : 1]);
}

void Parser::oneExpressionArgument(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 2)
    error(C, cat("'", C.Command, "' takes one argument (",
                 C.Command == "language" ? "language" : "timezone", ")"));
  if (Bits.size() >= 2)
    N.Args.push_back(compile(Bits[1]));
}

void Parser::cacheTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  cacheArguments(C, N);
  static const TagList Ends = {"endcache"};
  simpleBody(C, N, Ends);
}

void Parser::cacheArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 3) {
    error(C, "'cache' tag requires at least 2 arguments.");
    return;
  }
  size_t End = Bits.size();
  N.Args.push_back(compile(Bits[1]));
  N.Text = Bits[2].Text; // the fragment name is never a variable
  bool HasUsing = End > 3 && startsWith(Bits.back().Text, "using=");
  for (size_t I = 3; I + (HasUsing ? 1 : 0) < End; ++I)
    N.Args.push_back(compile(Bits[I]));
  if (HasUsing)
    bind(N.Bindings, "using", compile(kwargValue(Bits.back(), 5)));
}

/// django-mptt's `{% recursetree nodes %}...{% endrecursetree %}` renders its body once per
/// node of the queryset with `node` bound to it (cache_tree_children builds the tree from
/// the queryset's rows, so `node.get_children` costs nothing): a loop over the rows. Any
/// other shape is a project's own tag of that name.
void Parser::recurseTreeTag(TagCall &C) {
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 2 || !Commands.count("endrecursetree")) {
    unknownTag(C);
    return;
  }
  Node &N = startTag(C, NodeKind::For);
  N.Iter = compile(Bits[1]);
  N.LoopVars = {"node"};
  N.LoopVarWhere = {N.TagWhere};
  static const TagList Ends = {"endrecursetree"};
  simpleBody(C, N, Ends);
}

void Parser::blockTranslateTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  bool HasCount = blockTranslateOptions(C, N);
  // The body is text and {{ key }} only; any other token ends it.
  bool Ok = translationBody(C, N.Children);
  if (Ok && firstWord(contents(Tokens[Pos])) == "plural") {
    if (!HasCount || contents(Tokens[Pos]) != "plural")
      error(cat("'", C.Command, "' doesn't allow other block tags inside it"), whole(Tokens[Pos]));
    ++Pos;
    Ok = translationBody(C, N.ElseChildren);
  } else if (Ok && HasCount) {
    error(cat("'", C.Command, "' doesn't allow other block tags inside it"), whole(Tokens[Pos]));
    Ok = false;
  }
  if (!Ok) {
    if (Pos >= Tokens.size())
      error(C, cat("Unclosed tag on line ", C.Tok.Line, ": '", C.Command,
                   "'. Looking for one of: end", C.Command, "."));
    endUnclosed(N);
    return;
  }
  std::string_view Seen = contents(Tokens[Pos]);
  std::string_view Command = firstWord(Seen);
  bool IsEnd = Command == "endblocktrans" || Command == "endblocktranslate";
  if (Seen != cat("end", C.Command))
    error(
        cat("'", C.Command, "' doesn't allow other block tags (seen ", quoted(Seen), ") inside it"),
        whole(Tokens[Pos]));
  if (IsEnd)
    closeNode(N);
  else
    endUnclosed(N);
}

bool Parser::blockTranslateOptions(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  std::unordered_set<std::string> Seen;
  bool HasCount = false;
  for (size_t I = 1; I < Bits.size();) {
    const std::string &Option = Bits[I++].Text;
    if (!Seen.insert(Option).second) {
      error(C, cat("The ", quoted(Option), " option was specified more than once."));
      continue;
    }
    if (Option == "with" || Option == "count") {
      auto Kwargs = tokenKwargs(Bits, I, /*SupportLegacy=*/true);
      if (Option == "with" && Kwargs.empty())
        error(C, cat("\"with\" in '", C.Command, "' tag needs at least one keyword argument."));
      if (Option == "count" && Kwargs.size() != 1)
        error(C, cat("\"count\" in '", C.Command, "' tag expected exactly one keyword argument."));
      HasCount |= Option == "count" && !Kwargs.empty();
      for (auto &[Key, Value] : Kwargs)
        bind(N.Bindings, Key, std::move(Value));
    } else if (Option == "context") {
      Expr E;
      if (I >= Bits.size() || !tryCompile(Bits[I], E))
        error(C, cat("\"context\" in '", C.Command, "' tag expected exactly one argument."));
      if (I < Bits.size()) {
        N.Args.push_back(std::move(E));
        ++I;
      }
    } else if (Option == "asvar") {
      if (I >= Bits.size())
        error(C, cat("No argument provided to the '", C.Command, "' tag for the asvar option."));
      else
        N.AsVar = Bits[I++].Text;
    } else if (Option != "trimmed") {
      error(C, cat("Unknown argument for '", C.Command, "' tag: ", quoted(Option), "."));
    }
  }
  return HasCount;
}

bool Parser::translationBody(const TagCall &C, std::vector<Node> &Into) {
  for (; Pos < Tokens.size(); ++Pos) {
    const Token &T = Tokens[Pos];
    if (T.Kind == TokenKind::Block)
      return true;
    if (T.Kind == TokenKind::Text) {
      addTokenNode(Into, T, NodeKind::Text);
      continue;
    }
    if (T.Kind == TokenKind::Comment) {
      error(cat("'", C.Command, "' doesn't allow other block tags (seen ", quoted(contents(T)),
                ") inside it"),
            whole(T));
      continue;
    }
    Node &V = Into.emplace_back();
    V.Kind = NodeKind::Var;
    V.Where = V.TagWhere = whole(T);
    V.TagName = std::string(C.Command);
    V.Value.Var = std::string(contents(T));
    V.Value.Where = V.Value.VarWhere = {T.ContentBegin, T.ContentEnd};
  }
  return false;
}

void Parser::translateTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 2) {
    error(C, cat("'", C.Command, "' takes at least one argument"));
    return;
  }
  N.Args.push_back(compile(Bits[1]));
  std::unordered_set<std::string> Seen;
  for (size_t I = 2; I < Bits.size();) {
    const std::string &Option = Bits[I++].Text;
    if (Seen.count(Option)) {
      error(C, cat("The '", Option, "' option was specified more than once."));
    } else if (Option == "context" || Option == "as") {
      if (I >= Bits.size()) {
        error(C, cat("No argument provided to the '", C.Command, "' tag for the ", Option,
                     " option."));
      } else if (Option == "as") {
        N.AsVar = Bits[I++].Text;
      } else if (Bits[I].Text == "as" || Bits[I].Text == "noop") {
        error(C, cat("Invalid argument '", Bits[I].Text, "' provided to the '", C.Command,
                     "' tag for the context option"));
        ++I;
      } else {
        N.Args.push_back(compile(Bits[I++]));
      }
    } else if (Option != "noop") {
      error(C, cat("Unknown argument for '", C.Command, "' tag: '", Option,
                   "'. The only options available are 'noop', 'context' "
                   "\"xxx\", and 'as VAR'."));
    }
    Seen.insert(Option);
  }
}

void Parser::asVariableTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = plainSplit(C);
  if (Bits.size() != 3 || Bits[1].Text != "as")
    error(C, cat("'", C.Command, "' requires 'as variable'"));
  else
    N.AsVar = Bits[2].Text;
}

void Parser::languageInfoTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 5 || Bits[1].Text != "for" || Bits[3].Text != "as") {
    error(C, cat("'", C.Command, "' requires 'for ",
                 C.Command == "get_language_info" ? "string" : "sequence", " as variable'"));
    return;
  }
  N.Args.push_back(compile(Bits[2]));
  N.AsVar = Bits[4].Text;
}

void Parser::prefixTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = plainSplit(C);
  if (Bits.size() > 1 && Bits[1].Text != "as")
    error(C, cat("First argument in '", C.Command, "' must be 'as'"));
  else if (Bits.size() == 2)
    error(C, cat("'", C.Command, "' needs a variable name after 'as'"));
  else if (Bits.size() > 2)
    N.AsVar = Bits[2].Text;
}

void Parser::staticTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 2) {
    error(C, "'static' takes at least one argument (path to file)");
    return;
  }
  N.Args.push_back(compile(Bits[1]));
  if (Bits[Bits.size() - 2].Text != "as")
    return;
  // Django reads bits[3] whatever the length.
  if (Bits.size() < 4)
    error(C, "'static' needs a variable name after 'as'");
  else
    N.AsVar = Bits[3].Text;
}

} // namespace nplus1::parse::tpl::detail
