// GitHub Actions workflow commands: `::warning file=...,line=...::message` lines, which the
// runner turns into annotations on the pull request's diff.
#include "report/Formats.h"

namespace nplus1::report {

using rules::Diagnostic;

namespace {

/// Escapes a command's message, as the Actions runner unescapes it.
std::string escapeData(llvm::StringRef S) {
  std::string Out;
  for (char C : S) {
    switch (C) {
    case '%':
      Out += "%25";
      break;
    case '\r':
      Out += "%0D";
      break;
    case '\n':
      Out += "%0A";
      break;
    default:
      Out.push_back(C);
    }
  }
  return Out;
}

/// Escapes a property value, where ':' and ',' also delimit.
std::string escapeProperty(llvm::StringRef S) {
  std::string Out;
  for (char C : escapeData(S)) {
    switch (C) {
    case ':':
      Out += "%3A";
      break;
    case ',':
      Out += "%2C";
      break;
    default:
      Out.push_back(C);
    }
  }
  return Out;
}

/// "path:line:col" with the column in UTF-16 units, like the annotation's own.
std::string where(const parse::SourceFile &F, uint32_t Offset) {
  return F.path().str() + ":" + std::to_string(F.lineCol(Offset).Line) + ":" +
         std::to_string(utf16Column(F, Offset));
}

} // namespace

void printGithub(llvm::raw_ostream &OS, llvm::ArrayRef<Diagnostic> Diags) {
  for (const Diagnostic &D : Diags) {
    OS << "::" << severity(D.Code)
       << " file=" << escapeProperty(D.File ? D.File->path() : llvm::StringRef(D.Path));
    if (D.File) {
      parse::LineCol B = D.File->lineCol(D.Where.Begin), E = D.File->lineCol(D.Where.End);
      OS << ",line=" << B.Line << ",col=" << utf16Column(*D.File, D.Where.Begin)
         << ",endLine=" << E.Line;
      // GitHub takes an end column only on the start line.
      if (E.Line == B.Line)
        OS << ",endColumn=" << utf16Column(*D.File, D.Where.End);
    }
    OS << ",title=" << escapeProperty(D.Code + " " + D.Name) << "::";
    // The notes and the fix go on the annotation's further lines.
    std::string Message = D.Message;
    for (const rules::Note &N : D.Notes)
      Message += "\n" + where(*N.File, N.Where.Begin) + ": note: " + N.Message;
    if (D.Fix)
      Message += "\nfix (" + detail::applicabilityName(D.Fix->Applies).str() + "): " + D.FixTitle;
    OS << escapeData(Message) << "\n";
  }
}

} // namespace nplus1::report
