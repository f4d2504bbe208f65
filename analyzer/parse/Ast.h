#ifndef NPLUS1_PARSE_AST_H
#define NPLUS1_PARSE_AST_H

#include "parse/Source.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <type_traits>

#include <memory>
#include <string>
#include <vector>

namespace nplus1::parse::py {

/// Expression kinds of the small Python syntax tree the later stages see. Anything the
/// analyzer does not model is Other, with its sub-expressions kept in Args so that
/// accesses inside f-strings, operators or lambdas are still visited.
enum class ExprKind {
  Name,      // Id
  Attribute, // Object.Id
  Call,      // Object(Args, Keywords)
  Subscript, // Object[Index]; IsSlice for a[1:2]
  String,    // Id holds the literal's text value (without prefixes/quotes)
  Number,
  Constant,      // None, True, False
  List,          // Args
  Tuple,         // Args
  Set,           // Args
  Dict,          // Keys in Args, values in Values
  Comprehension, // Comp: list/set/dict/generator
  Lambda,        // Object is the body
  Starred,       // Object
  Other,         // Args
};

/// Which brackets a comprehension had.
enum class CompKind { List, Set, Dict, Generator };

struct Expr;

/// A node's children: a fixed array in its module's arena (Module::freeze()), sized once
/// when the lowering finishes the node: no heap block of its own, no spare capacity. A
/// view: copying it copies the reference; the module owns the elements.
template <typename T> class NodeList {
public:
  using value_type = T;
  using iterator = const T *;
  using const_iterator = const T *;
  NodeList() = default;
  NodeList(T *Data, size_t Size) : Data(Data), Size(static_cast<uint32_t>(Size)) {}

  const T *begin() const { return Data; }
  const T *end() const { return Data + Size; }
  size_t size() const { return Size; }
  bool empty() const { return Size == 0; }
  const T &operator[](size_t I) const {
    assert(I < Size && "NodeList index out of range");
    return Data[I];
  }
  const T &front() const { return (*this)[0]; }
  const T &back() const { return (*this)[Size - 1]; }
  operator llvm::ArrayRef<T>() const { return {Data, Size}; }

private:
  T *Data = nullptr;
  uint32_t Size = 0;
};

/// One `for Target in Iter if ...` clause of a comprehension.
struct CompFor {
  Expr *Target = nullptr;
  Expr *Iter = nullptr;
  NodeList<Expr *> Ifs;
};

/// A keyword argument `Name=Value` (Name empty for `**Value`).
struct Keyword {
  std::string Name;
  Expr *Value = nullptr;
};

/// An expression node. Ranges are byte ranges into the module's source.
struct Expr {
  ExprKind Kind = ExprKind::Other;
  Range Where;
  std::string Id; // Name, Attribute's attribute name, String value
  Range IdWhere;  // Attribute: the attribute identifier
  Expr *Object = nullptr;
  NodeList<Expr *> Args;
  NodeList<Keyword> Keywords;
  NodeList<Expr *> Values;
  Expr *Index = nullptr;
  bool IsSlice = false;
  CompKind Comp = CompKind::List;
  Expr *Elt = nullptr;      // comprehension element (dict: key)
  Expr *EltValue = nullptr; // dict comprehension value
  NodeList<CompFor> Gens;
  /// Other: the operator of `not x` ("not"), `a and b` / `a or b`, `a if c else b`
  /// ("if", Args a, c, b), a binary operation (`a | b`: "|", "&", "+"...), or a
  /// comparison's first one ("is", "is not", "==", "!=", "in"...); empty for anything
  /// else. Points into the source or a string literal.
  llvm::StringRef Op;

  bool isName(llvm::StringRef N) const { return Kind == ExprKind::Name && Id == N; }
  /// `a.b.c` as a dotted string, or "" when the expression is not a pure dotted name.
  std::string dotted() const;
  const Expr *keyword(llvm::StringRef Name) const;
};

enum class StmtKind {
  Expr,       // Value
  Assign,     // Targets = Value (chained targets), also annotated assignment
  AugAssign,  // Targets[0] op= Value
  For,        // for Target in Value: Body else OrElse
  While,      // while Value: Body else OrElse
  If,         // if Value: Body else OrElse (elif lowered to a nested If)
  With,       // with Items (Value of each, Targets as `as`): Body
  Try,        // Body, Handlers, OrElse, Finally
  Function,   // def Name(Params): Body, Decorators
  Class,      // class Name(Bases, ClassKeywords): Body, Decorators
  Return,     // return Value
  Import,     // Imports
  ImportFrom, // from Module import Imports
  Other,      // Exprs in Items; nested bodies in Body; Name "break", "continue" or "raise"
              // for those statements
};

/// One name of an import: `import a.b as c` / `from m import n as c`.
struct ImportName {
  std::string Name; // dotted module (Import) or imported name (ImportFrom); "*" for star
  std::string AsName;
};

/// A function parameter.
struct Param {
  std::string Name;
  Expr *Default = nullptr;
  Expr *Annotation = nullptr; ///< `order: Order`: the annotation, or null
  bool IsStar = false;
  bool IsDoubleStar = false;
};

struct Stmt;

/// A statement node.
struct Stmt {
  StmtKind Kind = StmtKind::Other;
  Range Where;
  NodeList<Expr *> Targets;
  Expr *Value = nullptr;
  Expr *Target = nullptr;
  NodeList<Expr *> Items; // With: context expressions; Other: sub-expressions
  NodeList<Stmt *> Body, OrElse, Finally;
  NodeList<NodeList<Stmt *>> Handlers;
  std::string Name;
  Range NameWhere;
  NodeList<Param> Params;
  NodeList<Expr *> Decorators, Bases;
  NodeList<Keyword> ClassKeywords;
  std::string Module; // ImportFrom: module, with leading dots for relative imports
  NodeList<ImportName> Imports;
  bool IsAsync = false;
};

/// A syntax error found by the parser: where, and a short description.
struct SyntaxError {
  Range Where;
  std::string Message;
};

/// Nodes of one kind in slabs of 64 (one allocation per slab, not per node), destroyed
/// with the store. (Not llvm::SpecificBumpPtrAllocator: its allocator template, built here
/// with AddressSanitizer's poisoning and in LLVM's library without, would be one symbol
/// with two behaviours in a sanitizer build.)
template <typename T> class NodeStore {
public:
  NodeStore() = default;
  NodeStore(const NodeStore &) = delete;
  NodeStore &operator=(const NodeStore &) = delete;
  ~NodeStore() {
    for (size_t S = 0; S < Slabs.size(); ++S) {
      size_t N = S + 1 == Slabs.size() ? Used : SlabSize;
      for (size_t I = 0; I < N; ++I)
        std::launder(reinterpret_cast<T *>(Slabs[S][I].Bytes))->~T();
    }
  }
  T *make() {
    if (Slabs.empty() || Used == SlabSize) {
      // Not make_unique<Cell[]>: that would zero the whole slab, which make() constructs
      // cell by cell anyway.
      Slabs.push_back(std::unique_ptr<Cell[]>(new Cell[SlabSize]));
      Used = 0;
    }
    return new (Slabs.back()[Used++].Bytes) T();
  }

private:
  static constexpr size_t SlabSize = 64;
  struct Cell {
    alignas(T) unsigned char Bytes[sizeof(T)];
  };
  std::vector<std::unique_ptr<Cell[]>> Slabs;
  size_t Used = 0;
};

/// The storage of the node lists of one module: chunks of 16 KiB, each list carved out
/// once at its final size; elements that own memory (names, keywords, parameters) are
/// destroyed with the arena.
class ListArena {
public:
  ListArena() = default;
  ListArena(const ListArena &) = delete;
  ListArena &operator=(const ListArena &) = delete;
  ~ListArena() {
    for (const Cleanup &C : Cleanups)
      C.Destroy(C.Items, C.Count);
  }
  /// Moves \p Items into the arena.
  template <typename T, typename Range> NodeList<T> make(Range &&Items) {
    size_t N = std::size(Items);
    if (N == 0)
      return {};
    // T is the element type: a pointer for lists of nodes, so sizeof(T) is a pointer's.
    // NOLINTNEXTLINE(bugprone-sizeof-expression)
    T *Out = static_cast<T *>(allocate(N * sizeof(T), alignof(T)));
    size_t I = 0;
    for (auto &X : Items)
      new (Out + I++) T(std::move(X));
    if constexpr (!std::is_trivially_destructible_v<T>)
      Cleanups.push_back({Out, N, [](void *P, size_t Count) {
                            for (size_t J = 0; J < Count; ++J)
                              static_cast<T *>(P)[J].~T();
                          }});
    return {Out, N};
  }

private:
  void *allocate(size_t Bytes, size_t Align) {
    size_t Pad = (Align - reinterpret_cast<uintptr_t>(Cur) % Align) % Align;
    if (Cur == nullptr || Pad + Bytes > Left) {
      size_t Size = std::max<size_t>(ChunkSize, Bytes + Align);
      Chunks.push_back(std::unique_ptr<unsigned char[]>(new unsigned char[Size]));
      Cur = Chunks.back().get();
      Left = Size;
      Pad = (Align - reinterpret_cast<uintptr_t>(Cur) % Align) % Align;
    }
    void *P = Cur + Pad;
    Cur += Pad + Bytes;
    Left -= Pad + Bytes;
    return P;
  }
  struct Cleanup {
    void *Items;
    size_t Count;
    void (*Destroy)(void *, size_t);
  };
  static constexpr size_t ChunkSize = 16 * 1024;
  std::vector<std::unique_ptr<unsigned char[]>> Chunks;
  unsigned char *Cur = nullptr;
  size_t Left = 0;
  std::vector<Cleanup> Cleanups;
};

/// A parsed Python module: its statements, the nodes' storage and its syntax errors.
class Module {
public:
  explicit Module(std::shared_ptr<const SourceFile> File) : File(std::move(File)) {}
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  const SourceFile &file() const { return *File; }
  std::shared_ptr<const SourceFile> fileRef() const { return File; }
  std::vector<Stmt *> Body;
  std::vector<SyntaxError> Errors;

  Expr *newExpr(ExprKind K, Range R) {
    Expr *E = ExprStore.make();
    E->Kind = K;
    E->Where = R;
    return E;
  }
  /// The node list holding \p Items (moved), in this module's storage.
  template <typename T> NodeList<T> freeze(std::vector<T> &Items) { return Lists.make<T>(Items); }
  template <typename T, unsigned N> NodeList<T> freeze(llvm::SmallVector<T, N> &Items) {
    return Lists.make<T>(Items);
  }
  Stmt *newStmt(StmtKind K, Range R) {
    Stmt *S = StmtStore.make();
    S->Kind = K;
    S->Where = R;
    return S;
  }

private:
  std::shared_ptr<const SourceFile> File;
  // The nodes live in slabs (one allocation per few dozen nodes, not one each) and are
  // destroyed with the module.
  NodeStore<Expr> ExprStore;
  NodeStore<Stmt> StmtStore;
  ListArena Lists;
};

} // namespace nplus1::parse::py

#endif
