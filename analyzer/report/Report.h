#ifndef NPLUS1_REPORT_REPORT_H
#define NPLUS1_REPORT_REPORT_H

#include "fix/Fix.h"
#include "nplus1/Version.h" // generated in the build directory (scripts/packaging/version.cmake)

#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

namespace nplus1::report {

/// The JSON document's format version; bump on any incompatible change.
inline constexpr int JsonVersion = 1;
/// The version, set once in project(nplus1 VERSION ...) in the top-level CMakeLists.txt.
inline constexpr const char *ToolVersion = NPLUS1_VERSION;
/// The git commit built: 12 hex digits, "-dirty" with local changes, "unknown" outside a
/// git checkout.
inline constexpr const char *ToolCommit = NPLUS1_GIT_COMMIT;

/// Sorts diagnostics by file, position and code: output is the same at any -j.
void sortDiagnostics(std::vector<rules::Diagnostic> &Diags);

/// Where a rule's page is: the build's NPLUS1_DOCS_URL (a URL or a path ending in `/`)
/// followed by `NP101.md`; by default `docs/rules/NP101.md`, a path in nplus1's sources.
std::string ruleDocUrl(llvm::StringRef Code);
/// True when ruleDocUrl() is an absolute URL (it has a scheme), so it can be a SARIF helpUri.
bool ruleDocUrlIsAbsolute();

/// Text for people: a short first line `path:line:col: CODE headline`, then indented
/// below it the source line with a caret under the access, the full message, the notes
/// (loop, queryset, other reads), the fix and the rule's page.
void printText(llvm::raw_ostream &OS, llvm::ArrayRef<rules::Diagnostic> Diags, bool Color,
               bool Unsafe);

/// The versioned JSON document (see README "JSON output").
nlohmann::json toJson(llvm::ArrayRef<rules::Diagnostic> Diags);

/// "error" for files that could not be read or parsed, "warning" for everything else.
llvm::StringRef severity(llvm::StringRef Code);

/// The edits of \p D's fix on its own (safe or not): planned from its queryset, or the
/// frozen edits of a finding read from the cache.
std::vector<fix::Edit> fixEdits(const rules::Diagnostic &D);

/// "safe", "unsafe" or "display-only".
llvm::StringRef applicabilityName(rules::Applicability A);

/// "shop/views.py:12:5"
std::string location(const rules::Diagnostic &D);

} // namespace nplus1::report

#endif
