#include "driver/Pipeline.h"

#include "report/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <map>
#include <set>

namespace nplus1::driver {

unsigned verify(const Analysis &A, llvm::raw_ostream &OS) {
  // Expected: (path, line) -> codes. `# expect: NP101, NP102` on the reported line,
  // `# expect@+N: ...` / `# expect@-N: ...` relative to the comment's line, or
  // `# expect@NAME: ...` for a finding on no line of the file NAME beside this one (a file
  // that cannot be read at all, NP902).
  llvm::Regex Expect("(^|[[:space:]]|[{])#[[:space:]]*expect(@([-+][0-9]+|[^-+:[:space:]][^:[:"
                     "space:]]*))?:[[:space:]]*(NP[0-9]{3}([[:space:]]*,[[:space:]]*NP[0-9]{3})*)");
  std::map<std::pair<std::string, unsigned>, std::multiset<std::string>> Want;
  std::set<std::string> NoFindings;
  for (const auto &F : A.Targets) {
    for (unsigned L = 1; L <= F->lineCount(); ++L) {
      llvm::StringRef Line = F->line(L);
      if (Line.contains("expect-no-findings"))
        NoFindings.insert(F->path().str());
      llvm::SmallVector<llvm::StringRef, 6> M;
      if (!Expect.match(Line, &M))
        continue;
      std::string Path = F->path().str();
      unsigned At = L;
      llvm::StringRef Offset = M[3];
      if (Offset.consume_front("+") || Offset.starts_with("-")) {
        int Delta = 0;
        Offset.getAsInteger(10, Delta);
        At = unsigned(int(L) + Delta);
      } else if (!M[3].empty()) {
        llvm::SmallString<256> Beside(llvm::sys::path::parent_path(Path));
        llvm::sys::path::append(Beside, M[3]);
        llvm::sys::path::remove_dots(Beside, /*remove_dot_dot=*/true);
        Path = std::string(Beside);
        At = 0;
      }
      llvm::SmallVector<llvm::StringRef, 4> Codes;
      M[4].split(Codes, ',');
      for (llvm::StringRef C : Codes)
        Want[{Path, At}].insert(C.trim().str());
    }
  }
  unsigned Mismatches = 0;
  // A file that must produce nothing expects nothing either.
  for (const auto &[Where, Codes] : Want)
    if (NoFindings.count(Where.first) && !Codes.empty()) {
      OS << Where.first << ":" << Where.second << ": expects " << *Codes.begin()
         << ", but the file says expect-no-findings\n";
      ++Mismatches;
    }
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
    OS << report::location(D) << ": unexpected finding " << D.Code
       << (NoFindings.count(Path) ? " in a file that says expect-no-findings" : "") << ": "
       << D.Message << "\n";
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
