//===- parse/TemplateExpressions.cpp - Filter and `if` expressions ---------===//
//
// Django's FilterExpression (filter_re, Variable, Parser.args_check for the
// filters Django ships) and the grammar check of the smart `if` parser
// (django/template/smartif.py).
//
//===----------------------------------------------------------------------===//

#include "parse/TemplateInternal.h"

namespace nplus1::parse::tpl::detail {
namespace {

//===----------------------------------------------------------------------===//
// FilterExpression
//===----------------------------------------------------------------------===//

/// `_("...")`, `_('...')`, `"..."` or `'...'` at S[I]: its end or NoMatch.
size_t matchConstant(std::string_view S, size_t I) {
  if (I + 2 < S.size() && S[I] == '_' && S[I + 1] == '(' && isQuote(S[I + 2])) {
    size_t End = matchQuoted(S, I + 2);
    if (End != NoMatch && End < S.size() && S[End] == ')')
      return End + 1;
    return NoMatch;
  }
  if (I < S.size() && isQuote(S[I]))
    return matchQuoted(S, I);
  return NoMatch;
}

/// `[\w.]+` at S[I].
size_t matchVarChars(std::string_view S, size_t I) {
  size_t J = I;
  while (J < S.size()) {
    CodePoint C = decodeAt(S, J);
    if (C.Value != '.' && !isWord(C.Value))
      break;
    J += C.Size;
  }
  return J > I ? J : NoMatch;
}

/// `[-+\.]?\d[\d\.e]*` at S[I].
size_t matchNumber(std::string_view S, size_t I) {
  size_t J = I;
  if (J < S.size() && (S[J] == '-' || S[J] == '+' || S[J] == '.'))
    ++J;
  if (J >= S.size())
    return NoMatch;
  CodePoint First = decodeAt(S, J);
  if (!isDigit(First.Value))
    return NoMatch;
  J += First.Size;
  while (J < S.size()) {
    CodePoint C = decodeAt(S, J);
    if (C.Value != '.' && C.Value != 'e' && !isDigit(C.Value))
      break;
    J += C.Size;
  }
  return J;
}

/// `[\w.]+|num`, in that order, as filter_re tries them.
size_t matchVarOrNumber(std::string_view S, size_t I) {
  size_t End = matchVarChars(S, I);
  return End != NoMatch ? End : matchNumber(S, I);
}

/// One match of filter_re.
struct FilterMatch {
  enum { Constant, Var, Filter } Kind;
  size_t Begin, End;
  size_t NameBegin = 0, NameEnd = 0;
  bool HasArg = false, ArgIsConstant = false;
  size_t ArgBegin = 0, ArgEnd = 0;
};

/// `\s*\|\s*(\w+)(?::(constant|[\w.]+|num))?` at S[I].
bool matchFilterAt(std::string_view S, size_t I, FilterMatch &M) {
  size_t J = skipSpaces(S, I);
  if (J >= S.size() || S[J] != '|')
    return false;
  J = skipSpaces(S, J + 1);
  size_t NameEnd = J;
  while (NameEnd < S.size()) {
    CodePoint C = decodeAt(S, NameEnd);
    if (!isWord(C.Value))
      break;
    NameEnd += C.Size;
  }
  if (NameEnd == J)
    return false;
  M = {FilterMatch::Filter, I, NameEnd, J, NameEnd};
  if (NameEnd >= S.size() || S[NameEnd] != ':')
    return true;
  size_t ArgBegin = NameEnd + 1, ArgEnd = matchConstant(S, ArgBegin);
  M.ArgIsConstant = ArgEnd != NoMatch;
  if (ArgEnd == NoMatch)
    ArgEnd = matchVarOrNumber(S, ArgBegin);
  if (ArgEnd == NoMatch)
    return true;
  M.HasArg = true;
  M.ArgBegin = ArgBegin;
  M.ArgEnd = M.End = ArgEnd;
  return true;
}

/// The next match of filter_re.finditer() at or after From.
bool nextFilterMatch(std::string_view S, size_t From, FilterMatch &M) {
  if (From == 0) {
    if (size_t End = matchConstant(S, 0); End != NoMatch) {
      M = {FilterMatch::Constant, 0, End};
      return true;
    }
    if (size_t End = matchVarOrNumber(S, 0); End != NoMatch) {
      M = {FilterMatch::Var, 0, End};
      return true;
    }
  }
  for (size_t I = From; I < S.size();) {
    if (matchFilterAt(S, I, M))
      return true;
    CodePoint C = decodeAt(S, I);
    if (!isSpace(C.Value)) {
      I += C.Size;
      continue;
    }
    // Every start inside this run of spaces fails the same way.
    size_t RunEnd = skipSpaces(S, I);
    I = RunEnd < S.size() && S[RunEnd] == '|' ? RunEnd + 1 : RunEnd;
  }
  return false;
}

/// `digit (_? digit)*` at V[I], as Python's int() and float() take digits.
size_t matchDigitPart(std::string_view V, size_t I) {
  if (I >= V.size() || !isDigit(decodeAt(V, I).Value))
    return NoMatch;
  I += decodeAt(V, I).Size;
  while (I < V.size()) {
    size_t J = V[I] == '_' ? I + 1 : I;
    if (J >= V.size())
      break;
    CodePoint C = decodeAt(V, J);
    if (!isDigit(C.Value))
      break;
    I = J + C.Size;
  }
  return I;
}

size_t skipSign(std::string_view V) { return !V.empty() && (V[0] == '-' || V[0] == '+') ? 1 : 0; }

bool isPythonInt(std::string_view V) { return matchDigitPart(V, skipSign(V)) == V.size(); }

bool isPythonFloat(std::string_view V) {
  size_t I = skipSign(V), End = matchDigitPart(V, I);
  bool HasDigits = End != NoMatch;
  if (!HasDigits)
    End = I;
  if (End < V.size() && V[End] == '.') {
    size_t Fraction = matchDigitPart(V, End + 1);
    HasDigits |= Fraction != NoMatch;
    End = Fraction != NoMatch ? Fraction : End + 1;
  }
  if (!HasDigits)
    return false;
  if (End < V.size() && (V[End] == 'e' || V[End] == 'E')) {
    size_t Exponent = End + 1;
    if (Exponent < V.size() && (V[Exponent] == '-' || V[Exponent] == '+'))
      ++Exponent;
    End = matchDigitPart(V, Exponent);
  }
  return End == V.size();
}

/// Whether Variable(V) is a number: float() when V has '.' or 'e' (but not a
/// trailing '.'), int() otherwise.
bool isNumberLiteral(std::string_view V) {
  if (V.find_first_of(".eE") != NoMatch)
    return isPythonFloat(V) && !endsWith(V, ".");
  return isPythonInt(V);
}

/// Variable() refuses lookups that begin with an underscore.
bool hasPrivateLookup(std::string_view V) { return V.find("._") != NoMatch || startsWith(V, "_"); }

/// How many arguments a filter that ships with Django takes. Filters we do
/// not know may come from any library and take anything.
enum class FilterArity { Unknown, None, Optional, Required };

FilterArity builtinFilterArity(std::string_view Name) {
  // Generated from Django 3.2's default filters and the i18n, l10n, static
  // and tz libraries with inspect.getfullargspec, as Parser.args_check reads
  // them.
  static const std::unordered_map<std::string_view, FilterArity> Arity = [] {
    std::unordered_map<std::string_view, FilterArity> Map;
    for (std::string_view Name : {"add",
                                  "center",
                                  "cut",
                                  "default",
                                  "default_if_none",
                                  "dictsort",
                                  "dictsortreversed",
                                  "divisibleby",
                                  "get_digit",
                                  "join",
                                  "json_script",
                                  "length_is",
                                  "ljust",
                                  "rjust",
                                  "slice",
                                  "stringformat",
                                  "timezone",
                                  "truncatechars",
                                  "truncatechars_html",
                                  "truncatewords",
                                  "truncatewords_html",
                                  "urlizetrunc",
                                  "wordwrap"})
      Map.emplace(Name, FilterArity::Required);
    for (std::string_view Name : {"addslashes",
                                  "capfirst",
                                  "escape",
                                  "escapejs",
                                  "filesizeformat",
                                  "first",
                                  "force_escape",
                                  "iriencode",
                                  "language_bidi",
                                  "language_name",
                                  "language_name_local",
                                  "language_name_translated",
                                  "last",
                                  "length",
                                  "localize",
                                  "localtime",
                                  "lower",
                                  "make_list",
                                  "phone2numeric",
                                  "pprint",
                                  "random",
                                  "safe",
                                  "safeseq",
                                  "slugify",
                                  "striptags",
                                  "title",
                                  "unlocalize",
                                  "upper",
                                  "utc",
                                  "wordcount"})
      Map.emplace(Name, FilterArity::None);
    for (std::string_view Name :
         {"date", "floatformat", "linebreaks", "linebreaksbr", "linenumbers", "pluralize", "time",
          "timesince", "timeuntil", "unordered_list", "urlencode", "urlize", "yesno"})
      Map.emplace(Name, FilterArity::Optional);
    return Map;
  }();
  auto It = Arity.find(Name);
  return It == Arity.end() ? FilterArity::Unknown : It->second;
}

/// The arity of filter \p Name in Django \p DjangoVersion (0: unknown, then
/// the arity any supported version accepts).
FilterArity filterArity(std::string_view Name, unsigned DjangoVersion) {
  // json_script(value, element_id=None) from Django 4.1 on.
  if (Name == "json_script" && (DjangoVersion == 0 || DjangoVersion >= 401))
    return FilterArity::Optional;
  return builtinFilterArity(Name);
}

/// Parser.args_check() for the filters Django ships: empty when F is fine.
std::string checkFilterArguments(const Filter &F, unsigned DjangoVersion) {
  FilterArity Arity = filterArity(F.Name, DjangoVersion);
  if (Arity == FilterArity::Required && !F.HasArg)
    return cat(F.Name, " requires 2 arguments, 1 provided");
  if (Arity == FilterArity::None && F.HasArg)
    return cat(F.Name, " requires 1 arguments, 2 provided");
  return {};
}

} // namespace

/// FilterExpression(Text): the variable and its filters. Ranges are Base plus
/// offsets into Text. Err gets the first error Django would raise, if any.
Expr compileFilter(std::string_view Text, uint32_t Base, Error &Err, unsigned DjangoVersion) {
  Expr E;
  E.Where = {Base, uint32_t(Base + Text.size())};
  E.VarWhere = {Base, Base};
  auto At = [&](size_t Offset) { return uint32_t(Base + Offset); };
  auto Fail = [&](std::string Message, size_t Begin, size_t End) {
    Err = {std::move(Message), {At(Begin), At(End)}};
    return E;
  };
  size_t Upto = 0;
  bool HaveVar = false;
  FilterMatch M;
  while (nextFilterMatch(Text, Upto, M)) {
    if (M.Begin != Upto)
      return Fail(cat("Could not parse some characters: ", Text.substr(0, Upto), "|",
                      Text.substr(Upto, M.Begin - Upto), "|", Text.substr(M.Begin)),
                  Upto, M.Begin);
    if (!HaveVar) {
      if (M.Kind == FilterMatch::Filter)
        return Fail(cat("Could not find variable at start of ", Text, "."), 0, Text.size());
      E.Var = std::string(Text.substr(M.Begin, M.End - M.Begin));
      E.VarWhere = {At(M.Begin), At(M.End)};
      E.IsLiteral = M.Kind == FilterMatch::Constant || isNumberLiteral(E.Var);
      if (!E.IsLiteral && hasPrivateLookup(E.Var))
        return Fail(cat("Variables and attributes may not begin with "
                        "underscores: '",
                        E.Var, "'"),
                    M.Begin, M.End);
      HaveVar = true;
      Upto = M.End;
      continue;
    }
    Filter F;
    F.Name = std::string(Text.substr(M.NameBegin, M.NameEnd - M.NameBegin));
    F.Where = {At(M.NameBegin), At(M.End)};
    if (M.HasArg) {
      F.HasArg = true;
      F.Arg = std::string(Text.substr(M.ArgBegin, M.ArgEnd - M.ArgBegin));
      F.ArgWhere = {At(M.ArgBegin), At(M.ArgEnd)};
      F.ArgIsLiteral = M.ArgIsConstant || isNumberLiteral(F.Arg);
      if (!F.ArgIsLiteral && hasPrivateLookup(F.Arg))
        return Fail(cat("Variables and attributes may not begin with "
                        "underscores: '",
                        F.Arg, "'"),
                    M.ArgBegin, M.ArgEnd);
    }
    if (std::string Message = checkFilterArguments(F, DjangoVersion); !Message.empty())
      return Fail(std::move(Message), M.NameBegin, M.End);
    E.Filters.push_back(std::move(F));
    Upto = M.End;
  }
  if (Upto != Text.size())
    return Fail(cat("Could not parse the remainder: '", Text.substr(Upto), "' from '", Text, "'"),
                Upto, Text.size());
  return E;
}

//===----------------------------------------------------------------------===//
// The smart `if` expression (django/template/smartif.py)
//===----------------------------------------------------------------------===//

namespace {

/// IfParser's top-down operator-precedence parser, reduced to checking the
/// grammar: the operands are compiled separately.
class IfExpressionParser {
public:
  explicit IfExpressionParser(std::vector<IfToken> Tokens) : Tokens(std::move(Tokens)) {
    Current = next();
  }

  /// IfParser.parse(): empty on success, else Django's message.
  std::string parse() {
    if (!expression(0))
      return Message;
    if (Current.Kind != IfToken::End)
      return cat("Unused '", Current.Display, "' at end of if expression.");
    return {};
  }

private:
  IfToken next() {
    if (Pos >= Tokens.size())
      return {IfToken::End, 0, {}};
    return Tokens[Pos++];
  }

  bool expression(int RightBindingPower) {
    // Python gives up with a RecursionError at about this depth too.
    if (++Depth > MaxNestingDepth) {
      Message = "'if' expression is nested too deeply.";
      return false;
    }
    IfToken T = std::move(Current);
    Current = next();
    switch (T.Kind) {
    case IfToken::End:
      Message = "Unexpected end of expression in if tag.";
      return false;
    case IfToken::Infix:
      Message = cat("Not expecting '", T.Display, "' in this position in if tag.");
      return false;
    case IfToken::Prefix:
      if (!expression(T.BindingPower))
        return false;
      break;
    case IfToken::Operand:
      break;
    }
    while (RightBindingPower < Current.BindingPower) {
      T = std::move(Current);
      Current = next();
      if (T.Kind != IfToken::Infix) {
        Message = cat("Not expecting '", T.Display, "' as infix operator in if tag.");
        return false;
      }
      if (!expression(T.BindingPower))
        return false;
    }
    --Depth;
    return true;
  }

  std::vector<IfToken> Tokens;
  size_t Pos = 0;
  IfToken Current;
  unsigned Depth = 0;
  std::string Message;
};

} // namespace

std::string checkIfExpression(std::vector<IfToken> Tokens) {
  return IfExpressionParser(std::move(Tokens)).parse();
}

/// The operators of smartif.OPERATORS with their binding powers.
bool ifOperator(std::string_view Word, IfToken &T) {
  static const std::pair<std::string_view, int> Infix[] = {
      {"or", 6},  {"and", 7}, {"in", 9}, {"not in", 9}, {"is", 10}, {"is not", 10},
      {"==", 10}, {"!=", 10}, {">", 10}, {">=", 10},    {"<", 10},  {"<=", 10}};
  if (Word == "not") {
    T = {IfToken::Prefix, 8, "not"};
    return true;
  }
  for (const auto &[Name, Power] : Infix) {
    if (Word == Name) {
      T = {IfToken::Infix, Power, std::string(Name)};
      return true;
    }
  }
  return false;
}

} // namespace nplus1::parse::tpl::detail
