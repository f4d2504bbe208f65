#include "parse/Jade.h"
#include "parse/Jinja.h"

#include <algorithm>
#include <array>

namespace nplus1::parse::tpl {
namespace {

bool isWordChar(char C) {
  return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || (C >= '0' && C <= '9') || C == '_' ||
         static_cast<unsigned char>(C) >= 0x80;
}
bool isNameStartChar(char C) { return isWordChar(C) && !(C >= '0' && C <= '9'); }
bool isBlank(char C) { return C == ' ' || C == '\t'; }

bool startsWithWord(std::string_view S, std::string_view Word) {
  return S.substr(0, Word.size()) == Word &&
         (S.size() == Word.size() || !isWordChar(S[Word.size()]));
}

std::string_view trim(std::string_view S) {
  while (!S.empty() && (isBlank(S.front()) || S.front() == '\r'))
    S.remove_prefix(1);
  while (!S.empty() && (isBlank(S.back()) || S.back() == '\r'))
    S.remove_suffix(1);
  return S;
}

/// Python keywords and literals that an attribute expression may hold but that are no
/// context lookups.
bool isPythonWord(std::string_view W) {
  static constexpr std::array<std::string_view, 13> Words = {
      "if", "else", "and", "or", "not", "in", "is", "True", "False", "None", "lambda", "for", "_"};
  return std::find(Words.begin(), Words.end(), W) != Words.end();
}

/// The code tags pyjade closes itself when a `- tag` line has an indented body.
bool autoCloses(std::string_view Tag, JadeTarget Target) {
  static constexpr std::array<std::string_view, 16> Django = {
      "if",   "ifchanged", "ifequal",    "ifnotequal", "for",     "block", "filter",   "autoescape",
      "with", "trans",     "blocktrans", "spaceless",  "comment", "cache", "localize", "compress"};
  static constexpr std::array<std::string_view, 14> Jinja = {
      "if",        "for",     "block", "filter", "autoescape", "with",     "trans",
      "spaceless", "comment", "cache", "macro",  "localize",   "compress", "raw"};
  if (Target == JadeTarget::Django)
    return std::find(Django.begin(), Django.end(), Tag) != Django.end();
  return std::find(Jinja.begin(), Jinja.end(), Tag) != Jinja.end();
}

/// One non-blank source line: where its text starts (after the indentation) and ends
/// (before the line break), and its indentation.
struct Line {
  uint32_t Begin = 0, End = 0;
  unsigned Indent = 0;
};

class Lowerer {
public:
  Lowerer(std::string_view Src, JadeTarget Target) : Src(Src), Target(Target) { splitLines(); }

  JadeLowering run() {
    size_t I = 0;
    while (I < Lines.size() && !Out.Failed)
      block(I, Lines[I].Indent);
    Out.Origin.push_back(static_cast<uint32_t>(Src.size()));
    return std::move(Out);
  }

private:
  std::string_view Src;
  JadeTarget Target;
  std::vector<Line> Lines;
  JadeLowering Out;
  unsigned Depth = 0;

  void splitLines() {
    uint32_t Pos = 0, N = static_cast<uint32_t>(Src.size());
    while (Pos < N) {
      uint32_t Eol = Pos;
      while (Eol < N && Src[Eol] != '\n')
        ++Eol;
      Line L;
      L.Begin = Pos;
      while (L.Begin < Eol && isBlank(Src[L.Begin]))
        ++L.Begin, ++L.Indent;
      L.End = Eol;
      while (L.End > L.Begin && (Src[L.End - 1] == '\r' || isBlank(Src[L.End - 1])))
        --L.End;
      if (L.End > L.Begin)
        Lines.push_back(L);
      Pos = Eol + 1;
    }
  }

  //===--------------------------------------------------------------------===//
  // Output
  //===--------------------------------------------------------------------===//

  /// Synthesized text, every byte standing for source offset \p At.
  void emit(std::string_view S, uint32_t At) {
    Out.Text.append(S);
    Out.Origin.insert(Out.Origin.end(), S.size(), At);
  }
  /// Source bytes [Begin, End), copied.
  void copy(uint32_t Begin, uint32_t End) {
    for (uint32_t P = Begin; P < End; ++P) {
      Out.Text.push_back(Src[P]);
      Out.Origin.push_back(P);
    }
  }
  void tag(std::string_view Inside, uint32_t At) {
    emit("{% ", At);
    emit(Inside, At);
    emit(" %}", At);
  }
  /// `{% Head <source Begin..End> %}`.
  void tagWith(std::string_view Head, uint32_t Begin, uint32_t End) {
    emit("{% ", Begin);
    emit(Head, Begin);
    copy(Begin, End);
    emit(" %}", End);
  }
  void output(uint32_t Begin, uint32_t End) {
    emit("{{ ", Begin);
    copy(Begin, End);
    emit(" }}", End);
  }

  /// Text with `#{expr}`/`!{expr}` turned into `{{ expr }}` (the expression ends at
  /// the first `}`, as pyjade's regular expression has it); the rest is copied, so
  /// that `{{ }}` and `{% %}` written in it reach the engine.
  void text(uint32_t Begin, uint32_t End) {
    uint32_t P = Begin;
    while (P < End) {
      uint32_t Q = P;
      while (Q + 1 < End && !((Src[Q] == '#' || Src[Q] == '!') && Src[Q + 1] == '{'))
        ++Q;
      if (Q + 1 >= End) {
        copy(P, End);
        break;
      }
      uint32_t Close = Q + 2;
      while (Close < End && Src[Close] != '}')
        ++Close;
      if (Close >= End) {
        copy(P, End);
        break;
      }
      copy(P, Q);
      if (Q > Begin && Src[Q - 1] == '\\') {
        copy(Q, Close + 1);
      } else if (trim(Src.substr(Q + 2, Close - Q - 2)).empty()) {
        // `#{}` renders nothing.
      } else {
        output(Q + 2, Close);
      }
      P = Close + 1;
    }
    emit("\n", End);
  }

  //===--------------------------------------------------------------------===//
  // Blocks
  //===--------------------------------------------------------------------===//

  /// Lowers the lines from \p I on whose indentation is at least \p Indent.
  void block(size_t &I, unsigned Indent) {
    if (++Depth > MaxNestingDepth) {
      Out.Failed = true;
      --Depth;
      return;
    }
    while (I < Lines.size() && Lines[I].Indent >= Indent && !Out.Failed) {
      size_t At = I++;
      statement(I, Lines[At].Begin, Lines[At].End, Lines[At].Indent);
    }
    --Depth;
  }
  /// The lines below one indented deeper than \p Indent: its body.
  void children(size_t &I, unsigned Indent) {
    if (I < Lines.size() && Lines[I].Indent > Indent)
      block(I, Lines[I].Indent);
  }
  void skipChildren(size_t &I, unsigned Indent) {
    while (I < Lines.size() && Lines[I].Indent > Indent)
      ++I;
  }
  /// A body of plain text (`script`, `style`, `tag.`): every line interpolated.
  void textChildren(size_t &I, unsigned Indent) {
    while (I < Lines.size() && Lines[I].Indent > Indent) {
      text(Lines[I].Begin, Lines[I].End);
      ++I;
    }
  }
  /// Whether the next line sits at \p Indent and starts with keyword \p Word.
  bool nextIs(size_t I, unsigned Indent, std::string_view Word) const {
    return I < Lines.size() && Lines[I].Indent == Indent &&
           startsWithWord(Src.substr(Lines[I].Begin, Lines[I].End - Lines[I].Begin), Word);
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  /// One statement, source [Begin, End) (the rest of a line), its body the lines from
  /// \p I on indented deeper than \p Indent.
  void statement(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    // `a: b: c: ...` nests on one line: bounded like indentation.
    if (Begin >= End || Depth >= MaxNestingDepth) {
      Out.Failed |= Begin < End;
      return;
    }
    ++Depth;
    lineStatement(I, Begin, End, Indent);
    --Depth;
  }
  void lineStatement(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    std::string_view S = Src.substr(Begin, End - Begin);
    if (S.substr(0, 2) == "//" || S.front() == ':' || startsWithWord(S, "doctype") ||
        S.substr(0, 3) == "!!!") {
      skipChildren(I, Indent); // comments, filters (markdown...), doctypes
      return;
    }
    if (S.front() == '|' || S.front() == '<') {
      text(Begin + (S.front() == '|' ? 1 : 0), End);
      children(I, Indent);
      return;
    }
    if (S.front() == '-') {
      code(I, Begin + 1, End, Indent);
      return;
    }
    if (S.front() == '=' || S.substr(0, 2) == "!=") {
      bufferedCode(Begin + (S.front() == '=' ? 1 : 2), End);
      children(I, Indent);
      return;
    }
    if (S.front() == '+') {
      mixinCall(Begin + 1, End);
      skipChildren(I, Indent);
      return;
    }
    if (keyword(I, Begin, End, Indent) || assignment(Begin, End))
      return;
    element(I, Begin, End, Indent);
  }

  /// The statements named by a leading keyword; false when \p S starts with none.
  bool keyword(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    std::string_view S = Src.substr(Begin, End - Begin);
    auto After = [&](std::string_view W) {
      uint32_t P = Begin + static_cast<uint32_t>(W.size());
      while (P < End && isBlank(Src[P]))
        ++P;
      return P;
    };
    if (startsWithWord(S, "if") || startsWithWord(S, "unless")) {
      conditional(I, Begin, End, Indent);
      return true;
    }
    if ((startsWithWord(S, "each") || startsWithWord(S, "for")) && loop(I, Begin, End, Indent))
      return true;
    if (startsWithWord(S, "include") || startsWithWord(S, "extends")) {
      bool Include = S.front() == 'i';
      uint32_t P = After(Include ? "include" : "extends");
      if (P < End && Src[P] == ':') // `include:markdown file`: a filtered text file
        return true;
      templateRef(Include ? "include" : "extends", P, End);
      skipChildren(I, Indent);
      return true;
    }
    if (startsWithWord(S, "block") || startsWithWord(S, "append") || startsWithWord(S, "prepend")) {
      namedBlock(I, S.front() == 'b' ? After("block") : Begin, End, Indent);
      return true;
    }
    if (startsWithWord(S, "mixin")) {
      mixinDefinition(I, After("mixin"), End, Indent);
      return true;
    }
    if (startsWithWord(S, "case") || startsWithWord(S, "while")) {
      children(I, Indent); // the branches' bodies, as if each ran
      return true;
    }
    if (startsWithWord(S, "when") || startsWithWord(S, "default")) {
      uint32_t P = S.front() == 'w' ? After("when") : After("default");
      size_t Colon = Src.substr(P, End - P).find(": ");
      if (Colon != std::string_view::npos)
        statement(I, P + static_cast<uint32_t>(Colon) + 2, End, Indent);
      else
        children(I, Indent);
      return true;
    }
    if (startsWithWord(S, "else") || startsWithWord(S, "elif")) {
      children(I, Indent); // a branch without its `if`: pyjade would fail on it
      return true;
    }
    return false;
  }

  /// `if cond` / `unless cond`, its `elif`/`else if`/`else` siblings, `{% endif %}`.
  void conditional(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    bool Unless = Src[Begin] == 'u';
    uint32_t P = Begin + (Unless ? 6 : 2);
    while (P < End && isBlank(Src[P]))
      ++P;
    tagWith(Unless ? "if not " : "if ", P, End);
    children(I, Indent);
    while (nextIs(I, Indent, "elif") || nextIs(I, Indent, "else")) {
      const Line &L = Lines[I++];
      std::string_view S = Src.substr(L.Begin, L.End - L.Begin);
      bool ElseIf = startsWithWord(S, "else") && startsWithWord(trim(S.substr(4)), "if");
      if (startsWithWord(S, "elif") || ElseIf) {
        uint32_t C = L.Begin + 4;
        while (C < L.End && isBlank(Src[C]))
          ++C;
        for (C += ElseIf ? 2 : 0; C < L.End && isBlank(Src[C]);)
          ++C;
        tagWith("elif ", C, L.End);
        children(I, Indent);
        continue;
      }
      tag("else", L.Begin);
      inlineRest(I, L.Begin + 4, L.End, Indent);
      break;
    }
    tag("endif", End);
  }

  /// The rest of an `else` line (`else: p x`, or nothing) and its body.
  void inlineRest(size_t &I, uint32_t P, uint32_t End, unsigned Indent) {
    while (P < End && (isBlank(Src[P]) || Src[P] == ':'))
      ++P;
    if (P < End)
      statement(I, P, End, Indent);
    else
      children(I, Indent);
  }

  /// `each v[, k] in xs` / `for v in xs` (also after `-`), with an `else` sibling as
  /// the empty branch. False when the line is no loop (a `for` tag, `for(...)`).
  bool loop(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    std::string_view S = Src.substr(Begin, End - Begin);
    size_t Kw = S[0] == 'e' ? 4 : 3;
    if (Kw >= S.size() || !isBlank(S[Kw]))
      return false;
    size_t In = S.find(" in ", Kw);
    if (In == std::string_view::npos)
      return false;
    std::string_view Vars = trim(S.substr(Kw, In - Kw));
    for (char C : Vars)
      if (!isWordChar(C) && C != ',' && !isBlank(C))
        return false;
    if (Vars.empty())
      return false;
    uint32_t Iter = Begin + static_cast<uint32_t>(In) + 4;
    while (Iter < End && isBlank(Src[Iter]))
      ++Iter;
    if (Iter >= End)
      return false;
    emit("{% for ", Begin);
    copy(Begin + static_cast<uint32_t>(Kw), Begin + static_cast<uint32_t>(In));
    emit(" in ", Begin + static_cast<uint32_t>(In));
    copy(Iter, End);
    emit(" %}", End);
    children(I, Indent);
    if (nextIs(I, Indent, "else")) {
      const Line &L = Lines[I++];
      tag(Target == JadeTarget::Django ? "empty" : "else", L.Begin);
      inlineRest(I, L.Begin + 4, L.End, Indent);
    }
    tag("endfor", End);
    return true;
  }

  /// `- code`: a loop, an assignment (`- var x = e`), or a template tag; a body closes
  /// the tag when pyjade closes it.
  void code(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    while (Begin < End && isBlank(Src[Begin]))
      ++Begin;
    std::string_view S = Src.substr(Begin, End - Begin);
    if (S.empty()) {
      children(I, Indent);
      return;
    }
    if ((startsWithWord(S, "each") || startsWithWord(S, "for")) && loop(I, Begin, End, Indent))
      return;
    if (startsWithWord(S, "var")) {
      uint32_t P = Begin + 3;
      while (P < End && isBlank(Src[P]))
        ++P;
      if (assignment(P, End)) {
        children(I, Indent);
        return;
      }
    }
    size_t W = 0;
    while (W < S.size() && (isWordChar(S[W]) || S[W] == '.'))
      ++W;
    std::string Word(S.substr(0, W));
    tagWith("", Begin, End);
    bool HasBody = I < Lines.size() && Lines[I].Indent > Indent;
    children(I, Indent);
    if (HasBody && autoCloses(Word, Target))
      tag("end" + Word, End);
  }

  /// `= expr` / `!= expr`.
  void bufferedCode(uint32_t Begin, uint32_t End) {
    while (Begin < End && isBlank(Src[Begin]))
      ++Begin;
    if (Begin >= End)
      return;
    std::string_view S = Src.substr(Begin, End - Begin);
    if (S.substr(0, 2) == "_ ") // pyjade's `= _ text`: a translated literal
      return;
    output(Begin, End);
    emit("\n", End);
  }

  /// `name = value` (pyjade's assignment: a space before `=`); false otherwise.
  bool assignment(uint32_t Begin, uint32_t End) {
    uint32_t P = Begin;
    if (P >= End || !isNameStartChar(Src[P]))
      return false;
    while (P < End && isWordChar(Src[P]))
      ++P;
    uint32_t NameEnd = P;
    if (P >= End || !isBlank(Src[P]))
      return false;
    while (P < End && isBlank(Src[P]))
      ++P;
    if (P + 1 >= End || Src[P] != '=' || Src[P + 1] == '=')
      return false;
    uint32_t V = P + 1;
    while (V < End && isBlank(Src[V]))
      ++V;
    if (V >= End)
      return false;
    emit(Target == JadeTarget::Django ? "{% __pyjade_set " : "{% set ", Begin);
    copy(Begin, NameEnd);
    emit(" = ", P);
    uint32_t VEnd = End;
    while (VEnd > V && Src[VEnd - 1] == ';')
      --VEnd;
    copy(V, VEnd);
    emit(" %}", End);
    return true;
  }

  /// `include path` / `extends path`: pyjade adds `.jade` to a name without an extension.
  void templateRef(std::string_view Tag, uint32_t Begin, uint32_t End) {
    std::string_view Path = trim(Src.substr(Begin, End - Begin));
    if (Path.size() >= 2 && (Path.front() == '"' || Path.front() == '\'') &&
        Path.back() == Path.front())
      Path = Path.substr(1, Path.size() - 2);
    if (Path.empty() || Path.find_first_of("\"'{}%") != std::string_view::npos)
      return;
    std::string Name(Path);
    size_t Slash = Name.rfind('/');
    if (Name.find('.', Slash == std::string::npos ? 0 : Slash) == std::string::npos)
      Name += ".jade";
    emit("{% ", Begin);
    emit(Tag, Begin);
    emit(" \"", Begin);
    emit(Name, Begin);
    emit("\" %}", End);
  }

  /// `block [append|prepend] name` / `append name` / `prepend name`.
  void namedBlock(size_t &I, uint32_t P, uint32_t End, unsigned Indent) {
    std::string_view S = Src.substr(P, End - P);
    for (std::string_view Mode : {"append", "prepend"})
      if (startsWithWord(S, Mode)) {
        P += static_cast<uint32_t>(Mode.size());
        while (P < End && isBlank(Src[P]))
          ++P;
      }
    uint32_t NameEnd = P;
    while (NameEnd < End && (isWordChar(Src[NameEnd]) || Src[NameEnd] == '-'))
      ++NameEnd;
    if (NameEnd == P) {
      children(I, Indent);
      return;
    }
    emit("{% block ", P);
    copy(P, NameEnd);
    emit(" %}", NameEnd);
    children(I, Indent);
    tag("endblock", End);
  }

  /// `mixin name(args)`: a Jinja2 macro; pyjade's Django tags keep the body from the
  /// walker (the arguments are bound at the call), so it is dropped there.
  void mixinDefinition(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    if (Target == JadeTarget::Django || Begin >= End || !isNameStartChar(Src[Begin])) {
      skipChildren(I, Indent);
      return;
    }
    std::string_view S = Src.substr(Begin, End - Begin);
    bool HasArgs = S.find('(') != std::string_view::npos;
    emit("{% macro ", Begin);
    copy(Begin, End);
    emit(HasArgs ? " %}" : "() %}", End);
    children(I, Indent);
    tag("endmacro", End);
  }
  /// `+name(args)`: a call of a macro (Jinja2); pyjade's Django tag for it is opaque.
  void mixinCall(uint32_t Begin, uint32_t End) {
    if (Target == JadeTarget::Django || Begin >= End || !isNameStartChar(Src[Begin]))
      return;
    uint32_t P = Begin;
    while (P < End && isWordChar(Src[P]))
      ++P;
    if (P < End && Src[P] == '(') {
      uint32_t Close = matchParen(P);
      if (Close == 0 || Close > End)
        return;
      output(Begin, Close + 1);
    } else {
      emit("{{ ", Begin);
      copy(Begin, P);
      emit("() }}", P);
    }
    emit("\n", End);
  }

  //===--------------------------------------------------------------------===//
  // Elements: `tag#id.class(attrs) text`
  //===--------------------------------------------------------------------===//

  /// One step of a scan over Src that skips quoted strings: true when Src[P] opens, lies
  /// in or closes a string (\p Quote tracks which; a backslash escape advances \p P).
  bool quoted(uint32_t &P, char &Quote) const {
    char C = Src[P];
    if (Quote) {
      if (C == '\\')
        ++P;
      else if (C == Quote)
        Quote = 0;
      return true;
    }
    if (C == '\'' || C == '"') {
      Quote = C;
      return true;
    }
    return false;
  }

  /// The offset of the `)` closing the `(` at \p Open (quotes and nested brackets
  /// skipped, across lines), or 0.
  uint32_t matchParen(uint32_t Open) const {
    unsigned Nest = 0;
    char Quote = 0;
    for (uint32_t P = Open; P < Src.size(); ++P) {
      if (quoted(P, Quote))
        continue;
      char C = Src[P];
      if (C == '(' || C == '[' || C == '{')
        ++Nest;
      else if ((C == ')' || C == ']' || C == '}') && --Nest == 0)
        return C == ')' ? P : 0;
    }
    return 0;
  }

  void element(size_t &I, uint32_t Begin, uint32_t End, unsigned Indent) {
    uint32_t P = Begin;
    uint32_t NameBegin = P;
    while (P < End && (isWordChar(Src[P]) || Src[P] == '-'))
      ++P;
    std::string_view Name = Src.substr(NameBegin, P - NameBegin);
    bool Any = P > NameBegin;
    for (;;) {
      if (P + 1 < End && (Src[P] == '#' || Src[P] == '.') &&
          (isWordChar(Src[P + 1]) || Src[P + 1] == '-')) {
        for (++P; P < End && (isWordChar(Src[P]) || Src[P] == '-');)
          ++P;
        Any = true;
        continue;
      }
      if (Any && P < End && Src[P] == '(') {
        uint32_t Close = matchParen(P);
        if (Close == 0) {
          Out.Failed = true;
          return;
        }
        attributes(P + 1, Close);
        P = Close + 1;
        if (Close >= End) { // the attributes ran over several lines
          while (I < Lines.size() && Lines[I].Begin <= Close)
            ++I;
          End = lineEnd(P);
        }
        continue;
      }
      if (Any && Src.substr(P, 12) == "&attributes(") {
        uint32_t Close = matchParen(P + 11);
        if (Close == 0 || Close >= End) {
          Out.Failed = true;
          return;
        }
        P = Close + 1;
        continue;
      }
      break;
    }
    if (!Any) { // no element: text as written
      text(Begin, End);
      children(I, Indent);
      return;
    }
    if (P < End && Src[P] == '/')
      ++P;
    elementBody(I, Name, P, End, Indent);
  }

  /// The end of the line holding \p P, before trailing blanks.
  uint32_t lineEnd(uint32_t P) const {
    uint32_t E = P;
    while (E < Src.size() && Src[E] != '\n')
      ++E;
    while (E > P && (Src[E - 1] == '\r' || isBlank(Src[E - 1])))
      --E;
    return E;
  }

  /// What follows an element's name, id, classes and attributes, from \p P.
  void elementBody(size_t &I, std::string_view Name, uint32_t P, uint32_t End, unsigned Indent) {
    bool TextOnly = Name == "script" || Name == "style";
    if (P < End && Src[P] == ':' && P + 1 < End && isBlank(Src[P + 1])) {
      uint32_t Q = P + 1;
      while (Q < End && isBlank(Src[Q]))
        ++Q;
      if (Q < End)
        statement(I, Q, End, Indent);
      else
        children(I, Indent);
      return;
    }
    if (P < End && (Src[P] == '=' || Src.substr(P, 2) == "!=")) {
      bufferedCode(P + (Src[P] == '=' ? 1 : 2), End);
    } else if (P < End && Src[P] == '.' && trim(Src.substr(P + 1, End - P - 1)).empty()) {
      textChildren(I, Indent);
      return;
    } else if (P < End) {
      text(P + (isBlank(Src[P]) ? 1 : 0), End);
    }
    if (TextOnly)
      textChildren(I, Indent);
    else
      children(I, Indent);
  }

  /// The attribute list between parentheses, [Begin, End).
  void attributes(uint32_t Begin, uint32_t End) {
    uint32_t P = Begin;
    while (P < End) {
      while (P < End && (isBlank(Src[P]) || Src[P] == ',' || Src[P] == '\n' || Src[P] == '\r'))
        ++P;
      uint32_t NameBegin = P;
      if (P < End && (Src[P] == '\'' || Src[P] == '"')) {
        char Q = Src[P++];
        while (P < End && Src[P] != Q)
          ++P;
        ++P;
      } else {
        while (P < End && !isBlank(Src[P]) && Src[P] != '=' && Src[P] != ',' && Src[P] != '!' &&
               Src[P] != '\n')
          ++P;
      }
      if (P == NameBegin) {
        ++P;
        continue;
      }
      while (P < End && isBlank(Src[P]))
        ++P;
      if (P < End && Src[P] == '!')
        ++P;
      if (P >= End || Src[P] != '=')
        continue; // a boolean attribute
      ++P;
      while (P < End && isBlank(Src[P]))
        ++P;
      uint32_t ValueEnd = attributeValueEnd(P, End);
      attributeValue(P, ValueEnd);
      P = ValueEnd;
    }
  }

  /// Where the attribute value starting at \p P ends: a `,` or line break outside
  /// brackets and quotes, or blanks followed by the next `name=`.
  uint32_t attributeValueEnd(uint32_t P, uint32_t End) const {
    unsigned Nest = 0;
    char Quote = 0;
    for (; P < End; ++P) {
      if (quoted(P, Quote))
        continue;
      char C = Src[P];
      if (C == '(' || C == '[' || C == '{')
        ++Nest;
      else if ((C == ')' || C == ']' || C == '}') && Nest)
        --Nest;
      else if (Nest == 0 && (C == ',' || C == '\n'))
        return P;
      else if (Nest == 0 && isBlank(C) && nextAttributeAt(P))
        return P;
    }
    return End;
  }

  /// Whether blanks at \p P are followed by `name=` (not `==`) after a complete operand.
  bool nextAttributeAt(uint32_t P) const {
    uint32_t Prev = P;
    while (Prev > 0 && isBlank(Src[Prev - 1]))
      --Prev;
    if (Prev > 0 && std::string_view("+-*/%<>=!?:&|").find(Src[Prev - 1]) != std::string_view::npos)
      return false;
    while (P < Src.size() && isBlank(Src[P]))
      ++P;
    uint32_t N = P;
    while (N < Src.size() &&
           (isWordChar(Src[N]) || Src[N] == '-' || Src[N] == ':' || Src[N] == '@'))
      ++N;
    if (N == P)
      return false;
    uint32_t E = N;
    if (E < Src.size() && Src[E] == '!')
      ++E;
    while (E < Src.size() && isBlank(Src[E]))
      ++E;
    std::string_view Word = Src.substr(P, N - P);
    if (isPythonWord(Word))
      return false;
    return E < Src.size() && Src[E] == '=' && (E + 1 >= Src.size() || Src[E + 1] != '=');
  }

  /// One attribute value: a quoted string is static text (pyjade writes it out as it
  /// is: the `{% url %}` and `{{ }}` in it are the engine's); any other value is an
  /// expression pyjade's runtime evaluates.
  void attributeValue(uint32_t Begin, uint32_t End) {
    std::string_view V = Src.substr(Begin, End - Begin);
    if (V.size() >= 2 && (V.front() == '\'' || V.front() == '"') && V.back() == V.front() &&
        V.substr(1, V.size() - 2).find(V.front()) == std::string_view::npos) {
      text(Begin + 1, End - 1);
      return;
    }
    if (Target == JadeTarget::Jinja2) {
      output(Begin, End);
      emit("\n", End);
      return;
    }
    expressionPaths(Begin, End);
  }

  /// The dotted names a Python expression reads, each as `{{ path }}` (Django's
  /// engine evaluates none of that syntax; pyjade's runtime looks the names up in the
  /// context). Names in strings, keywords and called names are skipped.
  void expressionPaths(uint32_t Begin, uint32_t End) {
    uint32_t P = Begin;
    while (P < End) {
      char C = Src[P];
      if (C == '\'' || C == '"') {
        for (++P; P < End && Src[P] != C; ++P)
          if (Src[P] == '\\')
            ++P;
        ++P;
        continue;
      }
      if (!isNameStartChar(C) || (P > Begin && (Src[P - 1] == '.' || isWordChar(Src[P - 1])))) {
        ++P;
        continue;
      }
      uint32_t E = P;
      while (E < End &&
             (isWordChar(Src[E]) || (Src[E] == '.' && E + 1 < End && isNameStartChar(Src[E + 1]))))
        ++E;
      std::string_view Path = Src.substr(P, E - P);
      bool Called = E < End && Src[E] == '(';
      if (!isPythonWord(Path) && !Called) {
        output(P, E);
        emit("\n", E);
      }
      P = E;
    }
  }
};

void remap(Range &R, const std::vector<uint32_t> &Origin, uint32_t Size) {
  auto At = [&](uint32_t O) { return Origin[std::min<size_t>(O, Origin.size() - 1)]; };
  uint32_t B = At(R.Begin);
  uint32_t E = R.End > R.Begin ? std::min(At(R.End - 1) + 1, Size) : B;
  R.Begin = std::min(B, Size);
  R.End = std::max(E, R.Begin);
}

void remap(Expr &X, const std::vector<uint32_t> &Origin, uint32_t Size) {
  remap(X.Where, Origin, Size);
  remap(X.VarWhere, Origin, Size);
  for (Filter &F : X.Filters) {
    remap(F.Where, Origin, Size);
    remap(F.ArgWhere, Origin, Size);
  }
}

void remap(std::vector<Node> &Nodes, const std::vector<uint32_t> &Origin, uint32_t Size) {
  for (Node &N : Nodes) {
    for (Range *R : {&N.Where, &N.TagWhere, &N.EndTagWhere})
      remap(*R, Origin, Size);
    for (Range &R : N.LoopVarWhere)
      remap(R, Origin, Size);
    remap(N.Iter, Origin, Size);
    remap(N.Value, Origin, Size);
    for (auto &B : N.Bindings)
      remap(B.second, Origin, Size);
    for (Expr &C : N.Conditions)
      remap(C, Origin, Size);
    for (Expr &A : N.Args)
      remap(A, Origin, Size);
    for (std::vector<Node> &B : N.Branches)
      remap(B, Origin, Size);
    remap(N.Children, Origin, Size);
    remap(N.ElseChildren, Origin, Size);
  }
}

} // namespace

JadeLowering lowerJade(std::string_view Source, JadeTarget Target) {
  return Lowerer(Source, Target).run();
}

Template parseJadeTemplate(std::string_view Source, JadeTarget Target, unsigned DjangoVersion) {
  if (Source.size() >= UINT32_MAX / 2)
    return {};
  JadeLowering L = lowerJade(Source, Target);
  if (L.Failed)
    return {};
  Template T = Target == JadeTarget::Django ? parseTemplate(L.Text, DjangoVersion)
                                            : parseJinjaTemplate(L.Text);
  if (!T.Errors.empty())
    return {};
  remap(T.Nodes, L.Origin, static_cast<uint32_t>(Source.size()));
  return T;
}

bool isJadeFileName(std::string_view Name) {
  auto EndsWith = [&](std::string_view Ext) {
    return Name.size() > Ext.size() && Name.substr(Name.size() - Ext.size()) == Ext;
  };
  return EndsWith(".jade") || EndsWith(".pug");
}

} // namespace nplus1::parse::tpl
