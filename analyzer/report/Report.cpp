#include "report/Report.h"

#include "AnalysisLimits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>

namespace nplus1::report {

using rules::Diagnostic;

llvm::StringRef severity(llvm::StringRef Code) {
  return Code == "NP901" || Code == "NP902" ? "error" : "warning";
}

llvm::StringRef applicabilityName(rules::Applicability A) {
  return A == rules::Applicability::Safe     ? "safe"
         : A == rules::Applicability::Unsafe ? "unsafe"
                                             : "display-only";
}

static llvm::StringRef pathOf(const Diagnostic &D) {
  return D.File ? D.File->path() : llvm::StringRef(D.Path);
}

void sortDiagnostics(std::vector<Diagnostic> &Diags) {
  std::stable_sort(Diags.begin(), Diags.end(), [](const Diagnostic &A, const Diagnostic &B) {
    return std::make_tuple(pathOf(A), A.Where.Begin, llvm::StringRef(A.Code), A.Where.End) <
           std::make_tuple(pathOf(B), B.Where.Begin, llvm::StringRef(B.Code), B.Where.End);
  });
}

std::string location(const Diagnostic &D) {
  if (!D.File)
    return D.Path;
  parse::LineCol LC = D.File->lineCol(D.Where.Begin);
  return D.File->path().str() + ":" + std::to_string(LC.Line) + ":" + std::to_string(LC.Column);
}

std::string ruleDocUrl(llvm::StringRef Code) {
#ifdef NPLUS1_DOCS_URL
  llvm::StringRef Base = NPLUS1_DOCS_URL;
#else
  llvm::StringRef Base;
#endif
  if (Base.empty())
    Base = "docs/rules/";
  std::string Url = Base.str();
  if (!llvm::StringRef(Url).ends_with("/"))
    Url += "/";
  return Url + Code.str() + ".md";
}

bool ruleDocUrlIsAbsolute() {
  llvm::StringRef Url = ruleDocUrl("NP000");
  size_t Colon = Url.find("://");
  return Colon != llvm::StringRef::npos && Colon > 0 &&
         llvm::all_of(Url.take_front(Colon),
                      [](char C) { return llvm::isAlnum(C) || C == '+' || C == '-' || C == '.'; });
}

namespace {

/// Prints the source line of \p R with `^~~~` under the range (clipped to that line),
/// indented by four spaces.
void printSnippet(llvm::raw_ostream &OS, const parse::SourceFile &F, parse::Range R, bool Color) {
  parse::LineCol LC = F.lineCol(R.Begin);
  llvm::StringRef Line = F.line(LC.Line);
  unsigned Col = LC.Column - 1;
  // Very long lines (minified or generated code) are cut to a window around the caret.
  constexpr unsigned Window = limits::SnippetWidth;
  if (Line.size() > Window) {
    unsigned Start = Col > Window / 2 ? Col - Window / 2 : 0;
    Line = Line.substr(Start, Window);
    Col -= Start;
  }
  OS << "    " << Line << "\n    ";
  for (unsigned I = 0; I < Col && I < Line.size(); ++I)
    OS << (Line[I] == '\t' ? '\t' : ' ');
  unsigned Len = std::max<unsigned>(1, std::min<size_t>(R.End - R.Begin, Line.size() - Col));
  if (Color)
    OS.changeColor(llvm::raw_ostream::GREEN, true);
  OS << '^' << std::string(Len - 1, '~');
  if (Color)
    OS.resetColor();
  OS << "\n";
}

/// The line a note points at, trimmed and cut to limits::NoteLineWidth bytes, for one
/// line under the note.
std::string noteLine(const parse::SourceFile &F, parse::Range R) {
  llvm::StringRef Line = F.line(F.lineCol(R.Begin).Line).trim();
  if (Line.size() <= limits::NoteLineWidth)
    return Line.str();
  return Line.take_front(limits::NoteLineWidth - 3).str() + "...";
}

/// `label` in \p Color (bold) when colors are on.
void colored(llvm::raw_ostream &OS, llvm::StringRef Text, llvm::raw_ostream::Colors C, bool Color) {
  if (Color)
    OS.changeColor(C, true);
  OS << Text;
  if (Color)
    OS.resetColor();
}

} // namespace

void printText(llvm::raw_ostream &OS, llvm::ArrayRef<Diagnostic> Diags, bool Color, bool Unsafe) {
  for (const Diagnostic &D : Diags) {
    colored(OS, location(D) + ":", llvm::raw_ostream::SAVEDCOLOR, Color);
    OS << " ";
    colored(OS, D.Code,
            severity(D.Code) == "error" ? llvm::raw_ostream::RED : llvm::raw_ostream::MAGENTA,
            Color);
    OS << " " << (D.Headline.empty() ? D.Message : D.Headline) << "\n";
    if (D.File)
      printSnippet(OS, *D.File, D.Where, Color);
    if (!D.Headline.empty())
      OS << "  " << D.Message << "\n";
    for (const rules::Note &N : D.Notes) {
      parse::LineCol LC = N.File->lineCol(N.Where.Begin);
      OS << "  ";
      colored(OS, "note:", llvm::raw_ostream::CYAN, Color);
      OS << " " << N.File->path() << ":" << LC.Line << ":" << LC.Column << ": " << N.Message
         << "\n      " << noteLine(*N.File, N.Where) << "\n";
    }
    if (D.Fix) {
      bool Safe = D.Fix->Applies == rules::Applicability::Safe;
      OS << "  fix (" << (Safe ? "safe" : "unsafe") << "): " << D.FixTitle;
      if (!Safe && !Unsafe)
        OS << " (needs --unsafe-fixes: " << D.Fix->UnsafeWhy << ")";
      OS << "\n";
    } else if (!D.NoFix.empty()) {
      OS << "  no fix: " << D.NoFix << "\n";
    }
    for (const rules::Alternative &A : D.Alternatives)
      OS << "  alternative (" << applicabilityName(A.Applies)
         << ", not applied by --fix): " << A.Title << " (" << A.Why << ")\n";
    if (rules::findRule(D.Code))
      OS << "  see: " << ruleDocUrl(D.Code) << " (or `nplus1 rule " << D.Code << "`)\n";
    OS << "\n";
  }
}

std::vector<fix::Edit> fixEdits(const rules::Diagnostic &D) {
  if (!D.FrozenEdits)
    return fix::planEdits({D}, fix::Policy{true});
  std::vector<fix::Edit> Out;
  for (const rules::FrozenEdit &E : *D.FrozenEdits)
    Out.push_back({E.File, E.Where.Begin, E.Where.End, E.Text});
  return Out;
}

nlohmann::json toJson(llvm::ArrayRef<Diagnostic> Diags) {
  nlohmann::json Findings = nlohmann::json::array();
  auto Pos = [](const parse::SourceFile &F, parse::Range R) {
    parse::LineCol B = F.lineCol(R.Begin), E = F.lineCol(R.End);
    return nlohmann::json{{"path", F.path().str()}, {"line", B.Line},         {"column", B.Column},
                          {"end_line", E.Line},     {"end_column", E.Column}, {"offset", R.Begin},
                          {"end_offset", R.End}};
  };
  for (const Diagnostic &D : Diags) {
    nlohmann::json J;
    J["code"] = D.Code;
    J["name"] = D.Name;
    J["message"] = D.Message;
    J["headline"] = D.Headline.empty() ? D.Message : D.Headline;
    J["help_uri"] = ruleDocUrl(D.Code);
    J["severity"] = severity(D.Code).str();
    J["location"] = D.File ? Pos(*D.File, D.Where) : nlohmann::json{{"path", D.Path}};
    if (!D.Model.empty())
      J["model"] = D.Model;
    if (!D.Relation.empty())
      J["relation"] = D.Relation;
    nlohmann::json Notes = nlohmann::json::array();
    for (const rules::Note &N : D.Notes) {
      nlohmann::json NJ = Pos(*N.File, N.Where);
      NJ["message"] = N.Message;
      Notes.push_back(NJ);
    }
    J["notes"] = Notes;
    auto EditJson = [](const fix::Edit &E) {
      return nlohmann::json{{"path", E.File->path().str()},
                            {"offset", E.Begin},
                            {"end_offset", E.End},
                            {"line", E.File->lineCol(E.Begin).Line},
                            {"column", E.File->lineCol(E.Begin).Column},
                            {"content", E.Text}};
    };
    if (D.Fix) {
      nlohmann::json Edits = nlohmann::json::array();
      for (const fix::Edit &E : fixEdits(D))
        Edits.push_back(EditJson(E));
      J["fix"] = {{"title", D.FixTitle},
                  {"applicability", applicabilityName(D.Fix->Applies)},
                  {"edits", Edits}};
    } else {
      J["fix"] = nullptr;
      if (!D.NoFix.empty())
        J["no_fix"] = D.NoFix;
    }
    if (!D.Alternatives.empty()) {
      nlohmann::json Alts = nlohmann::json::array();
      for (const rules::Alternative &A : D.Alternatives) {
        nlohmann::json Edits = nlohmann::json::array();
        for (const rules::FrozenEdit &E : A.Edits)
          Edits.push_back(EditJson({E.File, E.Where.Begin, E.Where.End, E.Text}));
        Alts.push_back({{"title", A.Title},
                        {"applicability", applicabilityName(A.Applies)},
                        {"reason", A.Why},
                        {"edits", Edits}});
      }
      J["alternatives"] = Alts;
    }
    Findings.push_back(std::move(J));
  }
  return {{"version", JsonVersion},
          {"tool", {{"name", "nplus1"}, {"version", ToolVersion}}},
          {"findings", Findings},
          {"summary", {{"findings", Diags.size()}}}};
}

} // namespace nplus1::report
