#include "fix/Fix.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace nplus1::fix {
namespace {

std::vector<llvm::StringRef> splitLines(llvm::StringRef Text) {
  std::vector<llvm::StringRef> Lines;
  while (!Text.empty()) {
    size_t NL = Text.find('\n');
    if (NL == llvm::StringRef::npos) {
      Lines.push_back(Text);
      break;
    }
    Lines.push_back(Text.take_front(NL + 1));
    Text = Text.drop_front(NL + 1);
  }
  return Lines;
}

void emitLine(llvm::raw_ostream &OS, char Tag, llvm::StringRef Line) {
  OS << Tag << Line;
  if (!Line.ends_with("\n"))
    OS << "\n\\ No newline at end of file\n";
}

/// A diff as lines tagged ' ' (context), '-' (deleted) or '+' (inserted), in file order.
using EditScript = std::vector<std::pair<char, llvm::StringRef>>;

/// Myers' O((N+M)D) shortest edit script from \p A to \p B: fixes change few lines, so D
/// is small and the trace (one vector per step) stays small even for files of tens of
/// thousands of lines.
EditScript shortestEditScript(llvm::ArrayRef<llvm::StringRef> A,
                              llvm::ArrayRef<llvm::StringRef> B) {
  size_t N = A.size(), M = B.size();
  auto Same = [&](long X, long Y) { return A[X] == B[Y]; };
  long Max = long(N + M), Off = Max + 1;
  std::vector<long> V(2 * Max + 3, 0);
  std::vector<std::vector<long>> Trace;
  long FoundD = -1;
  for (long D = 0; D <= Max && FoundD < 0; ++D) {
    Trace.push_back(V);
    for (long K = -D; K <= D; K += 2) {
      long X = (K == -D || (K != D && V[Off + K - 1] < V[Off + K + 1])) ? V[Off + K + 1]
                                                                        : V[Off + K - 1] + 1;
      long Y = X - K;
      while (X < long(N) && Y < long(M) && Same(X, Y))
        ++X, ++Y;
      V[Off + K] = X;
      if (X >= long(N) && Y >= long(M)) {
        FoundD = D;
        break;
      }
    }
  }
  // Walk the trace back from (N, M) to (0, 0), collecting the script in reverse.
  EditScript Rev;
  long X = long(N), Y = long(M);
  for (long D = FoundD; D > 0; --D) {
    const std::vector<long> &P = Trace[D];
    long K = X - Y;
    bool Down = K == -D || (K != D && P[Off + K - 1] < P[Off + K + 1]);
    long PrevK = Down ? K + 1 : K - 1;
    long PrevX = P[Off + PrevK], PrevY = PrevX - PrevK;
    while (X > PrevX && Y > PrevY) {
      Rev.push_back({' ', A[X - 1]});
      --X, --Y;
    }
    if (Down)
      Rev.push_back({'+', B[--Y]});
    else
      Rev.push_back({'-', A[--X]});
  }
  while (X > 0 && Y > 0) {
    Rev.push_back({' ', A[X - 1]});
    --X, --Y;
  }
  return EditScript(Rev.rbegin(), Rev.rend());
}

/// Within each changed run of \p Script from \p From on, puts deletions before insertions
/// (the usual unified layout).
void deletionsFirst(EditScript &Script, size_t From) {
  for (size_t I = From; I + 1 < Script.size(); ++I) {
    size_t J = I;
    while (J < Script.size() && Script[J].first != ' ')
      ++J;
    if (J > I + 1)
      std::stable_partition(Script.begin() + I, Script.begin() + J,
                            [](const auto &E) { return E.first == '-'; });
    I = J;
  }
}

/// Prints \p Script's changes as unified-diff hunks of \p Path, with the header before the
/// first; nothing when nothing changed.
void printHunks(llvm::raw_ostream &OS, llvm::StringRef Path, const EditScript &Script) {
  const size_t Context = 3;
  size_t K = 0;
  bool Header = false;
  while (K < Script.size()) {
    if (Script[K].first == ' ') {
      ++K;
      continue;
    }
    // A hunk: from Context lines before this change to Context lines after the last change
    // that is within 2*Context lines of the previous one.
    size_t Start = K >= Context ? K - Context : 0;
    size_t End = K;
    for (size_t Q = K; Q < Script.size(); ++Q) {
      if (Script[Q].first != ' ')
        End = Q;
      else if (Q - End > 2 * Context)
        break;
    }
    size_t Stop = std::min(Script.size(), End + Context + 1);
    size_t OldLine = 1, NewLine = 1;
    for (size_t Q = 0; Q < Start; ++Q) {
      OldLine += Script[Q].first != '+';
      NewLine += Script[Q].first != '-';
    }
    size_t OldCount = 0, NewCount = 0;
    for (size_t Q = Start; Q < Stop; ++Q) {
      OldCount += Script[Q].first != '+';
      NewCount += Script[Q].first != '-';
    }
    if (!Header) {
      OS << "--- a/" << Path << "\n+++ b/" << Path << "\n";
      Header = true;
    }
    OS << "@@ -" << (OldCount ? OldLine : OldLine - 1) << "," << OldCount << " +"
       << (NewCount ? NewLine : NewLine - 1) << "," << NewCount << " @@\n";
    for (size_t Q = Start; Q < Stop; ++Q)
      emitLine(OS, Script[Q].first, Script[Q].second);
    K = Stop;
  }
}

} // namespace

std::string unifiedDiff(llvm::StringRef Path, llvm::StringRef Old, llvm::StringRef New) {
  std::vector<llvm::StringRef> A = splitLines(Old), B = splitLines(New);
  // The common prefix and suffix are context; only the middle is diffed.
  size_t Pre = 0;
  while (Pre < A.size() && Pre < B.size() && A[Pre] == B[Pre])
    ++Pre;
  size_t Suf = 0;
  while (Suf < A.size() - Pre && Suf < B.size() - Pre &&
         A[A.size() - 1 - Suf] == B[B.size() - 1 - Suf])
    ++Suf;
  size_t N = A.size() - Pre - Suf, M = B.size() - Pre - Suf;
  EditScript Script;
  for (size_t I = 0; I < Pre; ++I)
    Script.push_back({' ', A[I]});
  EditScript Middle =
      shortestEditScript(llvm::ArrayRef(A).slice(Pre, N), llvm::ArrayRef(B).slice(Pre, M));
  Script.insert(Script.end(), Middle.begin(), Middle.end());
  deletionsFirst(Script, Pre);
  for (size_t K = A.size() - Suf; K < A.size(); ++K)
    Script.push_back({' ', A[K]});

  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printHunks(OS, Path, Script);
  return Out;
}

} // namespace nplus1::fix
