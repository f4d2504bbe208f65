#include "driver/Baseline.h"

#include "fix/Fix.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <map>
#include <nlohmann/json.hpp>

namespace nplus1::driver {

namespace {

constexpr int BaselineVersion = 1;

/// The identity of a finding that survives edits elsewhere in the file.
std::tuple<std::string, std::string, std::string, std::string> keyOf(const rules::Diagnostic &D,
                                                                     llvm::StringRef Root) {
  if (D.Model.empty() && D.Relation.empty()) // file-level problems: the message says what
    return {D.Code, relativePath(D, Root), "", D.Message};
  return {D.Code, relativePath(D, Root), D.Model, D.Relation};
}

} // namespace

std::string relativePath(const rules::Diagnostic &D, llvm::StringRef Root) {
  llvm::SmallString<256> Abs(D.File ? D.File->path() : llvm::StringRef(D.Path));
  llvm::sys::fs::make_absolute(Abs);
  llvm::StringRef Rel = Abs.str();
  if (Rel.consume_front(Root))
    Rel = Rel.ltrim('/');
  return Rel.str();
}

llvm::Error writeBaseline(llvm::StringRef Path, llvm::ArrayRef<rules::Diagnostic> Diags,
                          llvm::StringRef Root) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, unsigned> Counts;
  for (const rules::Diagnostic &D : Diags)
    ++Counts[keyOf(D, Root)];
  nlohmann::json Entries = nlohmann::json::array();
  for (const auto &[Key, Count] : Counts)
    Entries.push_back({{"code", std::get<0>(Key)},
                       {"path", std::get<1>(Key)},
                       {"model", std::get<2>(Key)},
                       {"relation", std::get<3>(Key)},
                       {"count", Count}});
  nlohmann::json Doc{{"version", BaselineVersion}, {"tool", "nplus1"}, {"entries", Entries}};
  if (!llvm::sys::fs::exists(Path)) {
    std::error_code EC;
    llvm::raw_fd_ostream(Path, EC) << "";
    if (EC)
      return llvm::createStringError(EC, "cannot create %s", Path.str().c_str());
  }
  return fix::writeAtomically(Path, Doc.dump(2) + "\n");
}

llvm::Expected<unsigned> applyBaseline(llvm::StringRef Path, std::vector<rules::Diagnostic> &Diags,
                                       llvm::StringRef Root) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return llvm::createStringError(Buf.getError(), "cannot read baseline %s", Path.str().c_str());
  nlohmann::json Doc =
      nlohmann::json::parse((*Buf)->getBuffer().begin(), (*Buf)->getBuffer().end(), nullptr, false);
  if (Doc.is_discarded() || !Doc.is_object() || !Doc.contains("entries") ||
      !Doc["entries"].is_array() || Doc.value("version", 0) != BaselineVersion)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s is not an nplus1 baseline (version %d)", Path.str().c_str(),
                                   BaselineVersion);
  std::map<std::tuple<std::string, std::string, std::string, std::string>, unsigned> Left;
  for (const nlohmann::json &E : Doc["entries"]) {
    if (!E.is_object())
      continue;
    Left[{E.value("code", ""), E.value("path", ""), E.value("model", ""),
          E.value("relation", "")}] += E.value("count", 1u);
  }
  std::map<std::tuple<std::string, std::string, std::string, std::string>, bool> Used;
  std::vector<rules::Diagnostic> Kept;
  for (rules::Diagnostic &D : Diags) {
    auto Key = keyOf(D, Root);
    auto It = Left.find(Key);
    if (It != Left.end() && It->second > 0) {
      --It->second;
      Used[Key] = true;
      continue;
    }
    Kept.push_back(std::move(D));
  }
  Diags = std::move(Kept);
  unsigned Stale = 0;
  for (const auto &[Key, Count] : Left)
    Stale += !Used.count(Key);
  return Stale;
}

} // namespace nplus1::driver
