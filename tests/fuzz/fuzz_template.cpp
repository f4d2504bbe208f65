//===- fuzz_template.cpp - libFuzzer target: the Django template parser ---===//
//
// Arbitrary bytes through parse::tpl::parseTemplate. Beyond the sanitizers, checks what
// Template.h promises: every Range of the tree and of every Error lies inside the source
// (Begin <= End <= size), and lineColumn() accepts every offset.
//
//===----------------------------------------------------------------------===//

#include "parse/Template.h"

#include <cstdio>
#include <cstdlib>

using namespace nplus1::parse::tpl;

namespace {

std::string_view Src;

[[noreturn]] void fail(const char *What, Range R) {
  std::fprintf(stderr, "fuzz_template: %s: range [%u, %u) in a source of %zu bytes\n", What,
               R.Begin, R.End, Src.size());
  std::abort();
}

unsigned LineColumnCalls = 0;

void checkRange(const char *What, Range R) {
  if (R.Begin > R.End || R.End > Src.size())
    fail(What, R);
  // lineColumn scans from the start: a few calls per input keep the check linear.
  if (LineColumnCalls < 16) {
    LineColumnCalls += 2;
    (void)lineColumn(Src, R.Begin);
    (void)lineColumn(Src, R.End);
  }
}

void checkExpr(const Expr &E) {
  checkRange("Expr.Where", E.Where);
  checkRange("Expr.VarWhere", E.VarWhere);
  for (const Filter &F : E.Filters) {
    checkRange("Filter.Where", F.Where);
    checkRange("Filter.ArgWhere", F.ArgWhere);
  }
}

void checkNodes(const std::vector<Node> &Nodes, unsigned Depth);

void checkNode(const Node &N, unsigned Depth) {
  if (Depth > MaxNestingDepth + 2) {
    std::fprintf(stderr, "fuzz_template: tree deeper than MaxNestingDepth (%u)\n", Depth);
    std::abort();
  }
  checkRange("Node.Where", N.Where);
  checkRange("Node.TagWhere", N.TagWhere);
  checkRange("Node.EndTagWhere", N.EndTagWhere);
  if (N.LoopVars.size() != N.LoopVarWhere.size()) {
    std::fprintf(stderr, "fuzz_template: %zu loop variables but %zu ranges\n", N.LoopVars.size(),
                 N.LoopVarWhere.size());
    std::abort();
  }
  for (Range R : N.LoopVarWhere)
    checkRange("Node.LoopVarWhere", R);
  checkExpr(N.Iter);
  checkExpr(N.Value);
  for (const auto &[Name, E] : N.Bindings)
    checkExpr(E);
  if (N.Conditions.size() != N.ConditionBranch.size()) {
    std::fprintf(stderr, "fuzz_template: %zu conditions but %zu branch indexes\n",
                 N.Conditions.size(), N.ConditionBranch.size());
    std::abort();
  }
  for (size_t I = 0; I < N.Conditions.size(); ++I) {
    checkExpr(N.Conditions[I]);
    // Template.h: ConditionBranch[I] is the index into Branches of the branch Conditions[I]
    // guards.
    if (N.Kind == NodeKind::If && N.ConditionBranch[I] >= N.Branches.size()) {
      std::fprintf(stderr, "fuzz_template: ConditionBranch %u but %zu branches\n",
                   N.ConditionBranch[I], N.Branches.size());
      std::abort();
    }
  }
  for (const Expr &E : N.Args)
    checkExpr(E);
  for (const auto &B : N.Branches)
    checkNodes(B, Depth + 1);
  checkNodes(N.Children, Depth + 1);
  checkNodes(N.ElseChildren, Depth + 1);
}

void checkNodes(const std::vector<Node> &Nodes, unsigned Depth) {
  for (const Node &N : Nodes)
    checkNode(N, Depth);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  Src = std::string_view(reinterpret_cast<const char *>(Data), Size);
  LineColumnCalls = 0;
  Template T = parseTemplate(Src);
  checkNodes(T.Nodes, 0);
  for (const Error &E : T.Errors)
    checkRange("Error.Where", E.Where);
  (void)lineColumn(Src, uint32_t(Size) + 7); // past the end: clamped
  return 0;
}
