#include "parse/Jinja.h"
#include "AnalysisLimits.h"
#include "parse/JinjaLexer.h"
#include "parse/JinjaMacros.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

namespace nplus1::parse::tpl {
namespace {

using namespace jinja;

/// How deep an expression may nest before the rest of it is skipped.
constexpr unsigned MaxExprDepth = limits::JinjaExprDepth;

// The lexer (template and expression tokens) is in JinjaLexer.cpp.

//===----------------------------------------------------------------------===//
// Expressions: the paths they read
//===----------------------------------------------------------------------===//

/// What an expression evaluates to, as far as the walker cares: one lookup path with
/// filters, a string literal, or something else.
struct Operand {
  std::optional<Expr> Path;
  bool Called = false; ///< the path's last segment was called: `row.items.all()`
  unsigned Segments = 0;
  bool PathOpen = false;                 ///< more `.name` may extend the path
  std::optional<std::string> StringText; ///< a string literal, quotes included
  Range Where;
};

/// Jinja2 filters under the Django name the walker knows them by.
std::string djangoFilterName(std::string_view Name) {
  if (Name == "count")
    return "length";
  if (Name == "e")
    return "escape";
  if (Name == "d")
    return "default";
  if (Name == "list")
    return "make_list";
  return std::string(Name);
}

/// Methods of managers and querysets: named without a call, Jinja2 does not run them.
bool isQuerysetMethod(std::string_view Name) {
  static constexpr std::string_view Names[] = {
      "all",      "count",     "exists",   "first",       "last",           "values",
      "filter",   "exclude",   "get",      "order_by",    "select_related", "prefetch_related",
      "iterator", "aggregate", "annotate", "values_list", "none",           "distinct"};
  return std::find(std::begin(Names), std::end(Names), Name) != std::end(Names);
}

/// Parses one expression and collects the paths it reads: Reads are looked up (their
/// values printed, compared, iterated), Escapes are handed to code we do not see
/// (functions, macros, tests, filter arguments).
class ExprParser {
public:
  ExprParser(std::string_view Src, std::vector<ETok> Toks) : Toks(std::move(Toks)), Src(Src) {}

  std::vector<ETok> Toks; ///< ends with an Eof token
  size_t Pos = 0;
  std::vector<Expr> Reads, Escapes;
  /// Calls of a global by name (`link_user(r.user)`): the name, the positional arguments
  /// (a literal placeholder where one is not a path) and the keyword ones.
  struct GlobalCall {
    Expr Callee;
    std::vector<Expr> Args;
    std::vector<std::pair<std::string, Expr>> Keywords;
  };
  std::vector<GlobalCall> Calls;

  Operand expression(bool WithCondition = true) {
    if (++Depth > MaxExprDepth) {
      Pos = Toks.size() - 1;
      --Depth;
      return {};
    }
    Operand O = binary();
    if (WithCondition && isName("if")) {
      ++Pos;
      read(O);
      read(binary());
      if (isName("else")) {
        ++Pos;
        read(expression());
      }
      O = {};
    }
    --Depth;
    return O;
  }

  /// `a, b, c` as the operands; a trailing comma is allowed.
  std::vector<Operand> list(bool WithCondition = true) {
    std::vector<Operand> Out;
    while (!atEnd()) {
      Out.push_back(expression(WithCondition));
      if (!isOp(","))
        break;
      ++Pos;
    }
    return Out;
  }

  void read(const Operand &O) {
    if (O.Path)
      Reads.push_back(*O.Path);
  }
  void escape(const Operand &O) {
    if (O.Path)
      Escapes.push_back(*O.Path);
  }

  /// Token \p I, or the final Eof for any position past it (a stray operator or a `*` may
  /// step over the end).
  const ETok &tok(size_t I) const { return Toks[std::min(I, Toks.size() - 1)]; }
  bool atEnd() const { return tok(Pos).K == ETok::Eof; }
  bool isName(std::string_view N) const { return tok(Pos).K == ETok::Name && text(Pos) == N; }
  bool isOp(std::string_view N) const { return tok(Pos).K == ETok::Op && text(Pos) == N; }
  std::string_view text(size_t I) const {
    return Src.substr(tok(I).Begin, tok(I).End - tok(I).Begin);
  }

private:
  std::string_view Src;
  unsigned Depth = 0;

  bool isBinaryOperator() const {
    static constexpr std::string_view Ops[] = {"+", "-",  "*",  "/", "//", "%",  "**",
                                               "~", "==", "!=", "<", ">",  "<=", ">="};
    if (tok(Pos).K == ETok::Op)
      return std::find(std::begin(Ops), std::end(Ops), text(Pos)) != std::end(Ops);
    return isName("and") || isName("or") || isName("in") ||
           (isName("not") && Pos + 1 < Toks.size() && tok(Pos + 1).K == ETok::Name &&
            text(Pos + 1) == "in");
  }

  Operand binary() {
    Operand O = unary();
    while (!atEnd()) {
      if (isName("is")) {
        ++Pos;
        read(O);
        O = {};
        test();
        continue;
      }
      if (!isBinaryOperator())
        break;
      Pos += isName("not") ? 2 : 1;
      read(O);
      read(unary());
      O = {};
    }
    return O;
  }

  /// `is [not] name`, `is name(args)`, `is name arg`.
  void test() {
    if (isName("not"))
      ++Pos;
    if (tok(Pos).K == ETok::Name)
      ++Pos;
    while (isOp(".") && tok(Pos + 1).K == ETok::Name)
      Pos += 2;
    if (isOp("(")) {
      arguments();
      return;
    }
    bool HasArg = tok(Pos).K == ETok::String || tok(Pos).K == ETok::Number ||
                  (tok(Pos).K == ETok::Name && !isName("and") && !isName("or") && !isName("if") &&
                   !isName("else") && !isName("is") && !isName("in") && !isName("not") &&
                   !isName("recursive"));
    if (HasArg)
      escape(primaryWithPostfix());
  }

  Operand unary() {
    if (isOp("-") || isOp("+") || isName("not")) {
      ++Pos;
      read(unary());
      return {};
    }
    Operand O = primaryWithPostfix();
    while (isOp("|"))
      filter(O);
    return O;
  }

  Operand primaryWithPostfix() {
    Operand O = primary();
    postfix(O);
    return O;
  }

  Operand primary() {
    const ETok &T = tok(Pos);
    Operand O;
    O.Where = {T.Begin, T.End};
    switch (T.K) {
    case ETok::Name: {
      ++Pos;
      std::string_view N = text(Pos - 1);
      if (N == "true" || N == "false" || N == "none" || N == "True" || N == "False" || N == "None")
        return O;
      Expr E;
      E.Var = std::string(N);
      E.Where = E.VarWhere = {T.Begin, T.End};
      O.Path = std::move(E);
      O.PathOpen = true;
      O.Segments = 1;
      return O;
    }
    case ETok::String:
      ++Pos;
      O.StringText = std::string(text(Pos - 1));
      while (tok(Pos).K == ETok::String) { // adjacent literals concatenate
        O.StringText.reset();
        ++Pos;
      }
      return O;
    case ETok::Number:
      ++Pos;
      return O;
    case ETok::Eof:
      return O;
    case ETok::Op:
      break;
    }
    return bracketed(O);
  }

  /// `(x)`, a tuple, a list or a dict: the parenthesized operand itself, else nothing
  /// (the items are read).
  Operand bracketed(Operand O) {
    std::string_view Op = text(Pos);
    if (Op == "(") {
      ++Pos;
      std::vector<Operand> Items = list();
      bool Tuple = Items.size() != 1;
      expect(")");
      if (!Tuple)
        return Items[0];
      for (const Operand &I : Items)
        read(I);
      return O;
    }
    if (Op == "[") {
      ++Pos;
      for (const Operand &I : list())
        read(I);
      expect("]");
      return O;
    }
    if (Op == "{") {
      ++Pos;
      while (!atEnd() && !isOp("}")) {
        read(expression());
        if (isOp(":") || isOp(",")) {
          ++Pos;
          continue;
        }
        break;
      }
      expect("}");
      return O;
    }
    ++Pos; // a stray operator: skip it
    return O;
  }

  void expect(std::string_view Op) {
    if (isOp(Op))
      ++Pos;
  }

  /// `.name`, `[key]` and `(args)` after a primary.
  void postfix(Operand &O) {
    while (!atEnd()) {
      if (isOp(".") && tok(Pos + 1).K == ETok::Name) {
        const ETok &Name = tok(Pos + 1);
        bool Contiguous = O.Path && O.PathOpen && !O.Called &&
                          tok(Pos).Begin == O.Path->VarWhere.End && Name.Begin == tok(Pos).End;
        Pos += 2;
        if (Contiguous) {
          O.Path->Var += "." + std::string(text(Pos - 1));
          O.Path->VarWhere.End = O.Path->Where.End = Name.End;
          ++O.Segments;
          continue;
        }
        // A lookup after a call or a subscript: what it returns is not followed.
        closePath(O);
        continue;
      }
      if (isOp("[")) {
        ++Pos;
        for (const Operand &I : list())
          read(I);
        expect("]");
        closePath(O);
        continue;
      }
      if (isOp("(")) {
        bool Adjacent = O.Path && tok(Pos).Begin == O.Path->VarWhere.End;
        std::vector<std::string> Names;
        std::vector<Operand> Args = arguments(&Names);
        if (Args.empty() && Adjacent && O.PathOpen && !O.Called && O.Segments > 1) {
          O.Called = true; // `row.items.all()`: Django's template engine calls it too
          continue;
        }
        if (!Args.empty() && Adjacent && O.PathOpen && !O.Called && O.Segments == 1)
          globalCall(*O.Path, Args, Names);
        // A call with arguments (or of a global): the arguments escape; the object
        // whose method it is was read.
        for (const Operand &A : Args)
          escape(A);
        if (O.Path && O.PathOpen && !O.Called && O.Segments > 1) {
          Expr Obj = *O.Path;
          size_t Dot = Obj.Var.rfind('.');
          Obj.VarWhere.End = Obj.Where.End = uint32_t(Obj.VarWhere.Begin + Dot);
          Obj.Var.resize(Dot);
          Reads.push_back(std::move(Obj));
        }
        O = {};
        continue;
      }
      break;
    }
    // `row.items.all` without a call is a bound method: Jinja2 does not run it.
    if (O.Path && O.PathOpen && !O.Called && O.Segments > 1) {
      size_t Dot = O.Path->Var.rfind('.');
      if (isQuerysetMethod(std::string_view(O.Path->Var).substr(Dot + 1))) {
        O.Path->VarWhere.End = O.Path->Where.End = uint32_t(O.Path->VarWhere.Begin + Dot);
        O.Path->Var.resize(Dot);
        --O.Segments;
      }
    }
  }

  /// The path so far is read; what follows is not a path we follow.
  void closePath(Operand &O) {
    read(O);
    O = {};
  }

  /// A call of a global by name with arguments: recorded for the walker, which runs the
  /// project's function of that name. A `*`/`**` argument leaves the positions unknown.
  void globalCall(const Expr &Callee, const std::vector<Operand> &Args,
                  const std::vector<std::string> &Names) {
    GlobalCall C;
    C.Callee = Callee;
    for (size_t I = 0; I < Args.size(); ++I) {
      if (Names[I] == "*")
        return;
      Expr E;
      if (Args[I].Path) {
        E = *Args[I].Path;
      } else {
        E.Var = "None";
        E.IsLiteral = true;
        E.Where = E.VarWhere = Args[I].Where;
      }
      if (Names[I].empty())
        C.Args.push_back(std::move(E));
      else
        C.Keywords.emplace_back(Names[I], std::move(E));
    }
    Calls.push_back(std::move(C));
  }

  /// `(a, k=v, *xs, **kw)`; \p Names gets each argument's keyword ("" when positional,
  /// "*" for `*xs`/`**kw`).
  std::vector<Operand> arguments(std::vector<std::string> *Names = nullptr) {
    std::vector<Operand> Out;
    ++Pos; // (
    while (!atEnd() && !isOp(")")) {
      std::string Name;
      if (isOp("*") || isOp("**")) {
        ++Pos;
        Name = "*";
      }
      if (tok(Pos).K == ETok::Name && tok(Pos + 1).K == ETok::Op && text(Pos + 1) == "=") {
        Name = std::string(text(Pos));
        Pos += 2;
      }
      if (Names)
        Names->push_back(std::move(Name));
      size_t Before = Pos;
      Out.push_back(expression());
      if (isOp(",")) {
        ++Pos;
        continue;
      }
      if (Pos == Before)
        ++Pos; // no progress: skip what we cannot read
    }
    expect(")");
    return Out;
  }

  /// `|name`, `|name(args)`, `|ns.name`: a filter on the path, or arguments that escape.
  void filter(Operand &O) {
    ++Pos; // |
    if (tok(Pos).K != ETok::Name)
      return;
    uint32_t NameBegin = tok(Pos).Begin;
    std::string Name(text(Pos));
    ++Pos;
    while (isOp(".") && tok(Pos + 1).K == ETok::Name) {
      Name += "." + std::string(text(Pos + 1));
      Pos += 2;
    }
    Filter F;
    F.Name = djangoFilterName(Name);
    F.Where = {NameBegin, tok(Pos - 1).End};
    if (isOp("(")) {
      size_t ArgTok = Pos + 1;
      std::vector<Operand> Args = arguments();
      F.Where.End = tok(Pos - 1).End;
      if (!Args.empty()) {
        const Operand &A = Args[0];
        F.HasArg = true;
        F.ArgIsLiteral = !A.Path;
        F.Arg = A.Path ? A.Path->Var : std::string(text(ArgTok));
        F.ArgWhere = A.Path ? A.Path->VarWhere : Range{tok(ArgTok).Begin, tok(ArgTok).End};
        for (size_t I = A.Path ? 1 : 0; I < Args.size(); ++I)
          escape(Args[I]);
      }
    }
    if (!O.Path)
      return;
    O.PathOpen = false;
    O.Path->Filters.push_back(std::move(F));
    O.Path->Where.End = tok(Pos - 1).End;
  }
};

//===----------------------------------------------------------------------===//
// Statements: the tree
//===----------------------------------------------------------------------===//

class Parser {
public:
  Parser(std::string_view Src, std::vector<Token> Toks) : Src(Src), Toks(std::move(Toks)) {
    for (const Token &T : this->Toks)
      if (T.Kind == TokKind::Block)
        Commands.push_back(std::string(command(T)));
    std::sort(Commands.begin(), Commands.end());
  }

  std::vector<Node> run() {
    std::vector<Node> Out;
    body(Out, {});
    inlineMacroCalls(Out, Macros);
    return Out;
  }

private:
  using TagList = std::vector<std::string_view>;
  using Handler = void (Parser::*)(const Token &, std::vector<Node> &, const TagList &);
  struct HandlerEntry {
    std::string_view Name;
    Handler Run;
  };
  static const HandlerEntry Handlers[];

  std::string_view Src;
  std::vector<Token> Toks;
  std::vector<std::string> Commands; ///< every block tag's command, sorted
  size_t Pos = 0;
  unsigned Depth = 0;
  std::vector<MacroDef> Macros; ///< the `{% macro %}`s of the template

  std::string_view command(const Token &T) const {
    size_t E = T.ContentBegin;
    while (E < T.ContentEnd && isNameChar(Src[E]))
      ++E;
    return Src.substr(T.ContentBegin, E - T.ContentBegin);
  }

  /// The tokens of \p T's content after its command.
  ExprParser argsOf(const Token &T) const {
    uint32_t B = T.ContentBegin + uint32_t(command(T).size());
    return ExprParser(Src, tokenizeExpr(Src, B, T.ContentEnd));
  }

  /// Parses nodes into \p Out up to a block tag named in \p Until (left unconsumed) or
  /// the end; returns whether such a tag was found.
  bool body(std::vector<Node> &Out, const TagList &Until) {
    if (++Depth > MaxNestingDepth) {
      Pos = Toks.size();
      --Depth;
      return false;
    }
    bool Found = false;
    while (Pos < Toks.size() && !Found) {
      const Token &T = Toks[Pos];
      if (T.Kind == TokKind::Block &&
          std::find(Until.begin(), Until.end(), command(T)) != Until.end()) {
        Found = true;
        break;
      }
      ++Pos;
      switch (T.Kind) {
      case TokKind::Text:
        add(Out, NodeKind::Text, T).Text = std::string(Src.substr(T.Begin, T.End - T.Begin));
        break;
      case TokKind::Comment:
        add(Out, NodeKind::Comment, T).TagName = "#";
        break;
      case TokKind::Raw:
        add(Out, NodeKind::Verbatim, T).Text = std::string(Src.substr(T.Begin, T.End - T.Begin));
        break;
      case TokKind::Var:
        variable(T, Out);
        break;
      case TokKind::Block:
        if (command(T) != "set") {
          dispatch(T, Out, Until);
          break;
        }
        // `{% set x = e %}` scopes the rest of this body: it ends where the body ends.
        if (std::optional<bool> RestFound = setStatement(T, Out, Until)) {
          --Depth;
          return *RestFound;
        }
        break;
      }
    }
    --Depth;
    return Found;
  }

  /// Runs the handler of \p T's command (the table below the class).
  void dispatch(const Token &T, std::vector<Node> &Out, const TagList &Until);

  Node &add(std::vector<Node> &Out, NodeKind K, const Token &T) {
    Out.emplace_back();
    Node &N = Out.back();
    N.Kind = K;
    N.Where = N.TagWhere = {T.Begin, T.End};
    return N;
  }

  /// Consumes the end tag body() stopped at (if any) and closes \p N's range there.
  void close(Node &N) {
    if (Pos >= Toks.size())
      return;
    N.EndTagWhere = {Toks[Pos].Begin, Toks[Pos].End};
    N.Where.End = Toks[Pos].End;
    ++Pos;
  }

  bool atTag(std::string_view Name) const {
    return Pos < Toks.size() && Toks[Pos].Kind == TokKind::Block && command(Toks[Pos]) == Name;
  }

  /// The paths \p P read and passed on, as Var nodes and one "call" node, and one "call"
  /// node more per global called by name (its Value the name).
  void emitReads(ExprParser &P, std::vector<Node> &Out, const Token &T) {
    for (Expr &E : P.Reads) {
      Node &N = add(Out, NodeKind::Var, T);
      N.Value = std::move(E);
    }
    P.Reads.clear();
    for (ExprParser::GlobalCall &C : P.Calls) {
      Node &N = add(Out, NodeKind::Other, T);
      N.TagName = "call";
      N.Value = std::move(C.Callee);
      N.Args = std::move(C.Args);
      N.Bindings = std::move(C.Keywords);
    }
    P.Calls.clear();
    if (P.Escapes.empty())
      return;
    Node &N = add(Out, NodeKind::Other, T);
    N.TagName = "call";
    N.Args = std::move(P.Escapes);
    P.Escapes.clear();
  }

  void variable(const Token &T, std::vector<Node> &Out) {
    ExprParser P(Src, tokenizeExpr(Src, T.ContentBegin, T.ContentEnd));
    for (const Operand &O : P.list())
      P.read(O);
    emitReads(P, Out, T);
  }

  static Expr operandExpr(const Operand &O) {
    if (O.Path)
      return *O.Path;
    if (O.StringText) {
      Expr E;
      E.Var = *O.StringText;
      E.IsLiteral = true;
      E.Where = E.VarWhere = O.Where;
      return E;
    }
    return noneAt(O.Where);
  }

  void forTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    ExprParser P = argsOf(T);
    std::vector<std::string> Vars;
    std::vector<Range> VarWhere;
    while (!P.atEnd() && !P.isName("in")) {
      const ETok &Tok = P.tok(P.Pos++);
      if (Tok.K == ETok::Name) {
        Vars.emplace_back(Src.substr(Tok.Begin, Tok.End - Tok.Begin));
        VarWhere.push_back({Tok.Begin, Tok.End});
      }
    }
    if (P.isName("in"))
      ++P.Pos;
    Operand Iter = P.expression(/*WithCondition=*/false);
    ExprParser Cond(Src, {});
    bool HasCond = P.isName("if");
    if (HasCond) {
      ++P.Pos;
      Cond.Pos = P.Pos;
      Cond.Toks = P.Toks;
      Cond.read(Cond.expression(false));
    }
    emitReads(P, Out, T); // the iterable's own operands, before the loop
    Node &N = add(Out, NodeKind::For, T);
    N.TagName = "for";
    N.LoopVars = std::move(Vars);
    N.LoopVarWhere = std::move(VarWhere);
    N.Iter = operandExpr(Iter);
    std::vector<Node> Children, Else;
    if (HasCond) { // `for x in xs if x.ok`: read per row, guarding the body
      Node If;
      If.Kind = NodeKind::If;
      If.TagName = "if";
      If.Where = If.TagWhere = N.TagWhere;
      If.Conditions = std::move(Cond.Reads);
      If.ConditionBranch.assign(If.Conditions.size(), 0);
      If.Branches.emplace_back();
      Children.push_back(std::move(If));
      emitReads(Cond, Children, T);
    }
    std::vector<Node> &Body = HasCond ? Children.front().Branches.front() : Children;
    body(Body, {"else", "endfor"});
    if (atTag("else")) {
      ++Pos;
      body(Else, {"endfor"});
    }
    Node &Loop = Out.back();
    Loop.Children = std::move(Children);
    Loop.ElseChildren = std::move(Else);
    close(Loop);
  }

  void ifTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    Node N;
    N.Kind = NodeKind::If;
    N.TagName = "if";
    N.Where = N.TagWhere = {T.Begin, T.End};
    std::vector<Node> Before;
    const Token *Guard = &T;
    for (;;) {
      ExprParser P = argsOf(*Guard);
      if (command(*Guard) != "else") {
        P.read(P.expression());
        for (Expr &E : P.Reads) {
          N.Conditions.push_back(std::move(E));
          N.ConditionBranch.push_back(uint32_t(N.Branches.size()));
        }
        P.Reads.clear();
        emitReads(P, Before, *Guard);
      } else {
        N.HasElse = true;
      }
      N.Branches.emplace_back();
      body(N.Branches.back(), {"elif", "else", "endif"});
      if (!atTag("elif") && !atTag("else"))
        break;
      Guard = &Toks[Pos++];
    }
    for (Node &B : Before)
      Out.push_back(std::move(B));
    Out.push_back(std::move(N));
    close(Out.back());
  }

  /// `{% set x = e %}`: the rest of the body becomes its With node's children (returns
  /// whether that rest ended at a tag of \p Until); `{% set x %}...{% endset %}`: an
  /// Other node (returns nothing).
  std::optional<bool> setStatement(const Token &T, std::vector<Node> &Out, const TagList &Until) {
    ExprParser P = argsOf(T);
    std::vector<std::string> Targets;
    while (!P.atEnd() && !P.isOp("=")) {
      const ETok &Tok = P.tok(P.Pos++);
      if (Tok.K == ETok::Name)
        Targets.emplace_back(Src.substr(Tok.Begin, Tok.End - Tok.Begin));
      else if (P.text(P.Pos - 1) == ".")
        Targets.clear(), P.Pos = P.Toks.size() - 1; // `ns.x = ...`: no name is bound
    }
    if (!P.isOp("=")) {
      setBlock(T, Out, Targets);
      return std::nullopt;
    }
    ++P.Pos;
    std::vector<Operand> Values = P.list();
    Operand Value = Values.size() == 1 ? Values[0] : Operand{};
    if (Values.size() != 1)
      for (const Operand &V : Values)
        P.read(V);
    emitReads(P, Out, T);
    Node &N = add(Out, NodeKind::With, T);
    N.TagName = "set";
    for (const std::string &Name : Targets)
      N.Bindings.emplace_back(Name,
                              Targets.size() == 1 ? operandExpr(Value) : noneAt({T.Begin, T.End}));
    std::vector<Node> Rest;
    bool Found = body(Rest, Until);
    Node &With = Out.back();
    With.Children = std::move(Rest);
    if (!With.Children.empty())
      With.Where.End = With.Children.back().Where.End;
    return Found;
  }

  void setBlock(const Token &T, std::vector<Node> &Out, const std::vector<std::string> &Targets) {
    Node N;
    N.Kind = NodeKind::Other;
    N.TagName = "set";
    N.Where = N.TagWhere = {T.Begin, T.End};
    if (Targets.size() == 1)
      N.AsVar = Targets[0];
    body(N.Children, {"endset"});
    Out.push_back(std::move(N));
    close(Out.back());
  }

  void withTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    ExprParser P = argsOf(T);
    std::vector<std::pair<std::string, Expr>> Bindings;
    while (!P.atEnd()) {
      if (P.tok(P.Pos).K != ETok::Name ||
          !(P.tok(P.Pos + 1).K == ETok::Op && P.text(P.Pos + 1) == "=")) {
        ++P.Pos;
        continue;
      }
      std::string Name(P.text(P.Pos));
      P.Pos += 2;
      Bindings.emplace_back(Name, operandExpr(P.expression()));
      if (P.isOp(","))
        ++P.Pos;
    }
    emitReads(P, Out, T);
    Node &N = add(Out, NodeKind::With, T);
    N.TagName = "with";
    N.Bindings = std::move(Bindings);
    std::vector<Node> Children;
    body(Children, {"endwith"});
    Out.back().Children = std::move(Children);
    close(Out.back());
  }

  /// include/extends: the template name when it is one string literal.
  void templateRef(const Token &T, std::vector<Node> &Out, NodeKind K) {
    ExprParser P = argsOf(T);
    Operand Name = P.expression();
    bool Only = false;
    while (!P.atEnd()) {
      Only |= P.isName("without");
      ++P.Pos;
    }
    emitReads(P, Out, T);
    Node &N = add(Out, K, T);
    N.TagName = K == NodeKind::Include ? "include" : "extends";
    N.Value = operandExpr(Name);
    if (!Name.StringText) // a variable or an expression: not followed
      N.Value.IsLiteral = false, N.Value.Var = "None";
    N.Only = Only;
  }
  void includeTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    templateRef(T, Out, NodeKind::Include);
  }
  void extendsTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    templateRef(T, Out, NodeKind::Extends);
  }

  void blockTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    ExprParser P = argsOf(T);
    Node N;
    N.Kind = NodeKind::Block;
    N.Where = N.TagWhere = {T.Begin, T.End};
    if (!P.atEnd() && P.tok(0).K == ETok::Name)
      N.BlockName = N.TagName = std::string(P.text(0));
    body(N.Children, {"endblock"});
    Out.push_back(std::move(N));
    close(Out.back());
  }

  /// A tag whose body runs elsewhere (a macro, a `call` block's caller): the body is
  /// skipped, the arguments escape.
  void skippedBody(const Token &T, std::vector<Node> &Out, std::string_view End,
                   std::vector<Node> *Keep = nullptr) {
    ExprParser P = argsOf(T);
    for (const Operand &O : P.list())
      P.escape(O);
    Node N;
    N.Kind = NodeKind::Other;
    N.TagName = std::string(command(T));
    N.Where = N.TagWhere = {T.Begin, T.End};
    N.Args = std::move(P.Escapes);
    std::vector<Node> Ignored;
    body(Keep ? *Keep : Ignored, {End});
    Out.push_back(std::move(N));
    close(Out.back());
  }
  /// `{% macro name(params) %}`: not walked where it stands; its body is kept for the
  /// calls of it (inlineMacroCalls).
  void macroTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    MacroDef M = macroSignature(T);
    skippedBody(T, Out, "endmacro", M.Name.empty() ? nullptr : &M.Body);
    if (!M.Name.empty())
      Macros.push_back(std::move(M));
  }
  /// The name and parameter names of `{% macro name(a, b=1) %}`; no name when the tag
  /// does not read so.
  MacroDef macroSignature(const Token &T) const {
    uint32_t B = T.ContentBegin + uint32_t(command(T).size());
    std::vector<ETok> E = tokenizeExpr(Src, B, T.ContentEnd);
    auto Text = [&](const ETok &K) { return Src.substr(K.Begin, K.End - K.Begin); };
    MacroDef M;
    if (E.size() < 3 || E[0].K != ETok::Name || Text(E[1]) != "(")
      return M;
    unsigned Nest = 0;
    bool AtParam = false;
    for (size_t I = 1; I < E.size() && E[I].K != ETok::Eof; ++I) {
      std::string_view X = Text(E[I]);
      if (E[I].K == ETok::Op && (X == "(" || X == "[" || X == "{")) {
        AtParam = ++Nest == 1;
        continue;
      }
      if (E[I].K == ETok::Op && (X == ")" || X == "]" || X == "}")) {
        if (--Nest == 0) {
          M.Name = std::string(Text(E[0]));
          return M;
        }
        continue;
      }
      if (Nest == 1 && X == ",") {
        AtParam = true;
        continue;
      }
      if (AtParam && E[I].K == ETok::Name)
        M.Params.push_back(std::string(X));
      AtParam = false;
    }
    return M;
  }
  void callTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    skippedBody(T, Out, "endcall");
  }

  /// A block tag whose body renders in place: filter, autoescape, trans (with its
  /// `pluralize` part as ElseChildren).
  void plainBlock(const Token &T, std::vector<Node> &Out, std::string_view End,
                  std::string_view Middle = {}) {
    ExprParser P = argsOf(T);
    Node N;
    N.Kind = NodeKind::Other;
    N.TagName = std::string(command(T));
    N.Where = N.TagWhere = {T.Begin, T.End};
    while (!P.atEnd()) {
      bool Kw = P.tok(P.Pos).K == ETok::Name && P.tok(P.Pos + 1).K == ETok::Op &&
                P.text(P.Pos + 1) == "=";
      std::string Name = Kw ? std::string(P.text(P.Pos)) : "";
      P.Pos += Kw ? 2 : 0;
      size_t Before = P.Pos;
      Operand O = P.expression();
      if (Kw)
        N.Bindings.emplace_back(Name, operandExpr(O));
      else
        P.escape(O);
      if (P.isOp(",") || P.Pos == Before)
        ++P.Pos;
    }
    N.Args = std::move(P.Escapes);
    TagList Until{End};
    if (!Middle.empty())
      Until.push_back(Middle);
    body(N.Children, Until);
    if (!Middle.empty() && atTag(Middle)) {
      ++Pos;
      body(N.ElseChildren, {End});
    }
    Out.push_back(std::move(N));
    close(Out.back());
  }
  void filterTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    plainBlock(T, Out, "endfilter");
  }
  void autoescapeTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    plainBlock(T, Out, "endautoescape");
  }
  void transTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    plainBlock(T, Out, "endtrans", "pluralize");
  }

  /// `{% do expr %}`, `{% import %}`, `{% from %}`: one Other node, arguments escaping.
  void simpleTag(const Token &T, std::vector<Node> &Out, const TagList &) {
    ExprParser P = argsOf(T);
    if (command(T) == "do")
      for (const Operand &O : P.list())
        P.escape(O);
    Node &N = add(Out, NodeKind::Other, T);
    N.TagName = std::string(command(T));
    N.Args = std::move(P.Escapes);
  }
  void ignoredTag(const Token &, std::vector<Node> &, const TagList &) {}

  /// A tag of an extension: a block when its `end` tag occurs later; its arguments, as
  /// far as they read as expressions, escape.
  void unknownTag(const Token &T, std::vector<Node> &Out) {
    std::string_view Cmd = command(T);
    if (Cmd.empty() || Cmd.substr(0, 3) == "end" || Cmd == "else" || Cmd == "elif")
      return; // stray: skipped
    ExprParser P = argsOf(T);
    while (!P.atEnd()) {
      size_t Before = P.Pos;
      P.escape(P.expression());
      if (P.Pos == Before)
        ++P.Pos;
    }
    Node N;
    N.Kind = NodeKind::Other;
    N.TagName = std::string(Cmd);
    N.Where = N.TagWhere = {T.Begin, T.End};
    N.Args = std::move(P.Escapes);
    std::string End = "end" + std::string(Cmd);
    bool Block = std::binary_search(Commands.begin(), Commands.end(), End);
    if (Block)
      body(N.Children, {End});
    Out.push_back(std::move(N));
    if (Block)
      close(Out.back());
  }
};

const Parser::HandlerEntry Parser::Handlers[] = {
    {"autoescape", &Parser::autoescapeTag},
    {"block", &Parser::blockTag},
    {"break", &Parser::ignoredTag},
    {"call", &Parser::callTag},
    {"continue", &Parser::ignoredTag},
    {"do", &Parser::simpleTag},
    {"extends", &Parser::extendsTag},
    {"filter", &Parser::filterTag},
    {"for", &Parser::forTag},
    {"from", &Parser::simpleTag},
    {"if", &Parser::ifTag},
    {"import", &Parser::simpleTag},
    {"include", &Parser::includeTag},
    {"macro", &Parser::macroTag},
    {"trans", &Parser::transTag},
    {"with", &Parser::withTag},
};

void Parser::dispatch(const Token &T, std::vector<Node> &Out, const TagList &Until) {
  std::string_view Cmd = command(T);
  for (const HandlerEntry &H : Handlers)
    if (H.Name == Cmd) {
      (this->*H.Run)(T, Out, Until);
      return;
    }
  unknownTag(T, Out);
}

/// The command word at the start of \p T's content.
std::string_view commandOf(std::string_view Src, const Token &T) {
  size_t E = T.ContentBegin;
  while (E < T.ContentEnd && isNameChar(Src[E]))
    ++E;
  return Src.substr(T.ContentBegin, E - T.ContentBegin);
}

/// Whether a tag or variable of \p Src carries Jinja2 syntax the Django template
/// language has no reading for: whitespace control, a call `name(`, a subscript
/// `name[` or a list literal.
bool hasJinjaExpression(std::string_view Src, const Token &T) {
  if (Src[T.Begin + 2] == '-' || Src[T.End - 3] == '-')
    return true;
  std::vector<ETok> Toks = tokenizeExpr(Src, T.ContentBegin, T.ContentEnd);
  for (size_t I = 0; I + 1 < Toks.size(); ++I) {
    const ETok &A = Toks[I], &B = Toks[I + 1];
    if (B.K != ETok::Op || B.Begin != A.End)
      continue;
    char C = Src[B.Begin];
    if ((C == '(' || C == '[') && (A.K == ETok::Name || Src[A.Begin] == ')'))
      return true;
  }
  return false;
}

} // namespace

bool hasJinjaSyntax(std::string_view Source) {
  if (Source.size() >= std::numeric_limits<uint32_t>::max())
    return false;
  std::vector<Token> Toks = lexTemplate(Source);
  bool Jinja = false;
  for (const Token &T : Toks) {
    if (T.Kind != TokKind::Block && T.Kind != TokKind::Var)
      continue;
    std::string_view Cmd = T.Kind == TokKind::Block ? commandOf(Source, T) : "";
    if (Cmd == "load") // a Django library: whatever else is there, Django reads it
      return false;
    if (Cmd == "set" || Cmd == "macro" || Cmd == "call" || Cmd == "import" || Cmd == "do" ||
        Cmd == "raw" ||
        (Cmd == "from" &&
         Source.substr(T.ContentBegin, T.ContentEnd - T.ContentBegin).find(" import ") != NoMatch))
      Jinja = true;
    else if (!Jinja && hasJinjaExpression(Source, T))
      Jinja = true;
  }
  return Jinja;
}

Template parseJinjaTemplate(std::string_view Source) {
  Template T;
  if (Source.size() >= std::numeric_limits<uint32_t>::max())
    return T;
  try {
    T.Nodes = Parser(Source, lexTemplate(Source)).run();
  } catch (const std::exception &) {
    T.Nodes.clear(); // std::bad_alloc only: never an error finding on Jinja2
  }
  return T;
}

} // namespace nplus1::parse::tpl
