// Applying a run's fixes to the files, with the checks that keep --fix from corrupting code.
#include "fix/Apply.h"

#include "parse/Python.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/WithColor.h"

namespace nplus1::fix {

namespace {

/// The patched text of the file \p F, or why it is refused: overlapping edits, or a result
/// with more syntax errors than the file has now.
llvm::Expected<std::string> patched(llvm::StringRef Path, const SourceFile &F,
                                    std::vector<Edit> Edits) {
  llvm::Expected<std::string> New = applyEdits(F.text(), std::move(Edits));
  if (!New)
    return New.takeError();
  auto Before = parse::parsePython(std::make_shared<parse::SourceFile>(Path.str(), F.text().str()));
  auto After = parse::parsePython(std::make_shared<parse::SourceFile>(Path.str(), *New));
  if (After->Errors.size() > Before->Errors.size())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the patched file would not parse");
  return New;
}

} // namespace

std::string unwritable(llvm::StringRef Path, llvm::StringRef Root) {
  namespace fs = llvm::sys::fs;
  fs::file_status Link;
  if (fs::status(Path, Link, /*follow=*/false) || Link.type() == fs::file_type::symlink_file)
    return "it is a symbolic link (or vanished); edit the file it points to";
  if (Link.type() != fs::file_type::regular_file)
    return "it is not a regular file";
  llvm::SmallString<256> Real, RealRoot;
  if (fs::real_path(Path, Real) || fs::real_path(Root, RealRoot) ||
      !(llvm::StringRef(Real).starts_with(RealRoot) &&
        (Real.size() == RealRoot.size() || Real[RealRoot.size()] == '/')))
    return "it is outside the project root " + Root.str();
  if (fs::access(Path, fs::AccessMode::Write))
    return "it is read-only";
  return "";
}

ApplyResult applyFixes(const std::vector<Edit> &Edits, ApplyKind Kind, llvm::StringRef Root,
                       llvm::raw_ostream &Out, llvm::raw_ostream &Errs) {
  ApplyResult R;
  auto Refuse = [&](llvm::StringRef Path, const llvm::Twine &Why) {
    llvm::WithColor::error(Errs, "nplus1") << Path << ": " << Why << "\n";
    ++R.Failures;
  };
  for (auto &[Path, Entry] : groupByFile(Edits)) {
    if (std::string Why = Kind == ApplyKind::Write ? unwritable(Path, Root) : ""; !Why.empty()) {
      Refuse(Path, "fix not applied: " + Why);
      continue;
    }
    llvm::Expected<std::string> New = patched(Path, *Entry.first, std::move(Entry.second));
    if (!New) {
      Refuse(Path, "fix not applied: " + llvm::toString(New.takeError()));
      continue;
    }
    if (Kind == ApplyKind::Diff) {
      Out << unifiedDiff(Path, Entry.first->text(), *New);
      ++R.Files;
      continue;
    }
    if (llvm::Error E = writeAtomically(Path, *New)) {
      Refuse(Path, llvm::toString(std::move(E)));
      continue;
    }
    R.Written.insert(Path);
    ++R.Files;
  }
  return R;
}

} // namespace nplus1::fix
