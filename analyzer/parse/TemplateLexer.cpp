//===- parse/TemplateLexer.cpp - Django template lexer ---------------------===//
//
// django.template.base.Lexer (tag_re, verbatim handling) and the splitting of
// a tag's contents: smart_split, Token.split_contents (`_("...")` joining)
// and str.split().
//
//===----------------------------------------------------------------------===//

#include "parse/TemplateInternal.h"

namespace nplus1::parse::tpl::detail {
namespace {

class Lexer {
public:
  explicit Lexer(std::string_view Src) : Src(Src) {}

  std::vector<Token> tokenize() {
    size_t TextStart = 0, Pos = 0;
    while (Pos + 1 < Src.size()) {
      size_t Open = Src.find('{', Pos);
      if (Open == NoMatch || Open + 1 >= Src.size())
        break;
      int Kind = kindOf(Src[Open + 1]);
      if (Kind < 0) {
        Pos = Open + 1;
        continue;
      }
      // `{%.*?%}`: the first closer after the opener, on the same line.
      size_t Close = findClose(Kind, Open + 2);
      if (Close == NoMatch || Close > findNewline(Open + 2)) {
        Pos = Open + 1;
        continue;
      }
      if (Open > TextStart)
        addText(TextStart, Open);
      addTag(Open, Close + 2);
      Pos = TextStart = Close + 2;
    }
    if (TextStart < Src.size())
      addText(TextStart, Src.size());
    return std::move(Tokens);
  }

private:
  static int kindOf(char C) {
    switch (C) {
    case '%':
      return 0;
    case '{':
      return 1;
    case '#':
      return 2;
    default:
      return -1;
    }
  }

  /// The first `%}`/`}}`/`#}` at or after From; searches only move forward,
  /// so a line full of openers without closers stays linear.
  size_t findClose(int Kind, size_t From) {
    static constexpr std::string_view Closers[] = {"%}", "}}", "#}"};
    size_t &At = CloseAt[Kind], &SearchedFrom = CloseFrom[Kind];
    bool Known = SearchedFrom != NoMatch && SearchedFrom <= From && (At == NoMatch || At >= From);
    if (!Known) {
      At = Src.find(Closers[Kind], From);
      SearchedFrom = From;
    }
    return At;
  }

  size_t findNewline(size_t From) {
    if (NewlineFrom == NoMatch || NewlineFrom > From ||
        (NewlineAt != NoMatch && NewlineAt < From)) {
      NewlineAt = Src.find('\n', From);
      NewlineFrom = From;
    }
    return NewlineAt == NoMatch ? Src.size() : NewlineAt;
  }

  uint32_t lineAt(size_t Offset) {
    for (; LinePos < Offset; ++LinePos)
      Line += Src[LinePos] == '\n';
    return Line;
  }

  void addText(size_t Begin, size_t End) {
    Tokens.push_back({TokenKind::Text, uint32_t(Begin), uint32_t(End), uint32_t(Begin),
                      uint32_t(End), lineAt(Begin)});
  }

  void addTag(size_t Begin, size_t End) {
    std::string_view Inside = Src.substr(Begin + 2, End - Begin - 4);
    auto [StripBegin, StripEnd] = stripRange(Inside);
    std::string_view Content = Inside.substr(StripBegin, StripEnd - StripBegin);
    char Second = Src[Begin + 1];
    if (Second == '%' && InVerbatim && Content == VerbatimEnd)
      InVerbatim = false;
    if (InVerbatim) {
      addText(Begin, End);
      return;
    }
    TokenKind Kind = Second == '%'   ? TokenKind::Block
                     : Second == '{' ? TokenKind::Var
                                     : TokenKind::Comment;
    if (Kind == TokenKind::Block && (Content == "verbatim" || startsWith(Content, "verbatim "))) {
      InVerbatim = true;
      VerbatimEnd = cat("end", Content);
    }
    Tokens.push_back({Kind, uint32_t(Begin), uint32_t(End), uint32_t(Begin + 2 + StripBegin),
                      uint32_t(Begin + 2 + StripEnd), lineAt(Begin)});
  }

  std::string_view Src;
  std::vector<Token> Tokens;
  size_t CloseAt[3] = {NoMatch, NoMatch, NoMatch};
  size_t CloseFrom[3] = {NoMatch, NoMatch, NoMatch};
  size_t NewlineAt = NoMatch, NewlineFrom = NoMatch;
  size_t LinePos = 0;
  uint32_t Line = 1;
  bool InVerbatim = false;
  std::string VerbatimEnd;
};

} // namespace

std::vector<Token> tokenize(std::string_view Src) { return Lexer(Src).tokenize(); }

//===----------------------------------------------------------------------===//
// Splitting tag contents
//===----------------------------------------------------------------------===//

size_t matchQuoted(std::string_view S, size_t I) {
  char Quote = S[I];
  for (size_t J = I + 1; J < S.size(); ++J) {
    char C = S[J];
    if (C == Quote)
      return J + 1;
    if (C != '\\')
      continue;
    if (J + 1 >= S.size() || S[J + 1] == '\n')
      return NoMatch;
    ++J;
  }
  return NoMatch;
}

namespace {

/// Skips `[^\s'"]*`.
size_t skipUnquotedWord(std::string_view S, size_t I) {
  while (I < S.size() && !isQuote(S[I])) {
    CodePoint C = decodeAt(S, I);
    if (isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

/// django.utils.text.smart_split: words, with quoted phrases kept whole.
std::vector<Bit> smartSplit(std::string_view S, uint32_t Base) {
  std::vector<Bit> Bits;
  size_t I = skipSpaces(S, 0);
  while (I < S.size()) {
    // ([^\s'"]* (quoted [^\s'"]*)+) | \S+
    size_t End = NoMatch, K = skipUnquotedWord(S, I);
    while (K < S.size() && isQuote(S[K])) {
      size_t Closed = matchQuoted(S, K);
      if (Closed == NoMatch)
        break;
      K = End = skipUnquotedWord(S, Closed);
    }
    if (End == NoMatch)
      End = skipNonSpaces(S, I);
    Bits.push_back({std::string(S.substr(I, End - I)), {uint32_t(Base + I), uint32_t(Base + End)}});
    I = skipSpaces(S, End);
  }
  return Bits;
}

} // namespace

bool splitTagContents(std::string_view S, uint32_t Base, std::vector<Bit> &Out) {
  std::vector<Bit> Bits = smartSplit(S, Base);
  for (size_t I = 0; I < Bits.size(); ++I) {
    Bit B = std::move(Bits[I]);
    if (startsWith(B.Text, "_(\"") || startsWith(B.Text, "_('")) {
      std::string Sentinel = cat(std::string_view(&B.Text[2], 1), ")");
      while (!endsWith(B.Text, Sentinel)) {
        if (++I >= Bits.size())
          return false;
        B.Text += ' ';
        B.Text += Bits[I].Text;
        B.Where.End = Bits[I].Where.End;
      }
    }
    Out.push_back(std::move(B));
  }
  return true;
}

/// Python's str.split() with no arguments.
std::vector<Bit> splitWords(std::string_view S, uint32_t Base) {
  std::vector<Bit> Bits;
  for (size_t I = skipSpaces(S, 0); I < S.size();) {
    size_t End = skipNonSpaces(S, I);
    Bits.push_back({std::string(S.substr(I, End - I)), {uint32_t(Base + I), uint32_t(Base + End)}});
    I = skipSpaces(S, End);
  }
  return Bits;
}

} // namespace nplus1::parse::tpl::detail
