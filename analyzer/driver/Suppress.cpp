#include "driver/Pipeline.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"

#include <map>
#include <set>

namespace nplus1::driver {

namespace {

/// One suppression comment: its line, the codes it names (empty: every code), and whether
/// anything used it.
struct Suppression {
  parse::Range Where;
  std::vector<std::string> Codes;
  bool Used = false;
};

/// `# noqa`, `# noqa: NP101, NP102`, `# nplus1: ignore[NP101]`, `{# noqa: NP101 #}`;
/// a reason may follow after ` -- `.
std::map<unsigned, Suppression> scanLines(const parse::SourceFile &F,
                                          std::vector<std::string> &FileIgnores) {
  static const llvm::Regex Noqa(
      "(#|\\{#)[[:space:]]*(noqa|nplus1:[[:space:]]*ignore)([[:space:]]*(:|\\[)[[:space:]]*"
      "([A-Z]+[0-9]*([[:space:]]*,[[:space:]]*[A-Z]+[0-9]*)*))?",
      llvm::Regex::IgnoreCase);
  static const llvm::Regex FileIgnore(
      "#[[:space:]]*nplus1:[[:space:]]*file-ignore\\[([A-Z0-9, ]+)\\]");
  std::map<unsigned, Suppression> Out;
  for (unsigned L = 1; L <= F.lineCount(); ++L) {
    llvm::StringRef Line = F.line(L);
    // Both patterns need one of these words: most comment lines are skipped without
    // running a regex.
    if (!Line.contains('#') ||
        (!Line.contains_insensitive("noqa") && !Line.contains_insensitive("nplus1")))
      continue;
    llvm::SmallVector<llvm::StringRef, 8> M;
    if (FileIgnore.match(Line, &M)) {
      llvm::SmallVector<llvm::StringRef, 4> Codes;
      M[1].split(Codes, ',');
      for (llvm::StringRef C : Codes)
        FileIgnores.push_back(C.trim().str());
      continue;
    }
    if (!Noqa.match(Line, &M))
      continue;
    Suppression S;
    uint32_t Begin = F.lineStart(L) + (M[0].data() - Line.data());
    S.Where = {Begin, uint32_t(Begin + M[0].size())};
    llvm::SmallVector<llvm::StringRef, 4> Codes;
    M[5].split(Codes, ',', -1, false);
    for (llvm::StringRef C : Codes)
      S.Codes.push_back(C.trim().upper());
    Out[L] = std::move(S);
  }
  return Out;
}

bool names(const std::vector<std::string> &Codes, llvm::StringRef Code) {
  if (Codes.empty())
    return true;
  for (const std::string &C : Codes)
    if (Code.starts_with(C)) // NP1 covers NP101
      return true;
  return false;
}

} // namespace

void applySuppressions(Analysis &A) {
  struct FileState {
    std::map<unsigned, Suppression> Lines;
    std::vector<std::string> FileIgnores;
  };
  std::map<const parse::SourceFile *, FileState> Files;
  auto Scan = [&](const parse::SourceFile *F) {
    if (!F || Files.count(F))
      return;
    FileState St;
    St.Lines = scanLines(*F, St.FileIgnores);
    Files[F] = std::move(St);
  };
  // The files asked about, and those a finding lies in or has its queryset in (a view's
  // `# noqa` silences its template's finding when only the template is named).
  std::set<const parse::SourceFile *> Asked;
  for (const auto &F : A.Targets) {
    Scan(F.get());
    Asked.insert(F.get());
  }
  for (const rules::Diagnostic &D : A.Diagnostics) {
    Scan(D.File);
    Scan(D.QuerysetFile);
  }
  auto Silenced = [&](const parse::SourceFile *F, parse::Range R, llvm::StringRef Code) {
    auto It = Files.find(F);
    if (!F || It == Files.end())
      return false;
    unsigned Line = F->lineCol(R.Begin).Line;
    auto S = It->second.Lines.find(Line);
    if (S == It->second.Lines.end() || !names(S->second.Codes, Code))
      return false;
    S->second.Used = true;
    return true;
  };
  std::vector<rules::Diagnostic> Kept;
  for (rules::Diagnostic &D : A.Diagnostics) {
    auto It = Files.find(D.File);
    if (It != Files.end() && names(It->second.FileIgnores, D.Code) &&
        !It->second.FileIgnores.empty())
      continue;
    // Both sites are checked so that each suppression used is marked used.
    bool AtAccess = Silenced(D.File, D.Where, D.Code);
    bool AtQueryset = D.QuerysetFile && Silenced(D.QuerysetFile, D.QuerysetWhere, D.Code);
    if (AtAccess || AtQueryset)
      continue;
    Kept.push_back(std::move(D));
  }
  // A suppression naming nplus1 codes that silenced nothing is stale (only known in the
  // files asked about: all their findings are at hand). A bare `# noqa` belongs to every
  // linter and is left alone.
  for (auto &[File, St] : Files) {
    if (!Asked.count(File))
      continue;
    for (auto &[Line, S] : St.Lines) {
      bool Ours = llvm::any_of(
          S.Codes, [](const std::string &C) { return llvm::StringRef(C).starts_with("NP"); });
      if (!S.Used && Ours)
        Kept.push_back(rules::unusedSuppression(*File, S.Where, llvm::join(S.Codes, ", ")));
    }
  }
  A.Diagnostics = std::move(Kept);
}

} // namespace nplus1::driver
