//===- JinjaLexer.h - Jinja2 tokens, shared by Jinja.cpp and JinjaLexer.cpp -===//
//
// Private to the Jinja2 parser: the template tokens (`Text`, `{{ }}`, `{% %}`, `{# #}`,
// `{% raw %}` bodies) and the tokens of one expression.
//
//===----------------------------------------------------------------------===//
#ifndef NPLUS1_PARSE_JINJALEXER_H
#define NPLUS1_PARSE_JINJALEXER_H

#include <cstdint>
#include <string_view>
#include <vector>

namespace nplus1::parse::tpl::jinja {

inline constexpr size_t NoMatch = std::string_view::npos;

/// What a template token is: text, `{{ }}`, `{% %}`, `{# #}` or a `{% raw %}` body.
enum class TokKind { Text, Var, Block, Comment, Raw };

/// One template token, as byte offsets into the template.
struct Token {
  TokKind Kind;
  uint32_t Begin, End;               ///< the whole token
  uint32_t ContentBegin, ContentEnd; ///< inside the delimiters and whitespace control
};

inline bool isSpace(char C) { return C == ' ' || C == '\t' || C == '\n' || C == '\r' || C == '\f'; }
inline bool isNameStart(char C) {
  return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || C == '_' ||
         static_cast<unsigned char>(C) >= 0x80;
}
inline bool isNameChar(char C) { return isNameStart(C) || (C >= '0' && C <= '9'); }

/// The tokens of a template: text, `{{ }}`, `{% %}`, `{# #}` and `{% raw %}` bodies; the
/// content ranges leave out the delimiters and the whitespace-control dashes (`{%-`, `-%}`).
std::vector<Token> lexTemplate(std::string_view Src);

/// One token of an expression: a name, a string or number literal, an operator, or the end.
struct ETok {
  enum Kind { Name, String, Number, Op, Eof } K;
  uint32_t Begin, End;
};

/// The tokens of the expression in Src[Begin, End), ending with an Eof token.
std::vector<ETok> tokenizeExpr(std::string_view Src, uint32_t Begin, uint32_t End);

} // namespace nplus1::parse::tpl::jinja

#endif
