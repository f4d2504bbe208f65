//===- JinjaLexer.cpp - Jinja2 template and expression tokens --------------===//
#include "parse/JinjaLexer.h"

#include <algorithm>
#include <string>

namespace nplus1::parse::tpl::jinja {
namespace {

class Lexer {
public:
  explicit Lexer(std::string_view Src) : Src(Src) {}

  std::vector<Token> run() {
    size_t Pos = 0, TextStart = 0;
    while (Pos < Src.size()) {
      size_t Open = Src.find('{', Pos);
      if (Open == NoMatch || Open + 1 >= Src.size())
        break;
      char K = Src[Open + 1];
      if (K != '{' && K != '%' && K != '#') {
        Pos = Open + 1;
        continue;
      }
      size_t End = K == '#' ? commentEnd(Open) : tagEnd(Open, K == '%' ? '%' : '}');
      if (End == NoMatch) // never closed: Jinja2 fails; the rest is text to us
        break;
      if (Open > TextStart)
        Toks.push_back({TokKind::Text, uint32_t(TextStart), uint32_t(Open), uint32_t(TextStart),
                        uint32_t(Open)});
      Token T = tag(K == '{'   ? TokKind::Var
                    : K == '%' ? TokKind::Block
                               : TokKind::Comment,
                    Open, End);
      Toks.push_back(T);
      Pos = TextStart = End;
      if (T.Kind == TokKind::Block && word(T) == "raw")
        Pos = TextStart = raw(T);
    }
    if (TextStart < Src.size())
      Toks.push_back({TokKind::Text, uint32_t(TextStart), uint32_t(Src.size()), uint32_t(TextStart),
                      uint32_t(Src.size())});
    return std::move(Toks);
  }

private:
  std::string_view Src;
  std::vector<Token> Toks;

  size_t commentEnd(size_t Open) const {
    size_t Close = Src.find("#}", Open + 2);
    return Close == NoMatch ? NoMatch : Close + 2;
  }

  /// The end of a `{%`/`{{` tag: its closer outside strings (and, in `{{ }}`, outside
  /// brackets, so that `{{ {'a': 1} }}` holds).
  size_t tagEnd(size_t Open, char Closer) const {
    unsigned Depth = 0;
    for (size_t I = Open + 2; I + 1 < Src.size(); ++I) {
      char C = Src[I];
      if (C == '\'' || C == '"') {
        size_t Q = I + 1;
        while (Q < Src.size() && Src[Q] != C)
          Q += Src[Q] == '\\' ? 2 : 1;
        if (Q >= Src.size())
          return NoMatch;
        I = Q;
        continue;
      }
      if (C == '(' || C == '[' || (C == '{' && Closer == '}'))
        ++Depth;
      else if (Depth > 0 && (C == ')' || C == ']' || C == '}'))
        --Depth;
      else if (C == Closer && Src[I + 1] == '}' && (Depth == 0 || Closer == '%'))
        return I + 2;
    }
    return NoMatch;
  }

  Token tag(TokKind Kind, size_t Open, size_t End) const {
    size_t B = Open + 2, E = End - 2;
    if (B < E && (Src[B] == '-' || Src[B] == '+'))
      ++B;
    if (E > B && (Src[E - 1] == '-' || Src[E - 1] == '+'))
      --E;
    while (B < E && isSpace(Src[B]))
      ++B;
    while (E > B && isSpace(Src[E - 1]))
      --E;
    return {Kind, uint32_t(Open), uint32_t(End), uint32_t(B), uint32_t(E)};
  }

  std::string_view word(const Token &T) const {
    size_t E = T.ContentBegin;
    while (E < T.ContentEnd && isNameChar(Src[E]))
      ++E;
    return Src.substr(T.ContentBegin, E - T.ContentBegin);
  }

  /// After `{% raw %}`: everything up to `{% endraw %}` is one Raw token.
  size_t raw(const Token &Open) {
    for (size_t At = Src.find("{%", Open.End); At != NoMatch; At = Src.find("{%", At + 2)) {
      size_t End = tagEnd(At, '%');
      if (End == NoMatch)
        break;
      Token Close = tag(TokKind::Block, At, End);
      if (word(Close) != "endraw")
        continue;
      Toks.push_back({TokKind::Raw, Open.End, uint32_t(At), Open.End, uint32_t(At)});
      Toks.push_back(Close);
      return End;
    }
    return Open.End; // never closed: lex on
  }
};

} // namespace

std::vector<Token> lexTemplate(std::string_view Src) { return Lexer(Src).run(); }

std::vector<ETok> tokenizeExpr(std::string_view Src, uint32_t Begin, uint32_t End) {
  std::vector<ETok> Out;
  size_t I = Begin;
  while (I < End) {
    char C = Src[I];
    if (isSpace(C)) {
      ++I;
      continue;
    }
    size_t S = I;
    if (isNameStart(C)) {
      while (I < End && isNameChar(Src[I]))
        ++I;
      Out.push_back({ETok::Name, uint32_t(S), uint32_t(I)});
    } else if (C >= '0' && C <= '9') {
      while (I < End && (isNameChar(Src[I]) || Src[I] == '.') &&
             !(Src[I] == '.' && I + 1 < End && isNameStart(Src[I + 1])))
        ++I;
      Out.push_back({ETok::Number, uint32_t(S), uint32_t(I)});
    } else if (C == '\'' || C == '"') {
      ++I;
      while (I < End && Src[I] != C)
        I += Src[I] == '\\' ? 2 : 1;
      I = std::min<size_t>(I + 1, End);
      Out.push_back({ETok::String, uint32_t(S), uint32_t(I)});
    } else {
      static constexpr std::string_view Two[] = {"**", "//", "==", "!=", "<=", ">="};
      size_t Len = 1;
      for (std::string_view T : Two)
        if (Src.substr(I, 2) == T)
          Len = 2;
      I += Len;
      Out.push_back({ETok::Op, uint32_t(S), uint32_t(I)});
    }
  }
  Out.push_back({ETok::Eof, End, End});
  return Out;
}

} // namespace nplus1::parse::tpl::jinja
