//===- parse/TemplateInternal.h - Django template parser internals -*- C++ -*-===//
//
// What the files of the Django template parser share, and nothing else
// includes: Python's character classes on UTF-8 (TemplateChars.cpp), the
// lexer and the splitting of tag contents (TemplateLexer.cpp), filter and
// `if` expressions (TemplateExpressions.cpp), and the Parser, whose tree
// builder is in Template.cpp and whose tag compile functions are in
// TemplateTags.cpp (built-in tags) and TemplateLibraryTags.cpp (the i18n,
// static, cache, l10n and tz libraries).
//
// The helpers called once per byte are inline here so that the lexer and
// the filter matcher do not pay a call for each character.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_PARSE_TEMPLATEINTERNAL_H
#define NPLUS1_PARSE_TEMPLATEINTERNAL_H

#include "AnalysisLimits.h"
#include "parse/Template.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace nplus1::parse::tpl::detail {

//===----------------------------------------------------------------------===//
// Characters (TemplateChars.cpp)
//===----------------------------------------------------------------------===//

constexpr uint32_t InvalidCodePoint = 0xFFFFFFFFu;
constexpr size_t NoMatch = std::string_view::npos;

/// One decoded code point and how many bytes it took.
struct CodePoint {
  uint32_t Value;
  uint32_t Size;
};

/// Decodes the UTF-8 sequence at S[I]; an invalid byte decodes on its own.
inline CodePoint decodeAt(std::string_view S, size_t I) {
  auto Byte = [&](size_t K) { return static_cast<unsigned char>(S[K]); };
  unsigned char Lead = Byte(I);
  if (Lead < 0x80)
    return {Lead, 1};
  uint32_t Size, Value, Min;
  if ((Lead & 0xE0) == 0xC0) {
    Size = 2, Value = Lead & 0x1F, Min = 0x80;
  } else if ((Lead & 0xF0) == 0xE0) {
    Size = 3, Value = Lead & 0x0F, Min = 0x800;
  } else if ((Lead & 0xF8) == 0xF0) {
    Size = 4, Value = Lead & 0x07, Min = 0x10000;
  } else {
    return {InvalidCodePoint, 1};
  }
  if (I + Size > S.size())
    return {InvalidCodePoint, 1};
  for (uint32_t K = 1; K < Size; ++K) {
    unsigned char Next = Byte(I + K);
    if ((Next & 0xC0) != 0x80)
      return {InvalidCodePoint, 1};
    Value = (Value << 6) | (Next & 0x3F);
  }
  if (Value < Min || Value > 0x10FFFF || (Value >= 0xD800 && Value <= 0xDFFF))
    return {InvalidCodePoint, 1};
  return {Value, Size};
}

/// `re`'s `\w` and `\d` beyond ASCII (Unicode 14.0, as Python 3.11 has them).
bool isWordBeyondAscii(uint32_t C);
bool isDigitBeyondAscii(uint32_t C);

/// Python's str.isspace(), which is also `re`'s `\s`.
inline bool isSpace(uint32_t C) {
  if (C < 0x80)
    return (C >= 0x09 && C <= 0x0D) || (C >= 0x1C && C <= 0x20);
  return C == 0x85 || C == 0xA0 || C == 0x1680 || (C >= 0x2000 && C <= 0x200A) || C == 0x2028 ||
         C == 0x2029 || C == 0x202F || C == 0x205F || C == 0x3000;
}

/// `re`'s `\w`: str.isalnum() or '_'.
inline bool isWord(uint32_t C) {
  if (C < 0x80)
    return (C >= '0' && C <= '9') || (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || C == '_';
  return C != InvalidCodePoint && isWordBeyondAscii(C);
}

/// `re`'s `\d`: Unicode decimal digits.
inline bool isDigit(uint32_t C) {
  if (C < 0x80)
    return C >= '0' && C <= '9';
  return C != InvalidCodePoint && isDigitBeyondAscii(C);
}

inline size_t skipSpaces(std::string_view S, size_t I) {
  while (I < S.size()) {
    CodePoint C = decodeAt(S, I);
    if (!isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

inline size_t skipNonSpaces(std::string_view S, size_t I) {
  while (I < S.size()) {
    CodePoint C = decodeAt(S, I);
    if (isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

/// Python's str.strip(): the [Begin, End) of S without surrounding spaces.
std::pair<size_t, size_t> stripRange(std::string_view S);

/// The first word of S as Python's str.split() finds it.
std::string_view firstWord(std::string_view S);

inline bool startsWith(std::string_view S, std::string_view Prefix) {
  return S.substr(0, Prefix.size()) == Prefix;
}

inline bool endsWith(std::string_view S, std::string_view Suffix) {
  return S.size() >= Suffix.size() && S.substr(S.size() - Suffix.size()) == Suffix;
}

/// Concatenates strings and numbers, for error messages.
template <typename... Ts> std::string cat(const Ts &...Parts) {
  std::string Out;
  auto Add = [&](const auto &Part) {
    using T = std::decay_t<decltype(Part)>;
    if constexpr (std::is_integral_v<T>)
      Out += std::to_string(Part);
    else
      Out += std::string_view(Part);
  };
  (Add(Parts), ...);
  return Out;
}

/// Python's repr() of an ASCII-ish string, as Django's `%r` shows it.
std::string quoted(std::string_view S);

//===----------------------------------------------------------------------===//
// Lexer and tag contents (TemplateLexer.cpp)
//===----------------------------------------------------------------------===//

enum class TokenKind : uint8_t { Text, Var, Block, Comment };

/// One token of django.template.base.Lexer, with its place in the source.
struct Token {
  TokenKind Kind;
  uint32_t Begin, End;               // the whole token
  uint32_t ContentBegin, ContentEnd; // tags: the stripped inside; text: all
  uint32_t Line;
};

/// Splits a template like `tag_re.split()` does and classifies the pieces
/// like `Lexer.create_token()`, including the `{% verbatim %}` state.
std::vector<Token> tokenize(std::string_view Src);

/// One word of a tag's contents and where it is in the source.
struct Bit {
  std::string Text;
  Range Where;
};

/// A quote that opens a string literal in tag contents.
inline bool isQuote(char C) { return C == '"' || C == '\''; }

/// The end of the quoted string that starts at S[I] (`"(?:[^"\\]|\\.)*"`;
/// `.` does not match a newline), or NoMatch.
size_t matchQuoted(std::string_view S, size_t I);

/// Token.split_contents(): smart_split, then `_("a b")` pieces joined back.
/// False when a translated string never ends (Django's StopIteration).
bool splitTagContents(std::string_view S, uint32_t Base, std::vector<Bit> &Out);

/// Python's str.split() with no arguments.
std::vector<Bit> splitWords(std::string_view S, uint32_t Base);

//===----------------------------------------------------------------------===//
// Filter and `if` expressions (TemplateExpressions.cpp)
//===----------------------------------------------------------------------===//

/// FilterExpression(Text): the variable and its filters. Ranges are Base plus
/// offsets into Text. Err gets the first error Django would raise, if any.
Expr compileFilter(std::string_view Text, uint32_t Base, Error &Err, unsigned DjangoVersion);

/// An operand that is only a literal tells nothing about the context.
inline bool isBareLiteral(const Expr &E) { return E.IsLiteral && E.Filters.empty(); }

/// One token of an `if` expression: an operator or an operand.
struct IfToken {
  enum { Operand, Prefix, Infix, End } Kind;
  int BindingPower; // lbp; 0 for operands and the end
  std::string Display;
};

/// The operators of smartif.OPERATORS with their binding powers.
bool ifOperator(std::string_view Word, IfToken &T);

/// IfParser(Tokens).parse(), which only checks the grammar (the operands are
/// compiled separately): empty on success, else Django's message.
std::string checkIfExpression(std::vector<IfToken> Tokens);

//===----------------------------------------------------------------------===//
// Parser (Template.cpp, TemplateTags.cpp, TemplateLibraryTags.cpp)
//===----------------------------------------------------------------------===//

using TagList = std::vector<std::string_view>;

// Keeps a helper out of its caller so that its locals are not part of the
// caller's frame: the parser recurses once per nesting level, and only what
// stays live across the recursion should cost stack there.
#if defined(__GNUC__) || defined(__clang__)
#define NPLUS1_NOINLINE __attribute__((noinline))
#else
#define NPLUS1_NOINLINE
#endif

/// Django's Parser.parse() with the compile functions of the tags it knows.
class Parser {
public:
  Parser(std::string_view Src, std::vector<Token> Tokens, std::vector<Error> &Errors,
         unsigned DjangoVersion)
      : Src(Src), Tokens(std::move(Tokens)), Errors(Errors), DjangoVersion(DjangoVersion) {
    for (const Token &T : this->Tokens)
      if (T.Kind == TokenKind::Block)
        Commands.insert(firstWord(contents(T)));
  }

  std::vector<Node> run() {
    std::vector<Node> Nodes;
    static const TagList Nothing;
    parseNodes(Nodes, Nothing);
    return Nodes;
  }

private:
  /// How a run of nodes ended.
  enum class Stop { Found, Eof, Outer, Abort };

  /// The tag being compiled and the node list it goes to.
  struct TagCall {
    const Token &Tok;
    std::string_view Contents;
    std::string_view Command;
    std::vector<Node> &Out;
    bool ContainsNonText;
  };
  using Handler = void (Parser::*)(TagCall &);
  struct HandlerEntry {
    std::string_view Name;
    Handler Compile;
  };
  static const HandlerEntry Handlers[];

  static constexpr size_t MaxErrors = limits::TemplateErrors;

  std::string_view contents(const Token &T) const {
    return Src.substr(T.ContentBegin, T.ContentEnd - T.ContentBegin);
  }

  static Range whole(const Token &T) { return {T.Begin, T.End}; }

  void error(std::string Message, Range Where) {
    if (Errors.size() > MaxErrors)
      return;
    if (Errors.size() == MaxErrors) {
      Errors.push_back({"Too many errors; giving up on reporting more.", Where});
      return;
    }
    Errors.push_back({std::move(Message), Where});
  }

  void error(const TagCall &C, std::string Message) { error(std::move(Message), whole(C.Tok)); }

  //===--------------------------------------------------------------------===//
  // Node lists
  //===--------------------------------------------------------------------===//

  /// Parser.parse(Until): appends nodes to Out until a block tag whose
  /// command is in Until (left unconsumed at Pos), the end of the tokens, an
  /// end tag that an enclosing tag waits for, or a fatal error.
  Stop parseNodes(std::vector<Node> &Out, const TagList &Until) {
    if (Aborted)
      return Stop::Abort;
    if (Depth >= MaxNestingDepth) {
      reportTooDeep();
      return Stop::Abort;
    }
    ++Depth;
    startWaiting(Until);
    Stop Result = parseNodesUntil(Out, Until);
    stopWaiting(Until);
    --Depth;
    return Result;
  }

  NPLUS1_NOINLINE void startWaiting(const TagList &Until);

  NPLUS1_NOINLINE void stopWaiting(const TagList &Until);

  NPLUS1_NOINLINE void reportTooDeep();

  static bool contains(const TagList &List, std::string_view Name) {
    return std::find(List.begin(), List.end(), Name) != List.end();
  }

  /// Whether an enclosing parseNodes() (not the innermost) waits for Name.
  NPLUS1_NOINLINE bool outerWaitsFor(const TagList &Until, std::string_view Name) const;

  /// A block tag that closes or continues some other tag.
  NPLUS1_NOINLINE bool isStrayEndTag(std::string_view Command) const;

  /// Tag libraries register identifiers, some behind a sigil (component libraries
  /// register `{% #card %}`...`{% /card %}`); `{% {{ x %}` is no tag.
  static bool isTagName(std::string_view Command);

  Stop parseNodesUntil(std::vector<Node> &Out, const TagList &Until);

  NPLUS1_NOINLINE void reportEmptyTag(const Token &T);

  NPLUS1_NOINLINE void invalidBlockTag(const Token &T, std::string_view Command,
                                       const TagList &Until);

  /// Appends the node of the tag C to its list and returns it. Nodes are
  /// built in place so that no Node lives on the stack of the recursion; the
  /// list does not grow while the tag's own body is parsed.
  static Node &startTag(TagCall &C, NodeKind Kind) {
    Node &N = C.Out.emplace_back();
    N.Kind = Kind;
    N.Where = N.TagWhere = whole(C.Tok);
    N.TagName = std::string(C.Command);
    return N;
  }

  /// Parses a body into Into. True when a tag of Until ends it (it is then at
  /// Pos); otherwise the tag is reported as unclosed.
  bool parseBody(const TagCall &C, std::vector<Node> &Into, const TagList &Until) {
    Stop S = parseNodes(Into, Until);
    if (S == Stop::Found)
      return true;
    if (S != Stop::Abort)
      reportUnclosed(C, Until);
    return false;
  }

  NPLUS1_NOINLINE void reportUnclosed(const TagCall &C, const TagList &Until);

  /// Consumes the tag at Pos as N's end tag.
  void closeNode(Node &N) {
    const Token &T = Tokens[Pos++];
    N.EndTagWhere = whole(T);
    N.Where.End = T.End;
  }

  /// N ends where its last consumed token does.
  void endUnclosed(Node &N) {
    if (Pos > 0)
      N.Where.End = std::max(N.Where.End, Tokens[Pos - 1].End);
  }

  /// Parses N's body up to Ends and closes N.
  void simpleBody(const TagCall &C, Node &N, const TagList &Ends) {
    if (parseBody(C, N.Children, Ends))
      closeNode(N);
    else
      endUnclosed(N);
  }

  /// Appends a node of Kind covering T whose Text is T's contents.
  NPLUS1_NOINLINE Node &addTokenNode(std::vector<Node> &Out, const Token &T, NodeKind Kind);

  NPLUS1_NOINLINE void addVar(std::vector<Node> &Out, const Token &T);

  //===--------------------------------------------------------------------===//
  // Expressions and arguments
  //===--------------------------------------------------------------------===//

  /// parser.compile_filter(); errors are reported when Report is set.
  Expr compile(std::string_view Text, uint32_t Base, Range Fallback, bool Report = true);

  Expr compile(const Bit &B, bool Report = true) {
    return compile(B.Text, B.Where.Begin, B.Where, Report);
  }

  /// Whether B compiles without error; its Expr goes to E.
  bool tryCompile(const Bit &B, Expr &E);

  /// token.split_contents(), reporting a translated string that never ends.
  std::vector<Bit> splitContents(const TagCall &C);

  std::vector<Bit> plainSplit(const TagCall &C) {
    return splitWords(C.Contents, C.Tok.ContentBegin);
  }

  /// kwarg_re = r"(?:(\w+)=)?(.+)": the key length of B, or 0.
  static size_t kwargKeyLength(std::string_view B);

  /// The value part of a `key=value` bit.
  static Bit kwargValue(const Bit &B, size_t KeyLength) {
    return {B.Text.substr(KeyLength + 1), {uint32_t(B.Where.Begin + KeyLength + 1), B.Where.End}};
  }

  /// Sets Name in a dict-like binding list.
  static void bind(std::vector<std::pair<std::string, Expr>> &Bindings, std::string Name,
                   Expr Value);

  /// token_kwargs(Bits[I..]): the bindings it reads; I moves past them.
  std::vector<std::pair<std::string, Expr>> tokenKwargs(const std::vector<Bit> &Bits, size_t &I,
                                                        bool SupportLegacy);

  /// Arguments of a tag we do not know: `as name` targets, `k=v` bindings
  /// and every other word that compiles as an expression.
  NPLUS1_NOINLINE void genericArguments(const TagCall &C, Node &N);

  /// Collects the non-literal operands of the condition of the `if`/`elif`
  /// tag C and checks its grammar (TemplateIfParser(parser, bits).parse()).
  NPLUS1_NOINLINE void parseCondition(const TagCall &C, Node &N, uint32_t Branch);

  //===--------------------------------------------------------------------===//
  // Tags
  //===--------------------------------------------------------------------===//

  /// The compile function of a tag we know, or null.
  NPLUS1_NOINLINE static Handler findHandler(std::string_view Name);

  void compileTag(TagCall &C);

  /// A tag from a library we cannot see: a block tag when the template also
  /// has its end tag, a simple tag otherwise; arguments best-effort.
  NPLUS1_NOINLINE void unknownTag(TagCall &C);

  // Built-in tags (defaulttags.py and loader_tags.py): TemplateTags.cpp.

  void noArgumentTag(TagCall &C) { startTag(C, NodeKind::Other); }

  void forTag(TagCall &C);

  NPLUS1_NOINLINE void forArguments(const TagCall &C, Node &N);

  /// re.split(r' *, *', ' '.join(Bits[1:In])), each name checked.
  void loopVariables(const TagCall &C, const std::vector<Bit> &Bits, size_t In, Node &N);

  void ifTag(TagCall &C);

  /// Consumes the `{% elif %}` at Pos and parses its condition.
  NPLUS1_NOINLINE void elifCondition(const TagCall &C, Node &N);

  /// The `if` tag's "Malformed template tag" check.
  NPLUS1_NOINLINE void checkExactly(const Token &T, std::string_view Expected);

  /// ifequal/ifnotequal, given as an If node comparing two operands.
  void ifEqualTag(TagCall &C);

  static inline const TagList IfEqualEnds[] = {
      {"else", "endifequal"}, {"else", "endifnotequal"}, {"endifequal"}, {"endifnotequal"}};

  NPLUS1_NOINLINE void ifEqualArguments(const TagCall &C, Node &N);

  void ifChangedTag(TagCall &C);

  /// Every bit from First on, compiled into N.Args.
  NPLUS1_NOINLINE void expressionArguments(const TagCall &C, Node &N, size_t First);

  void withTag(TagCall &C);

  NPLUS1_NOINLINE void withArguments(const TagCall &C, Node &N);

  void includeTag(TagCall &C);

  void extendsTag(TagCall &C);

  void blockTag(TagCall &C);

  NPLUS1_NOINLINE void blockArguments(const TagCall &C, Node &N);

  /// Only `endblock` and `endblock <name>`, spelled exactly, end a block.
  NPLUS1_NOINLINE void checkEndBlock(const Node &N);

  void commentTag(TagCall &C);

  void verbatimTag(TagCall &C);

  void spacelessTag(TagCall &C);

  /// autoescape, localize and localtime: `on`/`off` and a body.
  void onOffBlockTag(TagCall &C);

  NPLUS1_NOINLINE void onOffArgument(const TagCall &C);

  void filterTag(TagCall &C);

  NPLUS1_NOINLINE void filterArgument(const TagCall &C, Node &N);

  void cycleTag(TagCall &C);

  void resetCycleTag(TagCall &C);

  void firstOfTag(TagCall &C);

  void urlTag(TagCall &C);

  void widthRatioTag(TagCall &C);

  void nowTag(TagCall &C);

  void loremTag(TagCall &C);

  void regroupTag(TagCall &C);

  void templateTagTag(TagCall &C);

  // Tags of the i18n, static, cache, l10n and tz libraries: TemplateLibraryTags.cpp.

  /// language and timezone: one expression and a body.
  void oneExpressionBlockTag(TagCall &C);

  NPLUS1_NOINLINE void oneExpressionArgument(const TagCall &C, Node &N);

  void cacheTag(TagCall &C);

  /// django-mptt's recursetree: a loop over the tree's nodes.
  void recurseTreeTag(TagCall &C);

  NPLUS1_NOINLINE void cacheArguments(const TagCall &C, Node &N);

  void blockTranslateTag(TagCall &C);

  /// The options of blocktranslate; true when it has a `count`.
  bool blockTranslateOptions(const TagCall &C, Node &N);

  /// Text and `{{ key }}` tokens of a blocktranslate body. True when a
  /// block tag ends it (left at Pos); false at the end of the template.
  bool translationBody(const TagCall &C, std::vector<Node> &Into);

  void translateTag(TagCall &C);

  /// get_current_language & co: `as name`.
  void asVariableTag(TagCall &C);

  /// get_language_info(_list): `for expr as name`.
  void languageInfoTag(TagCall &C);

  /// get_static_prefix / get_media_prefix `[as name]`.
  void prefixTag(TagCall &C);

  void staticTag(TagCall &C);

  std::string_view Src;
  std::vector<Token> Tokens;
  std::vector<Error> &Errors;
  unsigned DjangoVersion; ///< 0: unknown
  size_t Pos = 0;
  unsigned Depth = 0;
  bool Aborted = false;
  bool SeenExtends = false;
  bool HasCycle = false;
  /// The command of every block tag in the template.
  std::unordered_set<std::string_view> Commands;
  /// How many open tags wait for each end or intermediate tag.
  std::unordered_map<std::string_view, unsigned> Waiting;
  std::unordered_set<std::string> BlockNames, NamedCycles;
};

} // namespace nplus1::parse::tpl::detail

#endif // NPLUS1_PARSE_TEMPLATEINTERNAL_H
