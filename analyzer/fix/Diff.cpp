#include "fix/Fix.h"

#include "llvm/Support/raw_ostream.h"

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

} // namespace

std::string unifiedDiff(llvm::StringRef Path, llvm::StringRef Old, llvm::StringRef New) {
  std::vector<llvm::StringRef> A = splitLines(Old), B = splitLines(New);
  // Longest common subsequence over lines; files are small and edits few, so trimming the
  // common prefix and suffix first keeps the table tiny.
  size_t Pre = 0;
  while (Pre < A.size() && Pre < B.size() && A[Pre] == B[Pre])
    ++Pre;
  size_t Suf = 0;
  while (Suf < A.size() - Pre && Suf < B.size() - Pre &&
         A[A.size() - 1 - Suf] == B[B.size() - 1 - Suf])
    ++Suf;
  size_t N = A.size() - Pre - Suf, M = B.size() - Pre - Suf;
  std::vector<std::vector<uint32_t>> L(N + 1, std::vector<uint32_t>(M + 1, 0));
  for (size_t I = N; I-- > 0;)
    for (size_t J = M; J-- > 0;)
      L[I][J] = A[Pre + I] == B[Pre + J] ? L[I + 1][J + 1] + 1 : std::max(L[I + 1][J], L[I][J + 1]);
  // The edit script: (tag, line) with ' ', '-', '+'.
  std::vector<std::pair<char, llvm::StringRef>> Script;
  for (size_t I = 0; I < Pre; ++I)
    Script.push_back({' ', A[I]});
  size_t I = 0, J = 0;
  while (I < N || J < M) {
    if (I < N && J < M && A[Pre + I] == B[Pre + J]) {
      Script.push_back({' ', A[Pre + I]});
      ++I, ++J;
    } else if (J < M && (I == N || L[I][J + 1] > L[I + 1][J])) {
      Script.push_back({'+', B[Pre + J++]});
    } else {
      Script.push_back({'-', A[Pre + I++]});
    }
  }
  for (size_t K = A.size() - Suf; K < A.size(); ++K)
    Script.push_back({' ', A[K]});

  std::string Out;
  llvm::raw_string_ostream OS(Out);
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
  return Out;
}

} // namespace nplus1::fix
