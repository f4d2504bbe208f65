// JUnit XML output, for CI systems that show test reports (GitLab, Jenkins, Azure).
#include "report/Formats.h"

namespace nplus1::report {

using rules::Diagnostic;

namespace {

/// Escapes \p S for XML 1.0: markup characters as entities (and '"' in attributes), and what
/// XML 1.0 cannot hold (control characters, U+FFFE/U+FFFF, invalid UTF-8) as U+FFFD. In an
/// attribute, line breaks and tabs become character references, which attribute-value
/// normalization would otherwise fold into spaces.
std::string escapeXml(llvm::StringRef S, bool Attribute) {
  constexpr const char *Replacement = "\xEF\xBF\xBD";
  std::string Out;
  while (!S.empty()) {
    unsigned char C = S.front();
    if (C >= 0x80) {
      llvm::StringRef Before = S;
      uint32_t CP = detail::nextCodePoint(S);
      if (CP == 0xFFFD || CP == 0xFFFE || CP == 0xFFFF)
        Out += Replacement;
      else
        Out += Before.take_front(Before.size() - S.size());
      continue;
    }
    S = S.drop_front();
    switch (C) {
    case '&':
      Out += "&amp;";
      break;
    case '<':
      Out += "&lt;";
      break;
    case '>':
      Out += "&gt;";
      break;
    case '"': // attribute values are delimited by '"'
      Out += Attribute ? "&quot;" : "\"";
      break;
    case '\r':
      Out += "&#13;";
      break;
    case '\n':
      Out += Attribute ? "&#10;" : "\n";
      break;
    case '\t':
      Out += Attribute ? "&#9;" : "\t";
      break;
    default:
      if (C < 0x20)
        Out += Replacement;
      else
        Out.push_back(static_cast<char>(C));
    }
  }
  return Out;
}

/// The finding as the text format states it: location, severity, message, notes, fix.
std::string failureText(const Diagnostic &D) {
  std::string S =
      location(D) + ": " + severity(D.Code).str() + ": " + D.Message + " [" + D.Code + "]";
  for (const rules::Note &N : D.Notes) {
    parse::LineCol LC = N.File->lineCol(N.Where.Begin);
    S += "\n" + N.File->path().str() + ":" + std::to_string(LC.Line) + ":" +
         std::to_string(LC.Column) + ": note: " + N.Message;
  }
  if (D.Fix)
    S += "\nfix (" + detail::applicabilityName(D.Fix->Applies).str() + "): " + D.FixTitle;
  return S;
}

} // namespace

void printJunit(llvm::raw_ostream &OS, llvm::ArrayRef<Diagnostic> Diags) {
  size_t Tests = Diags.empty() ? 1 : Diags.size();
  OS << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"nplus1\" tests=\"" << Tests << "\" failures=\"" << Diags.size()
     << "\" errors=\"0\">\n"
     << "  <testsuite name=\"nplus1\" tests=\"" << Tests << "\" failures=\"" << Diags.size()
     << "\" errors=\"0\" skipped=\"0\">\n";
  if (Diags.empty())
    OS << "    <testcase classname=\"nplus1\" name=\"no N+1 queries found\"/>\n";
  for (const Diagnostic &D : Diags) {
    std::string Name = D.Code;
    if (D.File) {
      // Byte columns, as in the text format's `path:line:col`.
      parse::LineCol LC = D.File->lineCol(D.Where.Begin);
      Name += " " + std::to_string(LC.Line) + ":" + std::to_string(LC.Column);
    }
    OS << "    <testcase classname=\""
       << escapeXml(D.File ? D.File->path() : llvm::StringRef(D.Path), true) << "\" name=\""
       << escapeXml(Name, true) << "\">\n"
       << "      <failure message=\"" << escapeXml(D.Message, true) << "\" type=\""
       << escapeXml(D.Code, true) << "\">" << escapeXml(failureText(D), false) << "</failure>\n"
       << "    </testcase>\n";
  }
  OS << "  </testsuite>\n</testsuites>\n";
}

} // namespace nplus1::report
