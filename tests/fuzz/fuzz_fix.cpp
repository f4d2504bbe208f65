//===- fuzz_fix.cpp - libFuzzer target: fix::applyEdits and fix::unifiedDiff ---===//
//
// Random edits on random text. Invariants:
//   - applyEdits either fails or returns the text with each edit applied (computed here
//     independently, right to left);
//   - it does not fail when the edits are in range and pairwise apart (Fix.h: it fails on
//     overlapping edits);
//   - unifiedDiff of equal texts is empty, of different texts is not, and applying the diff
//     it prints to the old text gives the new text.
//
//===----------------------------------------------------------------------===//

#include "fix/Fix.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace nplus1;

namespace {

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "fuzz_fix: %s\n", Message.c_str());
  std::abort();
}

std::vector<std::string> lines(llvm::StringRef Text) {
  std::vector<std::string> L;
  while (!Text.empty()) {
    size_t NL = Text.find('\n');
    if (NL == llvm::StringRef::npos) {
      L.push_back(Text.str());
      break;
    }
    L.push_back(Text.take_front(NL + 1).str());
    Text = Text.drop_front(NL + 1);
  }
  return L;
}

/// Applies a unified diff (as unifiedDiff prints it) to \p Old; fails on anything malformed.
std::string patch(llvm::StringRef Old, llvm::StringRef Diff, const std::string &Path) {
  std::vector<std::string> A = lines(Old), D = lines(Diff);
  if (D.size() < 2 || D[0] != "--- a/" + Path + "\n" || D[1] != "+++ b/" + Path + "\n")
    fail("diff without its header:\n" + Diff.str());
  std::string Out;
  size_t At = 0; // next old line (0-based) not yet copied
  size_t K = 2;
  while (K < D.size()) {
    unsigned OS = 0, OC = 0, NS = 0, NC = 0;
    if (std::sscanf(D[K].c_str(), "@@ -%u,%u +%u,%u @@", &OS, &OC, &NS, &NC) != 4)
      fail("bad hunk header '" + D[K] + "' in:\n" + Diff.str());
    ++K;
    size_t Start = OC ? OS - 1 : OS; // 0-based first old line of the hunk
    if (Start < At || Start > A.size())
      fail("hunk out of order or range in:\n" + Diff.str());
    for (; At < Start; ++At)
      Out += A[At];
    unsigned SeenOld = 0, SeenNew = 0;
    while (K < D.size() && !llvm::StringRef(D[K]).starts_with("@@")) {
      std::string L = D[K++];
      bool NoNewline = K < D.size() && D[K] == "\\ No newline at end of file\n";
      if (NoNewline) {
        ++K;
        if (L.empty() || L.back() != '\n')
          fail("bad no-newline marker in:\n" + Diff.str());
        L.pop_back();
      }
      if (L.empty())
        fail("empty diff line in:\n" + Diff.str());
      char Tag = L[0];
      std::string Body = L.substr(1);
      if (Tag == ' ' || Tag == '-') {
        if (At >= A.size() || A[At] != Body)
          fail("context or removed line does not match the old text in:\n" + Diff.str());
        ++At, ++SeenOld;
        if (Tag == ' ')
          Out += Body, ++SeenNew;
      } else if (Tag == '+') {
        Out += Body, ++SeenNew;
      } else {
        fail("bad line tag in:\n" + Diff.str());
      }
    }
    if (SeenOld != OC || SeenNew != NC)
      fail("hunk counts do not match its lines in:\n" + Diff.str());
  }
  for (; At < A.size(); ++At)
    Out += A[At];
  return Out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  FuzzedDataProvider FDP(Data, Size);
  // Small alphabets make equal lines, and so interesting diffs, likely.
  bool Small = FDP.ConsumeBool();
  auto Text = [&](size_t Max) {
    std::string S = FDP.ConsumeRandomLengthString(Max);
    if (Small)
      for (char &C : S)
        C = "ab\n\n"[uint8_t(C) % 4];
    return S;
  };
  // unifiedDiff is quadratic in the lines between the first and the last change (an LCS
  // table): 1 KiB keeps a run fast enough to fuzz.
  std::string Original = Text(1024);
  parse::SourceFile File("app/views.py", Original);
  unsigned N = FDP.ConsumeIntegralInRange<unsigned>(0, 16);
  std::vector<fix::Edit> Edits;
  for (unsigned I = 0; I < N && FDP.remaining_bytes(); ++I) {
    fix::Edit E;
    E.File = &File;
    uint32_t Limit = uint32_t(Original.size()) + (FDP.ConsumeBool() ? 2 : 0);
    E.Begin = FDP.ConsumeIntegralInRange<uint32_t>(0, Limit);
    E.End = FDP.ConsumeBool() ? E.Begin : FDP.ConsumeIntegralInRange<uint32_t>(0, Limit);
    E.Text = Text(64);
    Edits.push_back(std::move(E));
  }

  // The expected result: each edit applied, right to left (ties keep their given order).
  std::vector<size_t> Order(Edits.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  std::sort(Order.begin(), Order.end(), [&](size_t X, size_t Y) {
    return Edits[X].Begin != Edits[Y].Begin ? Edits[X].Begin < Edits[Y].Begin : X < Y;
  });
  bool InRange = true, Apart = true;
  for (size_t I = 0; I < Order.size(); ++I) {
    const fix::Edit &E = Edits[Order[I]];
    InRange &= E.Begin <= E.End && E.End <= Original.size();
    if (I > 0) {
      const fix::Edit &Prev = Edits[Order[I - 1]];
      Apart &= Prev.End < E.Begin; // not touching either: no ambiguity about order
    }
  }
  llvm::Expected<std::string> Got = fix::applyEdits(Original, Edits);
  if (!Got) {
    std::string Why = llvm::toString(Got.takeError());
    if (InRange && Apart)
      fail("applyEdits failed on in-range, non-overlapping edits: " + Why);
    return 0;
  }
  if (!InRange)
    fail("applyEdits accepted an out-of-range edit");
  std::string Want = Original;
  for (size_t I = Order.size(); I-- > 0;) {
    const fix::Edit &E = Edits[Order[I]];
    Want.replace(E.Begin, E.End - E.Begin, E.Text);
  }
  if (*Got != Want)
    fail("applyEdits gave a different text than its edits");

  if (!fix::unifiedDiff("app/views.py", Original, Original).empty() ||
      !fix::unifiedDiff("app/views.py", *Got, *Got).empty())
    fail("unifiedDiff of equal texts is not empty");
  std::string Diff = fix::unifiedDiff("app/views.py", Original, *Got);
  if (Diff.empty() != (Original == *Got))
    fail("unifiedDiff is empty for different texts, or not for equal ones");
  if (!Diff.empty() && patch(Original, Diff, "app/views.py") != *Got)
    fail("the diff does not turn the old text into the new one:\n" + Diff);
  return 0;
}
