//===- parse/TemplateTags.cpp - Django's built-in template tags ------------===//
//
// The compile functions of the tags in Django 3.2's built-in library
// (django/template/defaulttags.py and loader_tags.py): their argument rules
// and error messages, and the bodies they parse.
//
//===----------------------------------------------------------------------===//

#include "parse/TemplateInternal.h"

#include <iterator>

namespace nplus1::parse::tpl::detail {

void Parser::forTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::For);
  forArguments(C, N);
  static const TagList LoopEnds = {"empty", "endfor"};
  static const TagList EmptyEnds = {"endfor"};
  bool Closed = parseBody(C, N.Children, LoopEnds);
  // Django takes any tag but an exact `{% empty %}` as the end.
  if (Closed && contents(Tokens[Pos]) == "empty") {
    ++Pos;
    Closed = parseBody(C, N.ElseChildren, EmptyEnds);
  }
  if (Closed)
    closeNode(N);
  else
    endUnclosed(N);
}

void Parser::forArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 4) {
    error(C, cat("'for' statements should have at least four words: ", C.Contents));
    return;
  }
  N.Reversed = Bits.back().Text == "reversed";
  size_t In = Bits.size() - (N.Reversed ? 3 : 2);
  if (Bits[In].Text != "in")
    error(C, cat("'for' statements should use the format 'for x in y': ", C.Contents));
  else
    loopVariables(C, Bits, In, N);
  N.Iter = compile(Bits[In + 1]);
}

void Parser::loopVariables(const TagCall &C, const std::vector<Bit> &Bits, size_t In, Node &N) {
  std::string Joined;
  std::vector<uint32_t> Offsets; // source offset of each byte of Joined
  for (size_t I = 1; I < In; ++I) {
    if (I > 1) {
      Joined += ' ';
      Offsets.push_back(Bits[I - 1].Where.End);
    }
    const Bit &B = Bits[I];
    for (size_t K = 0; K < B.Text.size(); ++K) {
      Joined += B.Text[K];
      Offsets.push_back(std::min<uint32_t>(uint32_t(B.Where.Begin + K), B.Where.End - 1));
    }
  }
  auto Add = [&](size_t Begin, size_t End) {
    std::string Name = Joined.substr(Begin, End - Begin);
    bool Bad = Name.empty() || Name.find_first_of(" \"'|") != NoMatch;
    if (Bad)
      error(C, cat("'for' tag received an invalid argument: ", C.Contents));
    Range Where =
        Begin < End ? Range{Offsets[Begin], Offsets[End - 1] + 1} : Range{C.Tok.Begin, C.Tok.Begin};
    N.LoopVars.push_back(std::move(Name));
    N.LoopVarWhere.push_back(Where);
    return !Bad;
  };
  size_t PieceBegin = 0;
  for (size_t Comma = Joined.find(','); Comma != NoMatch; Comma = Joined.find(',', Comma + 1)) {
    size_t MatchBegin = Comma;
    while (MatchBegin > PieceBegin && Joined[MatchBegin - 1] == ' ')
      --MatchBegin;
    size_t MatchEnd = Comma + 1;
    while (MatchEnd < Joined.size() && Joined[MatchEnd] == ' ')
      ++MatchEnd;
    if (!Add(PieceBegin, MatchBegin))
      return;
    PieceBegin = MatchEnd;
    Comma = MatchEnd - 1;
  }
  Add(PieceBegin, Joined.size());
}

void Parser::ifTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::If);
  static const TagList BranchEnds = {"elif", "else", "endif"};
  static const TagList ElseEnds = {"endif"};
  parseCondition(C, N, 0);
  bool Closed = parseBody(C, N.Branches.emplace_back(), BranchEnds);
  while (Closed && startsWith(contents(Tokens[Pos]), "elif")) {
    elifCondition(C, N);
    Closed = parseBody(C, N.Branches.emplace_back(), BranchEnds);
  }
  if (Closed && firstWord(contents(Tokens[Pos])) == "else") {
    checkExactly(Tokens[Pos++], "else");
    N.HasElse = true;
    Closed = parseBody(C, N.Branches.emplace_back(), ElseEnds);
  }
  if (!Closed) {
    endUnclosed(N);
    return;
  }
  checkExactly(Tokens[Pos], "endif");
  closeNode(N);
}

void Parser::elifCondition(const TagCall &C, Node &N) {
  const Token &Elif = Tokens[Pos++];
  TagCall ElifCall{Elif, contents(Elif), "elif", C.Out, C.ContainsNonText};
  parseCondition(ElifCall, N, uint32_t(N.Branches.size()));
}

void Parser::checkExactly(const Token &T, std::string_view Expected) {
  if (contents(T) != Expected)
    error(cat("Malformed template tag at line ", T.Line, ": \"", contents(T), "\""), whole(T));
}

void Parser::ifEqualTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::If);
  ifEqualArguments(C, N);
  const TagList &TrueEnds = C.Command == "ifequal" ? IfEqualEnds[0] : IfEqualEnds[1];
  const TagList &FalseEnds = C.Command == "ifequal" ? IfEqualEnds[2] : IfEqualEnds[3];
  bool Closed = parseBody(C, N.Branches.emplace_back(), TrueEnds);
  if (Closed && contents(Tokens[Pos]) == "else") {
    ++Pos;
    N.HasElse = true;
    Closed = parseBody(C, N.Branches.emplace_back(), FalseEnds);
  }
  if (Closed)
    closeNode(N);
  else
    endUnclosed(N);
}

void Parser::ifEqualArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 3)
    error(C, cat("'", C.Command, "' takes two arguments"));
  for (size_t I = 1; I < Bits.size() && I < 3; ++I) {
    Expr E = compile(Bits[I]);
    if (!isBareLiteral(E)) {
      N.Conditions.push_back(std::move(E));
      N.ConditionBranch.push_back(0);
    }
  }
}

void Parser::ifChangedTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  expressionArguments(C, N, 1);
  static const TagList TrueEnds = {"else", "endifchanged"};
  static const TagList FalseEnds = {"endifchanged"};
  bool Closed = parseBody(C, N.Children, TrueEnds);
  if (Closed && contents(Tokens[Pos]) == "else") {
    ++Pos;
    Closed = parseBody(C, N.ElseChildren, FalseEnds);
  }
  if (Closed)
    closeNode(N);
  else
    endUnclosed(N);
}

void Parser::expressionArguments(const TagCall &C, Node &N, size_t First) {
  std::vector<Bit> Bits = splitContents(C);
  for (size_t I = First; I < Bits.size(); ++I)
    N.Args.push_back(compile(Bits[I]));
}

void Parser::withTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::With);
  withArguments(C, N);
  static const TagList Ends = {"endwith"};
  simpleBody(C, N, Ends);
}

void Parser::withArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = splitContents(C);
  size_t I = 1;
  N.Bindings = tokenKwargs(Bits, I, /*SupportLegacy=*/true);
  if (N.Bindings.empty())
    error(C, "'with' expected at least one variable assignment");
  else if (I < Bits.size())
    error(C, cat("'with' received an invalid token: ", quoted(Bits[I].Text)));
}

void Parser::includeTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Include);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 2) {
    error(C, "'include' tag takes at least one argument: the name of the "
             "template to be included.");
    return;
  }
  bool SeenWith = false;
  for (size_t I = 2; I < Bits.size();) {
    const std::string &Option = Bits[I++].Text;
    if ((Option == "with" && SeenWith) || (Option == "only" && N.Only)) {
      error(C, cat("The ", quoted(Option), " option was specified more than once."));
      continue;
    }
    if (Option == "with") {
      SeenWith = true;
      N.Bindings = tokenKwargs(Bits, I, /*SupportLegacy=*/false);
      if (N.Bindings.empty())
        error(C, "\"with\" in 'include' tag needs at least one keyword "
                 "argument.");
    } else if (Option == "only") {
      N.Only = true;
    } else {
      error(C, cat("Unknown argument for 'include' tag: ", quoted(Option), "."));
    }
  }
  N.Value = compile(Bits[1]);
}

void Parser::extendsTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Extends);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 2)
    error(C, "'extends' takes one argument");
  if (Bits.size() >= 2)
    N.Value = compile(Bits[1]);
  // Django parses the rest of the template inside the first extends, so a
  // second one is reported as such, not as "must be first".
  if (SeenExtends)
    error(C, "'extends' cannot appear more than once in the same template");
  else if (C.ContainsNonText)
    error(C, "{% extends %} must be the first tag in the template.");
  else if (Depth > 1)
    error(C, "{% extends %} must be at the top level of the template.");
  SeenExtends = true;
}

void Parser::blockTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Block);
  blockArguments(C, N);
  static const TagList Ends = {"endblock"};
  if (!parseBody(C, N.Children, Ends)) {
    endUnclosed(N);
    return;
  }
  checkEndBlock(N);
  closeNode(N);
}

void Parser::blockArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits = plainSplit(C);
  if (Bits.size() != 2)
    error(C, "'block' tag takes only one argument");
  if (Bits.size() < 2)
    return;
  N.BlockName = N.TagName = Bits[1].Text;
  if (!BlockNames.insert(N.BlockName).second)
    error(C, cat("'block' tag with name '", N.BlockName, "' appears more than once"));
}

void Parser::checkEndBlock(const Node &N) {
  const Token &End = Tokens[Pos];
  std::string Named = cat("endblock ", N.BlockName);
  if (contents(End) != "endblock" && contents(End) != Named)
    invalidBlockTag(End, "endblock", {"endblock", Named});
}

void Parser::commentTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Comment);
  // skip_past('endcomment'): only an exact `{% endcomment %}` ends it.
  size_t End = Pos;
  while (End < Tokens.size() &&
         !(Tokens[End].Kind == TokenKind::Block && contents(Tokens[End]) == "endcomment"))
    ++End;
  uint32_t TextEnd = End < Tokens.size() ? Tokens[End].Begin : uint32_t(Src.size());
  N.Text = std::string(Src.substr(C.Tok.End, TextEnd - C.Tok.End));
  Pos = End;
  if (End < Tokens.size()) {
    closeNode(N);
    return;
  }
  error(C,
        cat("Unclosed tag on line ", C.Tok.Line, ": 'comment'. Looking for one of: endcomment."));
  N.Where.End = uint32_t(Src.size());
}

void Parser::verbatimTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Verbatim);
  // The lexer made everything up to the matching end tag text; parse()
  // only matters for a `{% verbatim\t%}` the lexer did not recognise.
  static const TagList Ends = {"endverbatim"};
  std::vector<Node> Body;
  bool Closed = parseBody(C, Body, Ends);
  uint32_t TextEnd = Pos < Tokens.size() ? Tokens[Pos].Begin : uint32_t(Src.size());
  N.Text = std::string(Src.substr(C.Tok.End, TextEnd - C.Tok.End));
  if (Closed)
    closeNode(N);
  else
    endUnclosed(N);
}

void Parser::spacelessTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  static const TagList Ends = {"endspaceless"};
  simpleBody(C, N, Ends);
}

void Parser::onOffBlockTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  onOffArgument(C);
  static const TagList Ends[] = {{"endautoescape"}, {"endlocalize"}, {"endlocaltime"}};
  simpleBody(C, N, Ends[C.Command == "autoescape" ? 0 : C.Command == "localize" ? 1 : 2]);
}

void Parser::onOffArgument(const TagCall &C) {
  bool IsAutoescape = C.Command == "autoescape";
  std::vector<Bit> Bits = IsAutoescape ? plainSplit(C) : splitContents(C);
  auto IsOnOff = [](const Bit &B) { return B.Text == "on" || B.Text == "off"; };
  if (IsAutoescape && Bits.size() != 2)
    error(C, "'autoescape' tag requires exactly one argument.");
  else if (IsAutoescape && !IsOnOff(Bits[1]))
    error(C, "'autoescape' argument should be 'on' or 'off'");
  else if (!IsAutoescape && Bits.size() > 1 && (Bits.size() > 2 || !IsOnOff(Bits[1])))
    error(C, cat("'", C.Command, "' argument should be 'on' or 'off'"));
}

void Parser::filterTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  filterArgument(C, N);
  static const TagList Ends = {"endfilter"};
  simpleBody(C, N, Ends);
}

void Parser::filterArgument(const TagCall &C, Node &N) {
  // `_, rest = token.contents.split(None, 1)`, then
  // compile_filter("var|" + rest).
  size_t RestBegin = skipSpaces(C.Contents, C.Command.size());
  if (RestBegin >= C.Contents.size()) {
    error(C, "'filter' tag requires at least one filter.");
    return;
  }
  std::string_view Rest = C.Contents.substr(RestBegin);
  uint32_t RestAt = uint32_t(C.Tok.ContentBegin + RestBegin);
  Expr E = compile(cat("var|", Rest), RestAt - 4, {RestAt, C.Tok.ContentEnd});
  E.Where = {RestAt, C.Tok.ContentEnd};
  E.VarWhere = {RestAt, RestAt};
  for (const Filter &F : E.Filters)
    if (F.Name == "escape" || F.Name == "safe")
      error(C, cat("\"filter ", F.Name,
                   "\" is not permitted.  Use the \"autoescape\" tag "
                   "instead."));
  N.Args.push_back(std::move(E));
}

void Parser::cycleTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 2) {
    error(C, "'cycle' tag requires at least two arguments");
    return;
  }
  if (Bits.size() == 2) {
    const std::string &Name = Bits[1].Text;
    if (NamedCycles.empty())
      error(C, cat("No named cycles in template. '", Name, "' is not defined"));
    else if (!NamedCycles.count(Name))
      error(C, cat("Named cycle '", Name, "' does not exist"));
    N.AsVar = Name;
    return;
  }
  size_t End = Bits.size();
  bool AsForm = false;
  if (End > 4 && Bits[End - 3].Text == "as") {
    if (Bits[End - 1].Text != "silent")
      error(C, cat("Only 'silent' flag is allowed after cycle's name, not '", Bits[End - 1].Text,
                   "'."));
    AsForm = true;
    --End;
  } else if (End > 4 && Bits[End - 2].Text == "as") {
    AsForm = true;
  }
  if (AsForm) {
    N.AsVar = Bits[End - 1].Text;
    NamedCycles.insert(N.AsVar);
    End -= 2;
  }
  for (size_t I = 1; I < End; ++I)
    N.Args.push_back(compile(Bits[I]));
  HasCycle = true;
}

void Parser::resetCycleTag(TagCall &C) {
  startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() > 2)
    error(C, "'resetcycle' tag accepts at most one argument.");
  else if (Bits.size() == 2 && !NamedCycles.count(Bits[1].Text))
    error(C, cat("Named cycle '", Bits[1].Text, "' does not exist."));
  else if (Bits.size() == 1 && !HasCycle)
    error(C, "No cycles in template.");
}

void Parser::firstOfTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  size_t End = Bits.size();
  if (End < 2)
    error(C, "'firstof' statement requires at least one argument");
  if (End >= 3 && Bits[End - 2].Text == "as") {
    N.AsVar = Bits[End - 1].Text;
    End -= 2;
  }
  for (size_t I = 1; I < End; ++I)
    N.Args.push_back(compile(Bits[I]));
}

void Parser::urlTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() < 2) {
    error(C, "'url' takes at least one argument, a URL pattern name.");
    return;
  }
  // Before Django 1.5 the view name is a bare name (`{% url admin:index %}`), unless the
  // template loads the new tag (`{% load url from future %}`).
  bool LegacyName = DjangoVersion != 0 && DjangoVersion < 105 &&
                    Src.find("url from future") == std::string_view::npos;
  if (LegacyName) {
    Expr Name;
    Name.Var = Bits[1].Text;
    Name.IsLiteral = true;
    Name.Where = Name.VarWhere = Bits[1].Where;
    N.Args.push_back(std::move(Name));
  } else {
    N.Args.push_back(compile(Bits[1]));
  }
  size_t End = Bits.size();
  if (End >= 4 && Bits[End - 2].Text == "as") {
    N.AsVar = Bits[End - 1].Text;
    End -= 2;
  }
  for (size_t I = 2; I < End; ++I) {
    if (size_t KeyLength = kwargKeyLength(Bits[I].Text))
      bind(N.Bindings, Bits[I].Text.substr(0, KeyLength), compile(kwargValue(Bits[I], KeyLength)));
    else
      N.Args.push_back(compile(Bits[I]));
  }
}

void Parser::widthRatioTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() == 6 && Bits[4].Text != "as")
    error(C, "Invalid syntax in widthratio tag. Expecting 'as' keyword");
  else if (Bits.size() != 4 && Bits.size() != 6)
    error(C, "widthratio takes at least three arguments");
  if (Bits.size() == 6)
    N.AsVar = Bits[5].Text;
  for (size_t I = 1; I < Bits.size() && I < 4; ++I)
    N.Args.push_back(compile(Bits[I]));
}

void Parser::nowTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  size_t End = Bits.size();
  if (End == 4 && Bits[2].Text == "as") {
    N.AsVar = Bits[3].Text;
    End = 2;
  }
  if (End != 2)
    error(C, "'now' statement takes one argument");
}

void Parser::loremTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  auto LastIs = [&](std::string_view Word) { return Bits.size() > 1 && Bits.back().Text == Word; };
  if (LastIs("random"))
    Bits.pop_back();
  if (LastIs("w") || LastIs("p") || LastIs("b"))
    Bits.pop_back();
  if (Bits.size() > 1) {
    N.Args.push_back(compile(Bits.back()));
    Bits.pop_back();
  }
  if (Bits.size() != 1)
    error(C, "Incorrect format for 'lorem' tag");
}

void Parser::regroupTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = splitContents(C);
  if (Bits.size() != 6) {
    error(C, "'regroup' tag takes five arguments");
    return;
  }
  N.Args.push_back(compile(Bits[1]));
  if (Bits[2].Text != "by")
    error(C, "second argument to 'regroup' tag must be 'by'");
  if (Bits[4].Text != "as")
    error(C, "next-to-last argument to 'regroup' tag must be 'as'");
  N.AsVar = Bits[5].Text;
  // Django compiles `<as name>.<key>`; errors come from that spelling.
  Error Err;
  compileFilter(cat(N.AsVar, ".", Bits[3].Text), 0, Err, DjangoVersion);
  if (!Err.Message.empty())
    error(std::move(Err.Message), Bits[3].Where);
  N.Args.push_back(compile(Bits[3], /*Report=*/false));
}

void Parser::templateTagTag(TagCall &C) {
  startTag(C, NodeKind::Other);
  std::vector<Bit> Bits = plainSplit(C);
  static const std::string_view Names[] = {"openblock",     "closeblock",  "openvariable",
                                           "closevariable", "openbrace",   "closebrace",
                                           "opencomment",   "closecomment"};
  if (Bits.size() != 2)
    error(C, "'templatetag' statement takes one argument");
  else if (std::find(std::begin(Names), std::end(Names), Bits[1].Text) == std::end(Names))
    error(C, cat("Invalid templatetag argument: '", Bits[1].Text,
                 "'. Must be one of: ['openblock', 'closeblock', "
                 "'openvariable', 'closevariable', 'openbrace', "
                 "'closebrace', 'opencomment', 'closecomment']"));
}

} // namespace nplus1::parse::tpl::detail
