#ifndef NPLUS1_REPORT_FORMATS_H
#define NPLUS1_REPORT_FORMATS_H

#include "report/Report.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace nplus1::report {

/// A SARIF 2.1.0 log with one run: every rule (with its documentation) in
/// `tool.driver.rules`, one result per diagnostic, columns in UTF-16 code units, and the
/// safe fixes as replacements. \p RootUri is the directory that relative diagnostic paths
/// are relative to (the working directory), as a path or a `file:` URI; it becomes
/// `%SRCROOT%`, and absolute paths under it are made relative to it too.
nlohmann::json toSarif(llvm::ArrayRef<rules::Diagnostic> Diags, llvm::StringRef RootUri);

/// GitHub Actions workflow commands, one `::warning` / `::error` line per diagnostic,
/// so each finding shows as an annotation on the pull request.
void printGithub(llvm::raw_ostream &OS, llvm::ArrayRef<rules::Diagnostic> Diags);

/// A JUnit XML report: one test suite "nplus1" with a failing test case per diagnostic,
/// or a single passing test case when there are none.
void printJunit(llvm::raw_ostream &OS, llvm::ArrayRef<rules::Diagnostic> Diags);

/// The 1-based column of byte \p Offset in UTF-16 code units, the unit SARIF uses by
/// default (and GitHub's annotations, whose UI is JavaScript); invalid UTF-8 bytes count
/// as one unit each.
unsigned utf16Column(const parse::SourceFile &F, uint32_t Offset);

/// \p Path as a URI reference: percent-encoded, absolute paths as `file:///...`.
std::string pathToUri(llvm::StringRef Path);

namespace detail {
/// Decodes the UTF-8 code point at the front of \p S and drops it from \p S; an invalid
/// or truncated sequence yields U+FFFD for its first byte only.
uint32_t nextCodePoint(llvm::StringRef &S);
/// "safe", "unsafe" or "display-only", as the JSON format spells them.
llvm::StringRef applicabilityName(rules::Applicability A);
} // namespace detail

} // namespace nplus1::report

#endif
