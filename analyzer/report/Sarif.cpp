// SARIF 2.1.0 output (OASIS Static Analysis Results Interchange Format), as read by GitHub
// code scanning, VS Code's SARIF viewer and the SARIF multitool.
#include "report/Formats.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

namespace nplus1::report {

using rules::Diagnostic;
using Json = nlohmann::json;

namespace detail {

uint32_t nextCodePoint(llvm::StringRef &S) {
  assert(!S.empty() && "no code point to decode");
  const auto *Begin = reinterpret_cast<const llvm::UTF8 *>(S.data());
  const llvm::UTF8 *At = Begin;
  llvm::UTF32 CP = 0;
  if (llvm::convertUTF8Sequence(&At, Begin + S.size(), &CP, llvm::strictConversion) !=
          llvm::conversionOK ||
      At == Begin) {
    S = S.drop_front();
    return 0xFFFD;
  }
  S = S.drop_front(At - Begin);
  return CP;
}

llvm::StringRef applicabilityName(rules::Applicability A) {
  switch (A) {
  case rules::Applicability::Safe:
    return "safe";
  case rules::Applicability::Unsafe:
    return "unsafe";
  case rules::Applicability::DisplayOnly:
    return "display-only";
  }
  llvm_unreachable("unknown applicability");
}

} // namespace detail

unsigned utf16Column(const parse::SourceFile &F, uint32_t Offset) {
  parse::LineCol LC = F.lineCol(Offset);
  llvm::StringRef Before = F.text().slice(F.lineStart(LC.Line), Offset);
  unsigned Units = 0;
  while (!Before.empty())
    Units += detail::nextCodePoint(Before) > 0xFFFF ? 2 : 1;
  return Units + 1;
}

std::string pathToUri(llvm::StringRef Path) {
  std::string Out = Path.starts_with("/") ? "file://" : "";
  for (unsigned char C : Path) {
    // RFC 3986 pchar, less ':' (a relative reference must not look like a scheme).
    if (llvm::isAlnum(C) || llvm::StringRef("-._~/!$&'()*+,;=@").contains(C)) {
      Out.push_back(C);
      continue;
    }
    Out.push_back('%');
    Out.push_back(llvm::hexdigit(C >> 4));
    Out.push_back(llvm::hexdigit(C & 15));
  }
  return Out;
}

namespace {

constexpr const char *SrcRoot = "%SRCROOT%";

/// \p S with each invalid UTF-8 byte replaced by U+FFFD: text quoted from a source file
/// need not be UTF-8, and JSON must be.
std::string validUtf8(llvm::StringRef S) {
  std::string Out;
  while (!S.empty()) {
    llvm::StringRef Before = S;
    if (detail::nextCodePoint(S) == 0xFFFD)
      Out += "\xEF\xBF\xBD";
    else
      Out += Before.take_front(Before.size() - S.size());
  }
  return Out;
}

/// The first paragraph of a rule doc's "What it does" section, unwrapped.
std::string whatItDoes(llvm::StringRef Doc) {
  size_t At = Doc.find("## What it does\n");
  if (At == llvm::StringRef::npos)
    return "";
  llvm::StringRef Body = Doc.drop_front(At).split('\n').second;
  Body = Body.take_front(Body.find("\n\n")).trim();
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  Body.split(Lines, '\n');
  return llvm::join(Lines, " ");
}

/// Builds artifact locations: paths under the root become URIs relative to %SRCROOT%.
class Locator {
public:
  explicit Locator(llvm::StringRef RootUri) {
    if (RootUri.starts_with("file:")) {
      Root = RootUri.str();
    } else {
      llvm::SmallString<256> Abs(RootUri.empty() ? "." : RootUri);
      llvm::sys::fs::make_absolute(Abs);
      llvm::sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
      Root = pathToUri(Abs);
    }
    if (!llvm::StringRef(Root).ends_with("/"))
      Root.push_back('/');
  }

  const std::string &root() const { return Root; }

  /// The URI of \p Path, relative to the root when it is under it.
  std::string uri(llvm::StringRef Path, bool &Relative) const {
    std::string Uri = pathToUri(Path);
    Relative = !Path.starts_with("/");
    if (!Relative && llvm::StringRef(Uri).starts_with(Root) && Uri.size() > Root.size()) {
      Relative = true;
      return Uri.substr(Root.size());
    }
    return Uri;
  }

  Json artifact(llvm::StringRef Path) const {
    bool Relative;
    Json A{{"uri", uri(Path, Relative)}};
    if (Relative)
      A["uriBaseId"] = SrcRoot;
    return A;
  }

private:
  std::string Root;
};

Json region(const parse::SourceFile &F, uint32_t Begin, uint32_t End) {
  return {{"startLine", F.lineCol(Begin).Line},
          {"startColumn", utf16Column(F, Begin)},
          {"endLine", F.lineCol(End).Line},
          {"endColumn", utf16Column(F, End)}};
}

Json physical(const Locator &L, const parse::SourceFile &F, parse::Range R) {
  return {{"artifactLocation", L.artifact(F.path())}, {"region", region(F, R.Begin, R.End)}};
}

Json reportingDescriptor(const rules::RuleInfo &Info) {
  Json R = {{"id", Info.Code},
            {"name", Info.Name},
            {"shortDescription", {{"text", Info.Summary}}},
            {"fullDescription", {{"text", whatItDoes(Info.Doc)}}},
            {"help", {{"text", Info.Doc}, {"markdown", Info.Doc}}},
            {"defaultConfiguration", {{"level", severity(Info.Code).str()}}}};
  // SARIF wants an absolute URI here; a build with a relative page path leaves it out.
  if (ruleDocUrlIsAbsolute())
    R["helpUri"] = ruleDocUrl(Info.Code);
  return R;
}

/// The safe fix of \p D as SARIF `fixes` (empty when it has none, or none can be placed).
Json fixesOf(const Locator &L, const Diagnostic &D) {
  Json Fixes = Json::array();
  if (!D.Fix || D.Fix->Applies != rules::Applicability::Safe)
    return Fixes;
  std::vector<fix::Edit> Edits = fixEdits(D);
  if (Edits.empty())
    return Fixes;
  Json Changes = Json::array();
  for (auto &[Path, FileEdits] : fix::groupByFile(std::move(Edits))) {
    Json Replacements = Json::array();
    for (const fix::Edit &E : FileEdits.second)
      Replacements.push_back({{"deletedRegion", region(*E.File, E.Begin, E.End)},
                              {"insertedContent", {{"text", validUtf8(E.Text)}}}});
    Changes.push_back({{"artifactLocation", L.artifact(Path)}, {"replacements", Replacements}});
  }
  Fixes.push_back(
      {{"description", {{"text", validUtf8(D.FixTitle)}}}, {"artifactChanges", Changes}});
  return Fixes;
}

/// A hash of what identifies a finding across edits that move it: rule, file, model and
/// relation, never the line.
std::string fingerprintKey(const Diagnostic &D, llvm::StringRef Uri) {
  std::string Key;
  for (llvm::StringRef Part :
       {llvm::StringRef(D.Code), Uri, llvm::StringRef(D.Model), llvm::StringRef(D.Relation)}) {
    Key.append(Part.data(), Part.size());
    Key.push_back('\0');
  }
  std::array<uint8_t, 32> Hash = llvm::SHA256::hash(llvm::arrayRefFromStringRef(Key));
  return llvm::toHex(llvm::ArrayRef(Hash).take_front(16), /*LowerCase=*/true);
}

} // namespace

Json toSarif(llvm::ArrayRef<Diagnostic> Diags, llvm::StringRef RootUri) {
  Locator L(RootUri);
  Json Rules = Json::array();
  llvm::StringMap<unsigned> RuleIndex;
  for (const rules::Rule *R : rules::allRules()) {
    RuleIndex[R->info().Code] = Rules.size();
    Rules.push_back(reportingDescriptor(R->info()));
  }

  Json Results = Json::array();
  // Findings with the same key (two loops reading `order.customer` in one file) are told
  // apart by their rank, as GitHub's own `primaryLocationLineHash` does: "hash:N".
  llvm::StringMap<unsigned> Seen;
  for (const Diagnostic &D : Diags) {
    Json R;
    R["ruleId"] = D.Code;
    if (auto It = RuleIndex.find(D.Code); It != RuleIndex.end())
      R["ruleIndex"] = It->second;
    R["level"] = severity(D.Code).str();
    R["message"] = {{"text", validUtf8(D.Message)}};
    llvm::StringRef Path = D.File ? D.File->path() : llvm::StringRef(D.Path);
    Json Loc;
    // NP902 (an unreadable file) has a path and nothing to point into.
    Loc["physicalLocation"] =
        D.File ? physical(L, *D.File, D.Where) : Json{{"artifactLocation", L.artifact(Path)}};
    R["locations"] = Json::array({std::move(Loc)});
    if (!D.Notes.empty()) {
      Json Related = Json::array();
      for (const rules::Note &N : D.Notes)
        Related.push_back({{"id", Related.size()},
                           {"physicalLocation", physical(L, *N.File, N.Where)},
                           {"message", {{"text", validUtf8(N.Message)}}}});
      R["relatedLocations"] = std::move(Related);
    }
    bool Relative;
    std::string Hash = fingerprintKey(D, L.uri(Path, Relative));
    R["partialFingerprints"] = {{"nplus1/v1", Hash + ":" + std::to_string(++Seen[Hash])}};
    if (Json Fixes = fixesOf(L, D); !Fixes.empty())
      R["fixes"] = std::move(Fixes);
    Results.push_back(std::move(R));
  }

  Json Run{
      {"tool",
       {{"driver", {{"name", "nplus1"}, {"version", ToolVersion}, {"rules", std::move(Rules)}}}}},
      {"columnKind", "utf16CodeUnits"},
      {"originalUriBaseIds", {{SrcRoot, {{"uri", L.root()}}}}},
      {"results", std::move(Results)}};
  return {{"$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                      "sarif-schema-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", Json::array({std::move(Run)})}};
}

} // namespace nplus1::report
