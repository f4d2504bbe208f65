#include "parse/Python.h"
#include "AnalysisLimits.h"

#include "llvm/ADT/StringRef.h"
#include <tree_sitter/api.h>

#include <array>
#include <cstring>
#include <mutex>

extern "C" const TSLanguage *tree_sitter_python(void);

namespace nplus1::parse {
namespace {

using py::Expr;
using py::ExprKind;
using py::Stmt;
using py::StmtKind;

/// The grammar node kinds the lowering distinguishes; everything else is Unknown.
enum class NodeKind : uint8_t {
  Unknown,
  Module,
  Block,
  ExpressionStatement,
  Assignment,
  AugmentedAssignment,
  ForStatement,
  WhileStatement,
  IfStatement,
  ElifClause,
  ElseClause,
  WithStatement,
  WithClause,
  WithItem,
  AsPattern,
  TryStatement,
  ExceptClause,
  FinallyClause,
  FunctionDefinition,
  DecoratedDefinition,
  Decorator,
  ClassDefinition,
  ReturnStatement,
  ImportStatement,
  ImportFromStatement,
  AliasedImport,
  DottedName,
  RelativeImport,
  WildcardImport,
  Parameters,
  DefaultParameter,
  TypedParameter,
  TypedDefaultParameter,
  ListSplatPattern,
  DictionarySplatPattern,
  Identifier,
  Attribute,
  Call,
  ArgumentList,
  KeywordArgument,
  Subscript,
  Slice,
  String,
  StringContent,
  ConcatenatedString,
  Interpolation,
  Integer,
  Float,
  True,
  False,
  None,
  List,
  Tuple,
  Set,
  Dictionary,
  Pair,
  DictionarySplat,
  ListSplat,
  ExpressionList,
  PatternList,
  TuplePattern,
  ListPattern,
  ListComprehension,
  SetComprehension,
  DictionaryComprehension,
  GeneratorExpression,
  ForInClause,
  IfClause,
  ParenthesizedExpression,
  Lambda,
  NotOperator,
  BooleanOperator,
  BinaryOperator,
  ConditionalExpression,
  ComparisonOperator,
  Comment,
  LineContinuation,
  Error,
};

/// The grammar's names of the node kinds the lowering distinguishes.
const std::pair<const char *, NodeKind> NodeKindNames[] = {
    {"module", NodeKind::Module},
    {"block", NodeKind::Block},
    {"expression_statement", NodeKind::ExpressionStatement},
    {"assignment", NodeKind::Assignment},
    {"augmented_assignment", NodeKind::AugmentedAssignment},
    {"for_statement", NodeKind::ForStatement},
    {"while_statement", NodeKind::WhileStatement},
    {"if_statement", NodeKind::IfStatement},
    {"elif_clause", NodeKind::ElifClause},
    {"else_clause", NodeKind::ElseClause},
    {"with_statement", NodeKind::WithStatement},
    {"with_clause", NodeKind::WithClause},
    {"with_item", NodeKind::WithItem},
    {"as_pattern", NodeKind::AsPattern},
    {"try_statement", NodeKind::TryStatement},
    {"except_clause", NodeKind::ExceptClause},
    {"except_group_clause", NodeKind::ExceptClause},
    {"finally_clause", NodeKind::FinallyClause},
    {"function_definition", NodeKind::FunctionDefinition},
    {"decorated_definition", NodeKind::DecoratedDefinition},
    {"decorator", NodeKind::Decorator},
    {"class_definition", NodeKind::ClassDefinition},
    {"return_statement", NodeKind::ReturnStatement},
    {"import_statement", NodeKind::ImportStatement},
    {"import_from_statement", NodeKind::ImportFromStatement},
    {"future_import_statement", NodeKind::ImportFromStatement},
    {"aliased_import", NodeKind::AliasedImport},
    {"dotted_name", NodeKind::DottedName},
    {"relative_import", NodeKind::RelativeImport},
    {"wildcard_import", NodeKind::WildcardImport},
    {"parameters", NodeKind::Parameters},
    {"lambda_parameters", NodeKind::Parameters},
    {"default_parameter", NodeKind::DefaultParameter},
    {"typed_parameter", NodeKind::TypedParameter},
    {"typed_default_parameter", NodeKind::TypedDefaultParameter},
    {"list_splat_pattern", NodeKind::ListSplatPattern},
    {"dictionary_splat_pattern", NodeKind::DictionarySplatPattern},
    {"identifier", NodeKind::Identifier},
    {"attribute", NodeKind::Attribute},
    {"call", NodeKind::Call},
    {"argument_list", NodeKind::ArgumentList},
    {"keyword_argument", NodeKind::KeywordArgument},
    {"subscript", NodeKind::Subscript},
    {"slice", NodeKind::Slice},
    {"string", NodeKind::String},
    {"string_content", NodeKind::StringContent},
    {"concatenated_string", NodeKind::ConcatenatedString},
    {"interpolation", NodeKind::Interpolation},
    {"integer", NodeKind::Integer},
    {"float", NodeKind::Float},
    {"true", NodeKind::True},
    {"false", NodeKind::False},
    {"none", NodeKind::None},
    {"list", NodeKind::List},
    {"tuple", NodeKind::Tuple},
    {"set", NodeKind::Set},
    {"dictionary", NodeKind::Dictionary},
    {"pair", NodeKind::Pair},
    {"dictionary_splat", NodeKind::DictionarySplat},
    {"list_splat", NodeKind::ListSplat},
    {"expression_list", NodeKind::ExpressionList},
    {"pattern_list", NodeKind::PatternList},
    {"tuple_pattern", NodeKind::TuplePattern},
    {"list_pattern", NodeKind::ListPattern},
    {"list_comprehension", NodeKind::ListComprehension},
    {"set_comprehension", NodeKind::SetComprehension},
    {"dictionary_comprehension", NodeKind::DictionaryComprehension},
    {"generator_expression", NodeKind::GeneratorExpression},
    {"for_in_clause", NodeKind::ForInClause},
    {"if_clause", NodeKind::IfClause},
    {"parenthesized_expression", NodeKind::ParenthesizedExpression},
    {"lambda", NodeKind::Lambda},
    {"not_operator", NodeKind::NotOperator},
    {"boolean_operator", NodeKind::BooleanOperator},
    {"binary_operator", NodeKind::BinaryOperator},
    {"conditional_expression", NodeKind::ConditionalExpression},
    {"comparison_operator", NodeKind::ComparisonOperator},
    {"comment", NodeKind::Comment},
    {"line_continuation", NodeKind::LineContinuation},
};

/// Comments and the `\` that continues a line: named nodes that are no part of an
/// expression.
bool isTrivia(NodeKind K) { return K == NodeKind::Comment || K == NodeKind::LineContinuation; }

/// Symbol and field tables for tree-sitter-python, built once.
struct Grammar {
  const TSLanguage *Language = nullptr;
  std::vector<NodeKind> Kinds;
  TSFieldId Left, Right, Body, Alternative, Condition, Consequence, Name, Value, Parameters,
      Superclasses, Definition, Function, Arguments, Object, AttributeField, SubscriptField,
      ModuleName, Alias, Key, TypeField, Operator;

  Grammar() {
    Language = tree_sitter_python();
    mapSymbols();
    mapFields();
  }

private:
  /// Kinds[symbol]: the NodeKind of every regular symbol named in NodeKindNames.
  void mapSymbols() {
    uint32_t Count = ts_language_symbol_count(Language);
    Kinds.assign(Count, NodeKind::Unknown);
    for (uint32_t S = 0; S < Count; ++S) {
      if (ts_language_symbol_type(Language, S) != TSSymbolTypeRegular)
        continue;
      const char *SymName = ts_language_symbol_name(Language, S);
      for (auto &[N, K] : NodeKindNames)
        if (std::strcmp(N, SymName) == 0)
          Kinds[S] = K;
    }
  }

  /// The field ids the lowering reads.
  void mapFields() {
    auto F = [&](const char *N) {
      return ts_language_field_id_for_name(Language, N, std::strlen(N));
    };
    Left = F("left");
    Right = F("right");
    Body = F("body");
    Alternative = F("alternative");
    Condition = F("condition");
    Consequence = F("consequence");
    Name = F("name");
    Value = F("value");
    Parameters = F("parameters");
    Superclasses = F("superclasses");
    Definition = F("definition");
    Function = F("function");
    Arguments = F("arguments");
    Object = F("object");
    AttributeField = F("attribute");
    SubscriptField = F("subscript");
    ModuleName = F("module_name");
    Alias = F("alias");
    Key = F("key");
    TypeField = F("type");
    Operator = F("operator");
  }
};

const Grammar &grammar() {
  static const Grammar G;
  return G;
}

/// Owns a tree-sitter parser; one per thread.
struct ParserHandle {
  TSParser *P = ts_parser_new();
  ParserHandle() { ts_parser_set_language(P, grammar().Language); }
  ~ParserHandle() { ts_parser_delete(P); }
  ParserHandle(const ParserHandle &) = delete;
  ParserHandle &operator=(const ParserHandle &) = delete;
};

/// Owns one syntax tree.
struct TreeHandle {
  TSTree *T;
  explicit TreeHandle(TSTree *T) : T(T) {}
  ~TreeHandle() { ts_tree_delete(T); }
  TreeHandle(const TreeHandle &) = delete;
  TreeHandle &operator=(const TreeHandle &) = delete;
};

/// Walks the children of one node with a tree cursor: each step is O(1), where
/// ts_node_child(N, I) walks the first I children again (a module of 100,000 functions
/// would take quadratic time).
class Children {
public:
  explicit Children(TSNode N)
      : C(ts_tree_cursor_new(N)), Valid(ts_tree_cursor_goto_first_child(&C)) {}
  ~Children() { ts_tree_cursor_delete(&C); }
  Children(const Children &) = delete;
  Children &operator=(const Children &) = delete;

  bool valid() const { return Valid; }
  TSNode node() const { return ts_tree_cursor_current_node(&C); }
  void next() { Valid = ts_tree_cursor_goto_next_sibling(&C); }

private:
  TSTreeCursor C;
  bool Valid;
};

constexpr unsigned MaxDepth = limits::PythonSyntaxDepth;

/// The operator \p Words spell, as a string with static storage: Expr::Op outlives no
/// buffer. Words that are no operator (a comment between the operands) give "?".
llvm::StringRef operatorName(llvm::StringRef Words) {
  static constexpr const char *Ops[] = {"and", "or", "not", "is", "is not", "in", "not in",
                                        "==",  "!=", "<",   ">",  "<=",     ">=", "<>"};
  for (const char *O : Ops)
    if (Words == O)
      return O;
  return Words.empty() ? "" : "?";
}

/// Lowers tree-sitter nodes into py::Expr / py::Stmt.
class Lowering {
  /// Children gathered while a node is lowered, then frozen into the module (Module::freeze).
  using ArgList = llvm::SmallVector<Expr *, 4>;
  using KeywordList = llvm::SmallVector<py::Keyword, 2>;

public:
  Lowering(py::Module &M) : M(M), G(grammar()), Text(M.file().text()) {}

  void lowerModule(TSNode Root) { lowerBlock(Root, M.Body, 0); }

  void collectErrors(TSNode N, unsigned Depth) {
    if (!ts_node_has_error(N) || M.Errors.size() >= limits::PythonSyntaxErrors)
      return;
    if (ts_node_is_missing(N)) {
      M.Errors.push_back({range(N), std::string("missing '") + ts_node_type(N) + "'"});
      return;
    }
    if (ts_node_is_error(N)) {
      M.Errors.push_back({range(N), "invalid syntax"});
      return;
    }
    if (Depth > MaxDepth) {
      M.Errors.push_back({range(N), "invalid syntax"});
      return;
    }
    for (Children C(N); C.valid(); C.next())
      collectErrors(C.node(), Depth + 1);
  }

private:
  py::Module &M;
  const Grammar &G;
  llvm::StringRef Text;

  NodeKind kind(TSNode N) const {
    if (ts_node_is_null(N))
      return NodeKind::Unknown;
    if (ts_node_is_error(N))
      return NodeKind::Error;
    TSSymbol S = ts_node_symbol(N);
    return S < G.Kinds.size() ? G.Kinds[S] : NodeKind::Unknown;
  }
  static Range range(TSNode N) { return {ts_node_start_byte(N), ts_node_end_byte(N)}; }
  llvm::StringRef text(TSNode N) const {
    return Text.slice(ts_node_start_byte(N), ts_node_end_byte(N));
  }
  TSNode field(TSNode N, TSFieldId F) const { return ts_node_child_by_field_id(N, F); }

  template <typename Fn> void forNamed(TSNode N, Fn &&Visit) {
    for (Children Cs(N); Cs.valid(); Cs.next()) {
      TSNode C = Cs.node();
      if (!ts_node_is_named(C))
        continue;
      NodeKind K = kind(C);
      if (isTrivia(K))
        continue;
      Visit(C, K);
    }
  }

  bool startsWithAsync(TSNode N) {
    return ts_node_child_count(N) > 0 &&
           std::strcmp(ts_node_type(ts_node_child(N, 0)), "async") == 0;
  }

  void lowerBlock(TSNode N, std::vector<Stmt *> &Out, unsigned Depth) {
    if (ts_node_is_null(N))
      return;
    forNamed(N, [&](TSNode C, NodeKind) { lowerStmt(C, Out, Depth + 1); });
  }

  /// The statements of block \p N, frozen into the module's storage.
  py::NodeList<Stmt *> block(TSNode N, unsigned Depth) {
    std::vector<Stmt *> Out;
    lowerBlock(N, Out, Depth);
    return M.freeze(Out);
  }

  /// Appends the statement N to Out. Each kind has its own function, kept out of line
  /// ([[gnu::noinline]]) so that its locals do not weigh on every level of nesting: the
  /// recursion through lowerBlock costs one small frame of lowerStmt per level.
  void lowerStmt(TSNode N, std::vector<Stmt *> &Out, unsigned Depth) {
    if (Depth > MaxDepth)
      return;
    switch (kind(N)) {
    case NodeKind::Error:
      return;
    case NodeKind::Block:
      lowerBlock(N, Out, Depth);
      return;
    case NodeKind::ExpressionStatement:
      lowerExpressionStatement(N, Out, Depth);
      return;
    case NodeKind::DecoratedDefinition:
      lowerDecoratedDefinition(N, Out, Depth);
      return;
    case NodeKind::Assignment:
      Out.push_back(lowerAssignment(N, Depth));
      return;
    case NodeKind::AugmentedAssignment:
      Out.push_back(lowerAugmentedAssignment(N, Depth));
      return;
    case NodeKind::ForStatement:
      Out.push_back(lowerFor(N, Depth));
      return;
    case NodeKind::WhileStatement:
      Out.push_back(lowerWhile(N, Depth));
      return;
    case NodeKind::IfStatement:
      Out.push_back(lowerIf(N, Depth));
      return;
    case NodeKind::WithStatement:
      Out.push_back(lowerWith(N, Depth));
      return;
    case NodeKind::TryStatement:
      Out.push_back(lowerTry(N, Depth));
      return;
    case NodeKind::FunctionDefinition:
      Out.push_back(lowerFunction(N, Depth));
      return;
    case NodeKind::ClassDefinition:
      Out.push_back(lowerClass(N, Depth));
      return;
    case NodeKind::ReturnStatement:
      Out.push_back(lowerReturn(N, Depth));
      return;
    case NodeKind::ImportStatement:
      Out.push_back(lowerImport(N));
      return;
    case NodeKind::ImportFromStatement:
      Out.push_back(lowerImportFrom(N));
      return;
    default:
      Out.push_back(lowerOtherStatement(N, Depth));
      return;
    }
  }

  /// An expression statement, or the assignment it wraps.
  [[gnu::noinline]] void lowerExpressionStatement(TSNode N, std::vector<Stmt *> &Out,
                                                  unsigned Depth) {
    if (ts_node_named_child_count(N) == 1) {
      TSNode C = ts_node_named_child(N, 0);
      NodeKind CK = kind(C);
      if (CK == NodeKind::Assignment || CK == NodeKind::AugmentedAssignment) {
        lowerStmt(C, Out, Depth + 1);
        return;
      }
      Stmt *S = M.newStmt(StmtKind::Expr, range(N));
      S->Value = lowerExpr(C, Depth + 1);
      Out.push_back(S);
      return;
    }
    Stmt *S = M.newStmt(StmtKind::Expr, range(N));
    S->Value = lowerSequence(N, ExprKind::Tuple, Depth + 1);
    Out.push_back(S);
  }

  /// `a = b = value`: one Assign with every target.
  [[gnu::noinline]] Stmt *lowerAssignment(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Assign, range(N));
    llvm::SmallVector<Expr *, 2> Targets;
    TSNode Cur = N;
    for (;;) {
      Targets.push_back(lowerExpr(field(Cur, G.Left), Depth + 1));
      TSNode R = field(Cur, G.Right);
      if (kind(R) == NodeKind::Assignment) {
        Cur = R;
        continue;
      }
      if (!ts_node_is_null(R))
        S->Value = lowerExpr(R, Depth + 1);
      break;
    }
    S->Targets = M.freeze(Targets);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerAugmentedAssignment(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::AugAssign, range(N));
    llvm::SmallVector<Expr *, 1> Targets{lowerExpr(field(N, G.Left), Depth + 1)};
    S->Targets = M.freeze(Targets);
    S->Value = lowerExpr(field(N, G.Right), Depth + 1);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerFor(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::For, range(N));
    S->IsAsync = startsWithAsync(N);
    S->Target = lowerExpr(field(N, G.Left), Depth + 1);
    S->Value = lowerExpr(field(N, G.Right), Depth + 1);
    S->Body = block(field(N, G.Body), Depth);
    TSNode Alt = field(N, G.Alternative);
    if (!ts_node_is_null(Alt))
      S->OrElse = block(field(Alt, G.Body), Depth);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerWhile(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::While, range(N));
    S->Value = lowerExpr(field(N, G.Condition), Depth + 1);
    S->Body = block(field(N, G.Body), Depth);
    TSNode Alt = field(N, G.Alternative);
    if (!ts_node_is_null(Alt))
      S->OrElse = block(field(Alt, G.Body), Depth);
    return S;
  }

  /// `if`/`elif`/`else`: each elif is an If in the OrElse of the one before.
  [[gnu::noinline]] Stmt *lowerIf(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::If, range(N));
    S->Value = lowerExpr(field(N, G.Condition), Depth + 1);
    S->Body = block(field(N, G.Consequence), Depth);
    Stmt *Tail = S;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::ElifClause) {
        Stmt *Elif = M.newStmt(StmtKind::If, range(C));
        Elif->Value = lowerExpr(field(C, G.Condition), Depth + 1);
        Elif->Body = block(field(C, G.Consequence), Depth);
        llvm::SmallVector<Stmt *, 1> Else{Elif};
        Tail->OrElse = M.freeze(Else);
        Tail = Elif;
      } else if (CK == NodeKind::ElseClause) {
        Tail->OrElse = block(field(C, G.Body), Depth);
      }
    });
    return S;
  }

  [[gnu::noinline]] Stmt *lowerWith(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::With, range(N));
    S->IsAsync = startsWithAsync(N);
    llvm::SmallVector<Expr *, 2> Items, Targets;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK != NodeKind::WithClause)
        return;
      forNamed(C, [&](TSNode Item, NodeKind IK) {
        if (IK == NodeKind::WithItem)
          lowerWithItem(Item, Items, Targets, Depth);
      });
    });
    S->Items = M.freeze(Items);
    S->Targets = M.freeze(Targets);
    S->Body = block(field(N, G.Body), Depth);
    return S;
  }

  /// One `value [as target]` of a with statement: Items[I] and Targets[I] (null without `as`).
  void lowerWithItem(TSNode Item, llvm::SmallVector<Expr *, 2> &Items,
                     llvm::SmallVector<Expr *, 2> &Targets, unsigned Depth) {
    TSNode V = field(Item, G.Value);
    if (kind(V) == NodeKind::AsPattern) {
      Items.push_back(lowerExpr(ts_node_named_child(V, 0), Depth + 1));
      TSNode Alias = field(V, G.Alias);
      Targets.push_back(ts_node_is_null(Alias) || ts_node_named_child_count(Alias) == 0
                            ? nullptr
                            : lowerExpr(ts_node_named_child(Alias, 0), Depth + 1));
    } else {
      Items.push_back(lowerExpr(V, Depth + 1));
      Targets.push_back(nullptr);
    }
  }

  [[gnu::noinline]] Stmt *lowerTry(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Try, range(N));
    S->Body = block(field(N, G.Body), Depth);
    llvm::SmallVector<py::NodeList<Stmt *>, 2> Handlers;
    std::vector<Stmt *> Finally;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::ExceptClause) {
        std::vector<Stmt *> Handler;
        forNamed(C, [&](TSNode H, NodeKind HK) {
          if (HK == NodeKind::Block)
            lowerBlock(H, Handler, Depth);
        });
        Handlers.push_back(M.freeze(Handler));
      } else if (CK == NodeKind::ElseClause) {
        S->OrElse = block(field(C, G.Body), Depth);
      } else if (CK == NodeKind::FinallyClause) {
        forNamed(C, [&](TSNode H, NodeKind HK) {
          if (HK == NodeKind::Block)
            lowerBlock(H, Finally, Depth);
        });
      }
    });
    S->Handlers = M.freeze(Handlers);
    S->Finally = M.freeze(Finally);
    return S;
  }

  /// The decorated function or class, with its decorators and the whole range.
  [[gnu::noinline]] void lowerDecoratedDefinition(TSNode N, std::vector<Stmt *> &Out,
                                                  unsigned Depth) {
    llvm::SmallVector<Expr *, 2> Decorators;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::Decorator && ts_node_named_child_count(C) > 0)
        Decorators.push_back(lowerExpr(ts_node_named_child(C, 0), Depth + 1));
    });
    size_t Before = Out.size();
    lowerStmt(field(N, G.Definition), Out, Depth + 1);
    if (Out.size() > Before) {
      Out.back()->Decorators = M.freeze(Decorators);
      Out.back()->Where = range(N);
    }
  }

  [[gnu::noinline]] Stmt *lowerFunction(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Function, range(N));
    S->IsAsync = startsWithAsync(N);
    TSNode Name = field(N, G.Name);
    S->Name = text(Name).str();
    S->NameWhere = range(Name);
    std::vector<py::Param> Params;
    lowerParams(field(N, G.Parameters), Params, Depth);
    S->Params = M.freeze(Params);
    S->Body = block(field(N, G.Body), Depth);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerClass(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Class, range(N));
    TSNode Name = field(N, G.Name);
    S->Name = text(Name).str();
    S->NameWhere = range(Name);
    TSNode Supers = field(N, G.Superclasses);
    if (!ts_node_is_null(Supers)) {
      ArgList Bases;
      KeywordList Keywords;
      lowerArguments(Supers, Bases, Keywords, Depth);
      S->Bases = M.freeze(Bases);
      S->ClassKeywords = M.freeze(Keywords);
    }
    S->Body = block(field(N, G.Body), Depth);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerReturn(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Return, range(N));
    if (ts_node_named_child_count(N) > 0)
      S->Value = lowerExpr(ts_node_named_child(N, 0), Depth + 1);
    return S;
  }

  [[gnu::noinline]] Stmt *lowerImport(TSNode N) {
    Stmt *S = M.newStmt(StmtKind::Import, range(N));
    llvm::SmallVector<py::ImportName, 1> Imports;
    forNamed(N, [&](TSNode C, NodeKind CK) { Imports.push_back(importName(C, CK)); });
    S->Imports = M.freeze(Imports);
    return S;
  }

  /// `from m import a, b as c, *` (and `from __future__ import x`).
  [[gnu::noinline]] Stmt *lowerImportFrom(TSNode N) {
    Stmt *S = M.newStmt(StmtKind::ImportFrom, range(N));
    TSNode Mod = field(N, G.ModuleName);
    if (!ts_node_is_null(Mod))
      S->Module = text(Mod).str();
    else
      S->Module = "__future__";
    llvm::SmallVector<py::ImportName, 2> Imports;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (ts_node_eq(C, Mod))
        return;
      if (CK == NodeKind::WildcardImport)
        Imports.push_back({"*", ""});
      else if (CK == NodeKind::DottedName || CK == NodeKind::AliasedImport)
        Imports.push_back(importName(C, CK));
    });
    S->Imports = M.freeze(Imports);
    return S;
  }

  /// Anything else (pass, raise, assert, del, global, match, type aliases...): keep the
  /// sub-expressions and nested bodies so nothing inside is lost.
  [[gnu::noinline]] Stmt *lowerOtherStatement(TSNode N, unsigned Depth) {
    Stmt *S = M.newStmt(StmtKind::Other, range(N));
    // Statements that leave a block: the flow stage needs to know which ones.
    llvm::StringRef Type = ts_node_type(N);
    if (Type == "break_statement" || Type == "continue_statement" || Type == "raise_statement")
      S->Name = Type.drop_back(std::strlen("_statement")).str();
    std::vector<Stmt *> Body;
    ArgList Items;
    lowerOther(N, Body, Items, Depth);
    S->Body = M.freeze(Body);
    S->Items = M.freeze(Items);
    return S;
  }

  void lowerOther(TSNode N, std::vector<Stmt *> &Body, ArgList &Items, unsigned Depth) {
    if (Depth > MaxDepth)
      return;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::Block) {
        lowerBlock(C, Body, Depth);
        return;
      }
      if (CK == NodeKind::Error)
        return;
      // Clauses of compound statements we don't model (match/case): descend.
      llvm::StringRef Type = ts_node_type(C);
      if (Type.ends_with("_clause") || Type == "case_pattern") {
        lowerOther(C, Body, Items, Depth + 1);
        return;
      }
      Items.push_back(lowerExpr(C, Depth + 1));
    });
  }

  py::ImportName importName(TSNode C, NodeKind CK) {
    if (CK == NodeKind::AliasedImport) {
      TSNode Name = field(C, G.Name), Alias = field(C, G.Alias);
      return {text(Name).str(), ts_node_is_null(Alias) ? "" : text(Alias).str()};
    }
    return {text(C).str(), ""};
  }

  /// The expression of a `type` node (a parameter's annotation), or null.
  Expr *lowerAnnotation(TSNode Type, unsigned Depth) {
    if (ts_node_is_null(Type) || ts_node_named_child_count(Type) == 0)
      return nullptr;
    return lowerExpr(ts_node_named_child(Type, 0), Depth + 1);
  }

  void lowerParams(TSNode N, std::vector<py::Param> &Out, unsigned Depth) {
    if (ts_node_is_null(N))
      return;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      py::Param P;
      switch (CK) {
      case NodeKind::Identifier:
        P.Name = text(C).str();
        break;
      case NodeKind::DefaultParameter:
      case NodeKind::TypedDefaultParameter:
        P.Name = text(field(C, G.Name)).str();
        P.Default = lowerExpr(field(C, G.Value), Depth + 1);
        if (CK == NodeKind::TypedDefaultParameter)
          P.Annotation = lowerAnnotation(field(C, G.TypeField), Depth);
        break;
      case NodeKind::TypedParameter: {
        TSNode Inner = ts_node_named_child(C, 0);
        NodeKind IK = kind(Inner);
        P.IsStar = IK == NodeKind::ListSplatPattern;
        P.IsDoubleStar = IK == NodeKind::DictionarySplatPattern;
        P.Name = (P.IsStar || P.IsDoubleStar) && ts_node_named_child_count(Inner) > 0
                     ? text(ts_node_named_child(Inner, 0)).str()
                     : text(Inner).str();
        P.Annotation = lowerAnnotation(field(C, G.TypeField), Depth);
        break;
      }
      case NodeKind::ListSplatPattern:
      case NodeKind::DictionarySplatPattern:
        P.IsStar = CK == NodeKind::ListSplatPattern;
        P.IsDoubleStar = !P.IsStar;
        if (ts_node_named_child_count(C) > 0)
          P.Name = text(ts_node_named_child(C, 0)).str();
        break;
      default:
        return; // separators `*` and `/`
      }
      Out.push_back(std::move(P));
    });
  }

  void lowerArguments(TSNode N, ArgList &Args, KeywordList &Kws, unsigned Depth) {
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::KeywordArgument) {
        Kws.push_back({text(field(C, G.Name)).str(), lowerExpr(field(C, G.Value), Depth + 1)});
        return;
      }
      if (CK == NodeKind::DictionarySplat) {
        Kws.push_back({"", ts_node_named_child_count(C) > 0
                               ? lowerExpr(ts_node_named_child(C, 0), Depth + 1)
                               : M.newExpr(ExprKind::Other, range(C))});
        return;
      }
      Args.push_back(lowerExpr(C, Depth + 1));
    });
  }

  /// A container literal of plain data (dataSize()) with more than
  /// limits::DataLiteralNodes values and containers: lowered as one opaque node.
  bool isBigData(TSNode N, unsigned Depth) const {
    if (ts_node_named_child_count(N) < 2)
      return false;
    return dataSize(N, Depth) > limits::DataLiteralNodes;
  }

  /// The number of values and containers in \p N (a string counts one) when it is
  /// literal data nothing is looked up in, else 0: strings without interpolation, numbers, True /
  /// False / None, a negated number, containers and pairs of data, and a call of a plain name with
  /// data arguments
  /// (`_("Agriculture")`, `Decimal("1.5")`). Linear in the literal's size, as its parse
  /// was; a literal that is not data stops at its first piece of code.
  size_t dataSize(TSNode N, unsigned Depth) const {
    if (Depth > MaxDepth)
      return 0;
    auto AllData = [&](TSNode P) -> size_t {
      size_t Sum = 1;
      for (Children Cs(P); Cs.valid(); Cs.next()) {
        TSNode Child = Cs.node();
        if (!ts_node_is_named(Child) || isTrivia(kind(Child)))
          continue;
        size_t S = dataSize(Child, Depth + 1);
        if (!S)
          return 0;
        Sum += S;
      }
      return Sum;
    };
    switch (kind(N)) {
    case NodeKind::Integer:
    case NodeKind::Float:
    case NodeKind::True:
    case NodeKind::False:
    case NodeKind::None:
      return 1;
    case NodeKind::String: {
      for (Children Cs(N); Cs.valid(); Cs.next())
        if (kind(Cs.node()) == NodeKind::Interpolation)
          return 0;
      return 1;
    }
    case NodeKind::ConcatenatedString:
    case NodeKind::List:
    case NodeKind::Tuple:
    case NodeKind::Set:
    case NodeKind::Dictionary:
    case NodeKind::Pair:
    case NodeKind::ParenthesizedExpression:
    case NodeKind::ArgumentList:
      return AllData(N);
    case NodeKind::KeywordArgument: {
      size_t S = dataSize(field(N, G.Value), Depth + 1);
      return S ? S + 1 : 0;
    }
    case NodeKind::Call: {
      if (kind(field(N, G.Function)) != NodeKind::Identifier ||
          kind(field(N, G.Arguments)) != NodeKind::ArgumentList)
        return 0;
      size_t S = dataSize(field(N, G.Arguments), Depth + 1);
      return S ? S + 1 : 0;
    }
    case NodeKind::Unknown:
      return llvm::StringRef(ts_node_type(N)) == "unary_operator" ? AllData(N) : 0;
    default:
      return 0;
    }
  }

  Expr *lowerSequence(TSNode N, ExprKind K, unsigned Depth) {
    Expr *E = M.newExpr(K, range(N));
    ArgList Args;
    forNamed(N, [&](TSNode C, NodeKind) { Args.push_back(lowerExpr(C, Depth + 1)); });
    E->Args = M.freeze(Args);
    return E;
  }

  Expr *lowerComprehension(TSNode N, py::CompKind CK, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Comprehension, range(N));
    E->Comp = CK;
    llvm::SmallVector<py::CompFor, 1> Gens;
    ArgList Ifs; // of the last `for` clause
    auto EndClause = [&] {
      if (!Gens.empty())
        Gens.back().Ifs = M.freeze(Ifs);
      Ifs.clear();
    };
    forNamed(N, [&](TSNode C, NodeKind K) {
      if (K == NodeKind::ForInClause) {
        EndClause();
        py::CompFor F;
        F.Target = lowerExpr(field(C, G.Left), Depth + 1);
        F.Iter = lowerExpr(field(C, G.Right), Depth + 1);
        Gens.push_back(F);
        return;
      }
      if (K == NodeKind::IfClause) {
        if (!Gens.empty() && ts_node_named_child_count(C) > 0)
          Ifs.push_back(lowerExpr(ts_node_named_child(C, 0), Depth + 1));
        return;
      }
      if (E->Elt)
        return;
      if (K == NodeKind::Pair) {
        E->Elt = lowerExpr(field(C, G.Key), Depth + 1);
        E->EltValue = lowerExpr(field(C, G.Value), Depth + 1);
        return;
      }
      E->Elt = lowerExpr(C, Depth + 1);
    });
    EndClause();
    E->Gens = M.freeze(Gens);
    if (!E->Elt)
      E->Elt = M.newExpr(ExprKind::Other, range(N));
    return E;
  }

  void collectString(TSNode N, Expr *E, ArgList &Parts, unsigned Depth) {
    forNamed(N, [&](TSNode C, NodeKind K) {
      if (K == NodeKind::StringContent)
        E->Id += text(C).str();
      else if (K == NodeKind::Interpolation)
        Parts.push_back(lowerExpr(C, Depth + 1));
      else if (K == NodeKind::String)
        collectString(C, E, Parts, Depth + 1);
    });
  }

public:
  Expr *lowerExpr(TSNode N, unsigned Depth) {
    if (ts_node_is_null(N))
      return M.newExpr(ExprKind::Other, {0, 0});
    if (Depth > MaxDepth)
      return M.newExpr(ExprKind::Other, range(N));
    switch (kind(N)) {
    case NodeKind::Identifier:
      return lowerName(N);
    case NodeKind::Attribute:
      return lowerAttribute(N, Depth);
    case NodeKind::Call:
      return lowerCall(N, Depth);
    case NodeKind::Subscript:
      return lowerSubscript(N, Depth);
    case NodeKind::String:
    case NodeKind::ConcatenatedString:
      return lowerString(N, Depth);
    case NodeKind::Integer:
    case NodeKind::Float:
      return lowerLiteral(N, ExprKind::Number);
    case NodeKind::True:
    case NodeKind::False:
    case NodeKind::None:
      return lowerLiteral(N, ExprKind::Constant);
    case NodeKind::List:
    case NodeKind::ListPattern:
      if (isBigData(N, Depth))
        return M.newExpr(ExprKind::Other, range(N));
      return lowerSequence(N, ExprKind::List, Depth);
    case NodeKind::Tuple:
    case NodeKind::ExpressionList:
    case NodeKind::PatternList:
    case NodeKind::TuplePattern:
      if (isBigData(N, Depth))
        return M.newExpr(ExprKind::Other, range(N));
      return lowerSequence(N, ExprKind::Tuple, Depth);
    case NodeKind::Set:
    case NodeKind::Dictionary:
      if (isBigData(N, Depth))
        return M.newExpr(ExprKind::Other, range(N));
      return kind(N) == NodeKind::Set ? lowerSequence(N, ExprKind::Set, Depth)
                                      : lowerDictionary(N, Depth);
    case NodeKind::ListComprehension:
      return lowerComprehension(N, py::CompKind::List, Depth);
    case NodeKind::SetComprehension:
      return lowerComprehension(N, py::CompKind::Set, Depth);
    case NodeKind::DictionaryComprehension:
      return lowerComprehension(N, py::CompKind::Dict, Depth);
    case NodeKind::GeneratorExpression:
      return lowerComprehension(N, py::CompKind::Generator, Depth);
    case NodeKind::ParenthesizedExpression:
      if (ts_node_named_child_count(N) == 1)
        return lowerExpr(ts_node_named_child(N, 0), Depth + 1);
      return lowerSequence(N, ExprKind::Other, Depth);
    case NodeKind::NotOperator: {
      Expr *E = lowerSequence(N, ExprKind::Other, Depth);
      E->Op = "not";
      return E;
    }
    case NodeKind::BooleanOperator:
    case NodeKind::ComparisonOperator:
      return lowerOperator(N, Depth);
    case NodeKind::BinaryOperator: { // `a | b`: Args a, b; Op the operator's token
      Expr *E = lowerSequence(N, ExprKind::Other, Depth);
      TSNode O = field(N, G.Operator);
      if (!ts_node_is_null(O))
        E->Op = ts_node_type(O); // the grammar's own string: it lives as long as the program
      return E;
    }
    case NodeKind::ConditionalExpression: { // `a if c else b`: Args a, c, b
      Expr *E = lowerSequence(N, ExprKind::Other, Depth);
      E->Op = "if";
      return E;
    }
    case NodeKind::Lambda: {
      Expr *E = M.newExpr(ExprKind::Lambda, range(N));
      E->Object = lowerExpr(field(N, G.Body), Depth + 1);
      return E;
    }
    case NodeKind::ListSplat:
    case NodeKind::DictionarySplat:
    case NodeKind::ListSplatPattern:
    case NodeKind::DictionarySplatPattern:
      return lowerStarred(N, Depth);
    case NodeKind::KeywordArgument: // only reached outside an argument list
      return lowerExpr(field(N, G.Value), Depth + 1);
    case NodeKind::Error:
      return M.newExpr(ExprKind::Other, range(N));
    default: // Slice and everything else
      return lowerSequence(N, ExprKind::Other, Depth);
    }
  }

private:
  Expr *lowerName(TSNode N) {
    Expr *E = M.newExpr(ExprKind::Name, range(N));
    E->Id = text(N).str();
    E->IdWhere = range(N);
    return E;
  }

  Expr *lowerAttribute(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Attribute, range(N));
    E->Object = lowerExpr(field(N, G.Object), Depth + 1);
    TSNode A = field(N, G.AttributeField);
    E->Id = text(A).str();
    E->IdWhere = range(A);
    return E;
  }

  Expr *lowerCall(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Call, range(N));
    E->Object = lowerExpr(field(N, G.Function), Depth + 1);
    TSNode A = field(N, G.Arguments);
    ArgList Args;
    KeywordList Keywords;
    if (kind(A) == NodeKind::GeneratorExpression)
      Args.push_back(lowerExpr(A, Depth + 1));
    else if (!ts_node_is_null(A))
      lowerArguments(A, Args, Keywords, Depth);
    E->Args = M.freeze(Args);
    E->Keywords = M.freeze(Keywords);
    return E;
  }

  /// `value[index]`; several indices (`a[1, 2]`) make a Tuple index.
  Expr *lowerSubscript(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Subscript, range(N));
    E->Object = lowerExpr(field(N, G.Value), Depth + 1);
    ArgList Index;
    for (uint32_t I = 0, C = ts_node_named_child_count(N); I < C; ++I) {
      TSNode Child = ts_node_named_child(N, I);
      if (ts_node_eq(Child, field(N, G.Value)) || isTrivia(kind(Child)))
        continue;
      if (kind(Child) == NodeKind::Slice)
        E->IsSlice = true;
      Index.push_back(lowerExpr(Child, Depth + 1));
    }
    if (Index.size() == 1) {
      E->Index = Index[0];
    } else {
      E->Index = M.newExpr(ExprKind::Tuple, range(N));
      E->Index->Args = M.freeze(Index);
    }
    return E;
  }

  Expr *lowerString(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::String, range(N));
    ArgList Parts;
    collectString(N, E, Parts, Depth);
    E->Args = M.freeze(Parts);
    return E;
  }

  /// A number or True/False/None, spelled as in the source.
  Expr *lowerLiteral(TSNode N, ExprKind K) {
    Expr *E = M.newExpr(K, range(N));
    E->Id = text(N).str();
    return E;
  }

  /// Keys in Args, values in Values; a `**splat` is both.
  Expr *lowerDictionary(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Dict, range(N));
    ArgList Keys, Values;
    forNamed(N, [&](TSNode C, NodeKind CK) {
      if (CK == NodeKind::Pair) {
        Keys.push_back(lowerExpr(field(C, G.Key), Depth + 1));
        Values.push_back(lowerExpr(field(C, G.Value), Depth + 1));
      } else {
        Expr *Splat = lowerExpr(C, Depth + 1);
        Keys.push_back(Splat);
        Values.push_back(Splat);
      }
    });
    E->Args = M.freeze(Keys);
    E->Values = M.freeze(Values);
    return E;
  }

  /// `and`/`or` and comparisons: the operands, and in Op the operator words.
  Expr *lowerOperator(TSNode N, unsigned Depth) {
    Expr *E = lowerSequence(N, ExprKind::Other, Depth);
    if (E->Args.size() >= 2 && E->Args[0]->Where.End <= E->Args[1]->Where.Begin) {
      // The words between the first two operands, without the brackets of either.
      llvm::SmallVector<llvm::StringRef, 2> Words;
      Text.slice(E->Args[0]->Where.End, E->Args[1]->Where.Begin)
          .split(Words, ' ', -1, /*KeepEmpty=*/false);
      std::string Op;
      for (llvm::StringRef W : Words) {
        W = W.trim(" \t\r\n()");
        if (!W.empty())
          Op += (Op.empty() ? "" : " ") + W.str();
      }
      E->Op = operatorName(Op);
    }
    return E;
  }

  Expr *lowerStarred(TSNode N, unsigned Depth) {
    Expr *E = M.newExpr(ExprKind::Starred, range(N));
    E->Object = ts_node_named_child_count(N) > 0 ? lowerExpr(ts_node_named_child(N, 0), Depth + 1)
                                                 : M.newExpr(ExprKind::Other, range(N));
    return E;
  }
};

} // namespace

std::unique_ptr<py::Module> parsePython(std::shared_ptr<const SourceFile> File) {
  auto M = std::make_unique<py::Module>(std::move(File));
  thread_local ParserHandle Parser;
  llvm::StringRef Text = M->file().text();
  TreeHandle Tree(ts_parser_parse_string(Parser.P, nullptr, Text.data(), Text.size()));
  if (!Tree.T) {
    M->Errors.push_back({{0, 0}, "the parser gave up on this file"});
    return M;
  }
  Lowering L(*M);
  TSNode Root = ts_tree_root_node(Tree.T);
  L.collectErrors(Root, 0);
  L.lowerModule(Root);
  return M;
}

} // namespace nplus1::parse
