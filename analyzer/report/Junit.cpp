// JUnit XML output, for CI systems that show test reports (GitLab, Jenkins, Azure).
#include "report/Formats.h"

namespace nplus1::report {

using rules::Diagnostic;

namespace {

/// Escapes \p S for XML 1.0 text and attribute values: markup characters as entities,
/// line breaks and tabs as character references (attribute values would fold them),
/// and what XML 1.0 cannot hold (control characters, invalid UTF-8) as U+FFFD.
std::string escapeXml(llvm::StringRef S) {
  std::string Out;
  while (!S.empty()) {
    unsigned char C = S.front();
    if (C >= 0x80) {
      uint32_t CP = detail::nextCodePoint(S);
      bool Allowed = CP != 0xFFFE && CP != 0xFFFF;
      if (!Allowed)
        CP = 0xFFFD;
      // Re-encode: nextCodePoint already turned invalid bytes into U+FFFD.
      if (CP < 0x800) {
        Out.push_back(static_cast<char>(0xC0 | (CP >> 6)));
      } else if (CP < 0x10000) {
        Out.push_back(static_cast<char>(0xE0 | (CP >> 12)));
        Out.push_back(static_cast<char>(0x80 | ((CP >> 6) & 0x3F)));
      } else {
        Out.push_back(static_cast<char>(0xF0 | (CP >> 18)));
        Out.push_back(static_cast<char>(0x80 | ((CP >> 12) & 0x3F)));
        Out.push_back(static_cast<char>(0x80 | ((CP >> 6) & 0x3F)));
      }
      Out.push_back(static_cast<char>(0x80 | (CP & 0x3F)));
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
    case '"':
      Out += "&quot;";
      break;
    case '\'':
      Out += "&apos;";
      break;
    case '\n':
      Out += "&#10;";
      break;
    case '\r':
      Out += "&#13;";
      break;
    case '\t':
      Out += "&#9;";
      break;
    default:
      if (C < 0x20)
        Out += "\xEF\xBF\xBD";
      else
        Out.push_back(static_cast<char>(C));
    }
  }
  return Out;
}

/// The finding as the text format states it: location, severity, message, notes, fix.
std::string failureText(const Diagnostic &D) {
  std::string S = location(D) + ": " + detail::levelOf(D.Code).str() + ": " + D.Message +
                  " [" + D.Code + "]";
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
       << escapeXml(D.File ? D.File->path() : llvm::StringRef(D.Path)) << "\" name=\""
       << escapeXml(Name) << "\">\n"
       << "      <failure message=\"" << escapeXml(D.Message) << "\" type=\""
       << escapeXml(D.Code) << "\">" << escapeXml(failureText(D)) << "</failure>\n"
       << "    </testcase>\n";
  }
  OS << "  </testsuite>\n</testsuites>\n";
}

} // namespace nplus1::report
