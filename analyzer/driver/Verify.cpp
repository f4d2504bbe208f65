#include "driver/Pipeline.h"

#include "report/Report.h"

#include "llvm/Support/Regex.h"

#include <map>
#include <set>

namespace nplus1::driver {

unsigned verify(const Analysis &A, llvm::raw_ostream &OS) {
  // Expected: (path, line) -> codes. `# expect: NP101, NP102` on the reported line, or
  // `# expect@+N: ...` / `# expect@-N: ...` relative to the comment's line.
  llvm::Regex Expect("(^|[[:space:]]|[{])#[[:space:]]*expect(@[-+][0-9]+)?:[[:space:]]*(NP[0-9]{3}("
                     "[[:space:]]*,[[:space:]]*NP[0-9]{3})*)");
  std::map<std::pair<std::string, unsigned>, std::multiset<std::string>> Want;
  std::set<std::string> NoFindings;
  for (const auto &F : A.Targets) {
    for (unsigned L = 1; L <= F->lineCount(); ++L) {
      llvm::StringRef Line = F->line(L);
      if (Line.contains("expect-no-findings"))
        NoFindings.insert(F->path().str());
      llvm::SmallVector<llvm::StringRef, 4> M;
      if (!Expect.match(Line, &M))
        continue;
      int Delta = 0;
      if (!M[2].empty())
        M[2].drop_front().getAsInteger(10, Delta);
      llvm::SmallVector<llvm::StringRef, 4> Codes;
      M[3].split(Codes, ',');
      for (llvm::StringRef C : Codes)
        Want[{F->path().str(), unsigned(int(L) + Delta)}].insert(C.trim().str());
    }
  }
  unsigned Mismatches = 0;
  for (const rules::Diagnostic &D : A.Diagnostics) {
    std::string Path = D.File ? D.File->path().str() : D.Path;
    unsigned Line = D.File ? D.File->lineCol(D.Where.Begin).Line : 0;
    auto It = Want.find({Path, Line});
    if (It != Want.end()) {
      auto C = It->second.find(D.Code);
      if (C != It->second.end()) {
        It->second.erase(C);
        continue;
      }
    }
    OS << report::location(D) << ": unexpected finding " << D.Code << ": " << D.Message << "\n";
    ++Mismatches;
  }
  for (const auto &[Where, Codes] : Want)
    for (const std::string &C : Codes) {
      OS << Where.first << ":" << Where.second << ": expected " << C << " but found nothing\n";
      ++Mismatches;
    }
  return Mismatches;
}

} // namespace nplus1::driver
