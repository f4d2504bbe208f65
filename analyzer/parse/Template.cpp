//===- parse/Template.cpp - Django template parser ------------------------===//
//
// A C++ port of the parts of Django 3.2 that turn template source into a node
// tree. This file is the tree builder: Parser.parse() with its node lists,
// the arguments the tag compile functions share (compile_filter,
// token_kwargs, the `if` condition), the table of tag handlers and the
// public entry points. The other parts, each in its own file, are listed in
// TemplateInternal.h. Django raises at the first error; this parser records
// it and goes on, so that one template yields every error and a best-effort
// tree.
//
//===----------------------------------------------------------------------===//

#include "parse/Template.h"
#include "parse/TemplateInternal.h"

#include <cassert>
#include <exception>
#include <iterator>
#include <limits>

namespace nplus1::parse::tpl {
namespace detail {
namespace {

/// End tags and intermediate tags of the tags we know: seeing one where it
/// does not belong is Django's "Invalid block tag" error. Sorted.
constexpr std::string_view KnownEndTags[] = {"elif",
                                             "else",
                                             "empty",
                                             "endautoescape",
                                             "endblock",
                                             "endblocktrans",
                                             "endblocktranslate",
                                             "endcache",
                                             "endcomment",
                                             "endfilter",
                                             "endfor",
                                             "endif",
                                             "endifchanged",
                                             "endifequal",
                                             "endifnotequal",
                                             "endlanguage",
                                             "endlocalize",
                                             "endlocaltime",
                                             "endspaceless",
                                             "endtimezone",
                                             "endverbatim",
                                             "endwith",
                                             "plural"};
static_assert(std::is_sorted(std::begin(KnownEndTags), std::end(KnownEndTags)));

bool isKnownEndTag(std::string_view Command) {
  return std::binary_search(std::begin(KnownEndTags), std::end(KnownEndTags), Command);
}

/// get_text_list(Items, 'or') with each item quoted.
std::string quotedList(const TagList &Items) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I > 0)
      Out += I + 1 == Items.size() ? " or " : ", ";
    Out += cat("'", Items[I], "'");
  }
  return Out;
}

std::string joined(const TagList &Items, std::string_view Separator) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I)
    Out += cat(I ? Separator : "", Items[I]);
  return Out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Node lists
//===----------------------------------------------------------------------===//

void Parser::startWaiting(const TagList &Until) {
  // Keys view the first TagList that waits for them, which outlives the
  // later ones, so they stay valid until erased.
  for (std::string_view Name : Until)
    ++Waiting[Name];
}

void Parser::stopWaiting(const TagList &Until) {
  for (std::string_view Name : Until) {
    auto It = Waiting.find(Name);
    if (--It->second == 0)
      Waiting.erase(It);
  }
}

void Parser::reportTooDeep() {
  Aborted = true;
  uint32_t At = Pos < Tokens.size() ? Tokens[Pos].Begin : uint32_t(Src.size());
  error(cat("Block tags are nested more than ", MaxNestingDepth, " deep; giving up."), {At, At});
}

bool Parser::outerWaitsFor(const TagList &Until, std::string_view Name) const {
  auto It = Waiting.find(Name);
  if (It == Waiting.end())
    return false;
  return It->second > (contains(Until, Name) ? 1u : 0u);
}

bool Parser::isStrayEndTag(std::string_view Command) const {
  if (isKnownEndTag(Command))
    return true;
  if (Command.size() <= 3 || !startsWith(Command, "end"))
    return false;
  std::string_view Opener = Command.substr(3);
  return Commands.count(Opener) || findHandler(Opener);
}

bool Parser::isTagName(std::string_view Command) {
  size_t Sigils = Command.find_first_not_of("#/@$:!+-.");
  if (Sigils > 2) // also NoMatch (npos): nothing but sigils
    return false;
  for (size_t I = Sigils; I < Command.size();) {
    CodePoint C = decodeAt(Command, I);
    if (!isWord(C.Value))
      return false;
    I += C.Size;
  }
  return true;
}

Parser::Stop Parser::parseNodesUntil(std::vector<Node> &Out, const TagList &Until) {
  bool ContainsNonText = false;
  while (Pos < Tokens.size()) {
    const Token &T = Tokens[Pos];
    switch (T.Kind) {
    case TokenKind::Text:
      addTokenNode(Out, T, NodeKind::Text);
      ++Pos;
      continue;
    case TokenKind::Comment:
      addTokenNode(Out, T, NodeKind::Comment).TagName = "#";
      ++Pos;
      continue;
    case TokenKind::Var:
      ++Pos;
      if (T.ContentBegin == T.ContentEnd) {
        reportEmptyTag(T);
        continue;
      }
      addVar(Out, T);
      ContainsNonText = true;
      continue;
    case TokenKind::Block:
      break;
    }
    std::string_view Command = firstWord(contents(T));
    if (Command.empty()) {
      reportEmptyTag(T);
      ++Pos;
      continue;
    }
    if (contains(Until, Command))
      return Stop::Found;
    if (outerWaitsFor(Until, Command))
      return Stop::Outer;
    if (isStrayEndTag(Command) || !isTagName(Command)) {
      invalidBlockTag(T, Command, Until);
      ++Pos;
      continue;
    }
    ++Pos;
    TagCall Call{T, contents(T), Command, Out, ContainsNonText};
    compileTag(Call);
    ContainsNonText = true;
    if (Aborted)
      return Stop::Abort;
  }
  return Stop::Eof;
}

void Parser::reportEmptyTag(const Token &T) {
  error(cat(T.Kind == TokenKind::Var ? "Empty variable tag on line " : "Empty block tag on line ",
            T.Line),
        whole(T));
}

void Parser::invalidBlockTag(const Token &T, std::string_view Command, const TagList &Until) {
  if (Until.empty()) {
    error(cat("Invalid block tag on line ", T.Line, ": '", Command,
              "'. Did you forget to register or load this tag?"),
          whole(T));
    return;
  }
  error(cat("Invalid block tag on line ", T.Line, ": '", Command, "', expected ", quotedList(Until),
            ". Did you forget to register or load this tag?"),
        whole(T));
}

void Parser::reportUnclosed(const TagCall &C, const TagList &Until) {
  error(C, cat("Unclosed tag on line ", C.Tok.Line, ": '", C.Command,
               "'. Looking for one of: ", joined(Until, ", "), "."));
}

Node &Parser::addTokenNode(std::vector<Node> &Out, const Token &T, NodeKind Kind) {
  Node &N = Out.emplace_back();
  N.Kind = Kind;
  N.Where = N.TagWhere = whole(T);
  N.Text = std::string(contents(T));
  return N;
}

void Parser::addVar(std::vector<Node> &Out, const Token &T) {
  Node &N = Out.emplace_back();
  N.Kind = NodeKind::Var;
  N.Where = N.TagWhere = whole(T);
  N.Value = compile(contents(T), T.ContentBegin, whole(T));
}

//===----------------------------------------------------------------------===//
// Expressions and arguments
//===----------------------------------------------------------------------===//

Expr Parser::compile(std::string_view Text, uint32_t Base, Range Fallback, bool Report) {
  Error Err;
  Expr E = compileFilter(Text, Base, Err, DjangoVersion);
  if (Report && !Err.Message.empty()) {
    if (Err.Where.Begin == Err.Where.End)
      Err.Where = Fallback;
    error(std::move(Err.Message), Err.Where);
  }
  return E;
}

bool Parser::tryCompile(const Bit &B, Expr &E) {
  Error Err;
  E = compileFilter(B.Text, B.Where.Begin, Err, DjangoVersion);
  return Err.Message.empty();
}

std::vector<Bit> Parser::splitContents(const TagCall &C) {
  std::vector<Bit> Bits;
  if (!splitTagContents(C.Contents, C.Tok.ContentBegin, Bits))
    error(C, cat("'", C.Command, "' tag has a translated string _(...) that never ends."));
  return Bits;
}

size_t Parser::kwargKeyLength(std::string_view B) {
  size_t I = 0;
  while (I < B.size()) {
    CodePoint C = decodeAt(B, I);
    if (!isWord(C.Value))
      break;
    I += C.Size;
  }
  if (I == 0 || I + 1 >= B.size() || B[I] != '=')
    return 0;
  // `(.+)` needs one character that is not a newline.
  return B[I + 1] == '\n' ? 0 : I;
}

void Parser::bind(std::vector<std::pair<std::string, Expr>> &Bindings, std::string Name,
                  Expr Value) {
  for (auto &[Key, Old] : Bindings) {
    if (Key == Name) {
      Old = std::move(Value);
      return;
    }
  }
  Bindings.emplace_back(std::move(Name), std::move(Value));
}

std::vector<std::pair<std::string, Expr>> Parser::tokenKwargs(const std::vector<Bit> &Bits,
                                                              size_t &I, bool SupportLegacy) {
  std::vector<std::pair<std::string, Expr>> Kwargs;
  if (I >= Bits.size())
    return Kwargs;
  bool KwargFormat = kwargKeyLength(Bits[I].Text) != 0;
  if (!KwargFormat && (!SupportLegacy || Bits.size() - I < 3 || Bits[I + 1].Text != "as"))
    return Kwargs;
  while (I < Bits.size()) {
    if (KwargFormat) {
      size_t KeyLength = kwargKeyLength(Bits[I].Text);
      if (KeyLength == 0)
        return Kwargs;
      bind(Kwargs, Bits[I].Text.substr(0, KeyLength), compile(kwargValue(Bits[I], KeyLength)));
      ++I;
    } else {
      if (Bits.size() - I < 3 || Bits[I + 1].Text != "as")
        return Kwargs;
      bind(Kwargs, Bits[I + 2].Text, compile(Bits[I]));
      I += 3;
    }
    if (I < Bits.size() && !KwargFormat) {
      if (Bits[I].Text != "and")
        return Kwargs;
      ++I;
    }
  }
  return Kwargs;
}

void Parser::genericArguments(const TagCall &C, Node &N) {
  std::vector<Bit> Bits;
  splitTagContents(C.Contents, C.Tok.ContentBegin, Bits);
  for (size_t I = 1; I < Bits.size(); ++I) {
    const Bit &B = Bits[I];
    if (B.Text == "as" && I + 1 < Bits.size()) {
      N.AsVar = Bits[++I].Text;
      continue;
    }
    Expr E;
    if (size_t KeyLength = kwargKeyLength(B.Text)) {
      if (tryCompile(kwargValue(B, KeyLength), E))
        bind(N.Bindings, B.Text.substr(0, KeyLength), std::move(E));
      continue;
    }
    if (tryCompile(B, E))
      N.Args.push_back(std::move(E));
  }
}

void Parser::parseCondition(const TagCall &C, Node &N, uint32_t Branch) {
  std::vector<Bit> Bits = splitContents(C);
  std::vector<IfToken> Tokens;
  for (size_t I = 1; I < Bits.size(); ++I) {
    std::string Word = Bits[I].Text;
    bool Next = I + 1 < Bits.size();
    if (Word == "is" && Next && Bits[I + 1].Text == "not")
      Word = "is not", ++I;
    else if (Word == "not" && Next && Bits[I + 1].Text == "in")
      Word = "not in", ++I;
    IfToken T;
    if (ifOperator(Word, T)) {
      Tokens.push_back(std::move(T));
      continue;
    }
    Expr E = compile(Bits[I]);
    if (!isBareLiteral(E)) {
      N.Conditions.push_back(std::move(E));
      N.ConditionBranch.push_back(Branch);
    }
    Tokens.push_back({IfToken::Operand, 0, Bits[I].Text});
  }
  std::string Message = checkIfExpression(std::move(Tokens));
  if (!Message.empty())
    error(C, std::move(Message));
}

//===----------------------------------------------------------------------===//
// Tags
//===----------------------------------------------------------------------===//

void Parser::compileTag(TagCall &C) {
  if (Handler Compile = findHandler(C.Command)) {
    (this->*Compile)(C);
    return;
  }
  unknownTag(C);
}

void Parser::unknownTag(TagCall &C) {
  Node &N = startTag(C, NodeKind::Other);
  genericArguments(C, N);
  std::string EndName = cat("end", C.Command);
  if (!Commands.count(EndName))
    return;
  const TagList Until = {EndName, "else", "elif", "empty", "plural"};
  std::vector<Node> *Section = &N.Children;
  while (parseBody(C, *Section, Until)) {
    if (firstWord(contents(Tokens[Pos])) == EndName) {
      closeNode(N);
      return;
    }
    ++Pos;
    Section = &N.Branches.emplace_back();
  }
  endUnclosed(N);
}

/// The tags Django 3.2 registers in its built-in library and in the i18n,
/// static, cache, l10n and tz libraries, and django-mptt's recursetree, sorted by name.
const Parser::HandlerEntry Parser::Handlers[] = {
    {"autoescape", &Parser::onOffBlockTag},
    {"block", &Parser::blockTag},
    {"blocktrans", &Parser::blockTranslateTag},
    {"blocktranslate", &Parser::blockTranslateTag},
    {"cache", &Parser::cacheTag},
    {"comment", &Parser::commentTag},
    {"csrf_token", &Parser::noArgumentTag},
    {"cycle", &Parser::cycleTag},
    {"debug", &Parser::noArgumentTag},
    {"extends", &Parser::extendsTag},
    {"filter", &Parser::filterTag},
    {"firstof", &Parser::firstOfTag},
    {"for", &Parser::forTag},
    {"get_available_languages", &Parser::asVariableTag},
    {"get_current_language", &Parser::asVariableTag},
    {"get_current_language_bidi", &Parser::asVariableTag},
    {"get_current_timezone", &Parser::asVariableTag},
    {"get_language_info", &Parser::languageInfoTag},
    {"get_language_info_list", &Parser::languageInfoTag},
    {"get_media_prefix", &Parser::prefixTag},
    {"get_static_prefix", &Parser::prefixTag},
    {"if", &Parser::ifTag},
    {"ifchanged", &Parser::ifChangedTag},
    {"ifequal", &Parser::ifEqualTag},
    {"ifnotequal", &Parser::ifEqualTag},
    {"include", &Parser::includeTag},
    {"language", &Parser::oneExpressionBlockTag},
    {"load", &Parser::noArgumentTag},
    {"localize", &Parser::onOffBlockTag},
    {"localtime", &Parser::onOffBlockTag},
    {"lorem", &Parser::loremTag},
    {"now", &Parser::nowTag},
    {"recursetree", &Parser::recurseTreeTag},
    {"regroup", &Parser::regroupTag},
    {"resetcycle", &Parser::resetCycleTag},
    {"spaceless", &Parser::spacelessTag},
    {"static", &Parser::staticTag},
    {"templatetag", &Parser::templateTagTag},
    {"timezone", &Parser::oneExpressionBlockTag},
    {"trans", &Parser::translateTag},
    {"translate", &Parser::translateTag},
    {"url", &Parser::urlTag},
    {"verbatim", &Parser::verbatimTag},
    {"widthratio", &Parser::widthRatioTag},
    {"with", &Parser::withTag},
};

Parser::Handler Parser::findHandler(std::string_view Name) {
  auto ByName = [](const HandlerEntry &A, const HandlerEntry &B) { return A.Name < B.Name; };
  assert(std::is_sorted(std::begin(Handlers), std::end(Handlers), ByName));
  const HandlerEntry *It = std::lower_bound(std::begin(Handlers), std::end(Handlers),
                                            HandlerEntry{Name, nullptr}, ByName);
  if (It == std::end(Handlers) || It->Name != Name)
    return nullptr;
  return It->Compile;
}

} // namespace detail

Template parseTemplate(std::string_view Source, unsigned DjangoVersion) {
  Template T;
  if (Source.size() >= std::numeric_limits<uint32_t>::max()) {
    T.Errors.push_back({"Template is too large (4 GiB or more).", {0, 0}});
    return T;
  }
  // Nothing here throws but std::bad_alloc; even that must not escape into a
  // thread pool.
  try {
    detail::Parser P(Source, detail::tokenize(Source), T.Errors, DjangoVersion);
    T.Nodes = P.run();
  } catch (const std::exception &E) {
    T.Nodes.clear();
    T.Errors.push_back(
        {detail::cat("Template could not be parsed: ", E.what()), {0, uint32_t(Source.size())}});
  }
  return T;
}

std::pair<unsigned, unsigned> lineColumn(std::string_view Source, uint32_t Offset) {
  size_t End = std::min<size_t>(Offset, Source.size());
  unsigned Line = 1;
  size_t LineStart = 0;
  for (size_t I = 0; I < End; ++I) {
    if (Source[I] == '\n') {
      ++Line;
      LineStart = I + 1;
    }
  }
  return {Line, unsigned(End - LineStart + 1)};
}

} // namespace nplus1::parse::tpl
