#include "fix/Fix.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace nplus1::fix {
namespace {

/// Drops lookups that another lookup of the list extends (`a` when `a__b` is there).
std::vector<std::string> minimal(std::vector<std::string> Paths) {
  std::sort(Paths.begin(), Paths.end());
  Paths.erase(std::unique(Paths.begin(), Paths.end()), Paths.end());
  std::vector<std::string> Out;
  for (const std::string &P : Paths) {
    bool Covered = llvm::any_of(Paths, [&](const std::string &Q) {
      return Q.size() > P.size() && llvm::StringRef(Q).starts_with(P + "__");
    });
    if (!Covered)
      Out.push_back(P);
  }
  return Out;
}

std::string quoted(llvm::ArrayRef<std::string> Paths, char Quote) {
  std::string S;
  for (const std::string &P : Paths) {
    if (!S.empty())
      S += ", ";
    S.push_back(Quote);
    S.append(P);
    S.push_back(Quote);
  }
  return S;
}

/// Adds \p Paths before the closing bracket of an argument list or list literal, after a
/// trailing comma if there is one.
Edit insertIntoList(const flow::Origin &O, const flow::LoadCall &Call,
                    llvm::ArrayRef<std::string> Paths) {
  llvm::StringRef Before = O.File->text().take_front(Call.CloseParen).rtrim();
  std::string Text = quoted(Paths, O.Quote);
  if (!Call.HasArgs)
    return {O.File, Call.CloseParen, Call.CloseParen, Text};
  if (Before.ends_with(",")) {
    uint32_t Comma = Before.size() - 1;
    llvm::StringRef Gap = O.File->text().slice(Comma + 1, Call.CloseParen);
    if (Gap.contains('\n')) // a multi-line list keeps its trailing comma
      return {O.File, Comma + 1, Comma + 1, " " + Text + ","};
    return {O.File, Comma, Call.CloseParen, ", " + Text}; // `('a',)` -> `('a', 'b')`
  }
  return {O.File, Call.CloseParen, Call.CloseParen, ", " + Text};
}

/// `list_select_related`: extended in place, or written as a new class attribute that
/// keeps the FK columns Django selected by itself so far.
Edit adminListEdit(const flow::Origin &O, std::vector<std::string> Paths) {
  if (O.Select)
    return insertIntoList(O, *O.Select, Paths);
  Paths.insert(Paths.begin(), O.AlsoSelect.begin(), O.AlsoSelect.end());
  Paths = minimal(Paths);
  std::string Text =
      O.InsertPrefix + "(" + quoted(Paths, O.Quote) + (Paths.size() == 1 ? ",)" : ")");
  return {O.File, O.InsertAt, O.InsertAt, Text};
}

} // namespace

std::vector<Edit> planEdits(llvm::ArrayRef<rules::Diagnostic> Diags, Policy P,
                            std::vector<bool> *Applied) {
  struct Want {
    std::vector<std::string> Select, Prefetch, Only;
    std::vector<size_t> From;
  };
  std::map<const flow::Origin *, Want> ByOrigin;
  std::vector<const flow::Origin *> Order;
  if (Applied)
    Applied->assign(Diags.size(), false);
  for (size_t I = 0; I < Diags.size(); ++I) {
    const auto &Fix = Diags[I].Fix;
    if (!Fix || !Fix->Where || Fix->Applies == rules::Applicability::DisplayOnly)
      continue;
    if (Fix->Applies == rules::Applicability::Unsafe && !P.Unsafe)
      continue;
    const flow::Origin *O = Fix->Where.get();
    // A bare select_related() follows every non-null FK; naming fields would narrow it.
    if (Fix->Method == rules::FixIntent::SelectRelated && O->Select && !O->Select->HasArgs)
      continue;
    if (!ByOrigin.count(O))
      Order.push_back(O);
    Want &W = ByOrigin[O];
    (Fix->Method == rules::FixIntent::SelectRelated     ? W.Select
     : Fix->Method == rules::FixIntent::PrefetchRelated ? W.Prefetch
                                                        : W.Only)
        .push_back(Fix->Path);
    W.From.push_back(I);
  }
  std::vector<Edit> Edits;
  for (const flow::Origin *O : Order) {
    Want &W = ByOrigin[O];
    std::vector<std::string> Select = minimal(W.Select), Prefetch = minimal(W.Prefetch);
    std::string Appended;
    auto AddTo = [&](const std::optional<flow::LoadCall> &Call, llvm::StringRef Method,
                     const std::vector<std::string> &Paths) {
      if (Paths.empty())
        return;
      if (Call) {
        Edits.push_back(insertIntoList(*O, *Call, Paths));
        return;
      }
      Appended.push_back('.');
      Appended.append(Method.data(), Method.size());
      Appended.push_back('(');
      Appended.append(quoted(Paths, O->Quote));
      Appended.push_back(')');
    };
    if (!W.Only.empty() && O->Only) {
      std::vector<std::string> Fields = W.Only;
      std::sort(Fields.begin(), Fields.end());
      Fields.erase(std::unique(Fields.begin(), Fields.end()), Fields.end());
      Edits.push_back(insertIntoList(*O, *O->Only, Fields));
    }
    if (O->AdminList) {
      if (!Select.empty())
        Edits.push_back(adminListEdit(*O, Select));
    } else {
      AddTo(O->Select, "select_related", Select);
      AddTo(O->Prefetch, "prefetch_related", Prefetch);
    }
    if (!Appended.empty())
      Edits.push_back({O->File, O->InsertAt, O->InsertAt, O->InsertPrefix + Appended});
    if (Applied)
      for (size_t I : W.From)
        (*Applied)[I] = true;
  }
  // New lines follow the file's line endings.
  for (Edit &E : Edits)
    if (E.Text.find('\n') != std::string::npos && E.File->text().contains("\r\n")) {
      std::string Crlf;
      for (char C : E.Text)
        Crlf += C == '\n' ? std::string("\r\n") : std::string(1, C);
      E.Text = std::move(Crlf);
    }
  return Edits;
}

llvm::Expected<std::string> applyEdits(llvm::StringRef Text, std::vector<Edit> Edits) {
  std::stable_sort(Edits.begin(), Edits.end(),
                   [](const Edit &A, const Edit &B) { return A.Begin < B.Begin; });
  std::string Out;
  uint32_t At = 0;
  for (const Edit &E : Edits) {
    if (E.Begin < At || E.End < E.Begin || E.End > Text.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "overlapping or out-of-range edits");
    Out += Text.slice(At, E.Begin);
    Out += E.Text;
    At = E.End;
  }
  Out += Text.substr(At);
  return Out;
}

llvm::Error writeAtomically(llvm::StringRef Path, llvm::StringRef Content) {
  namespace fs = llvm::sys::fs;
  fs::file_status Status;
  if (std::error_code EC = fs::status(Path, Status))
    return llvm::createStringError(EC, "cannot stat %s", Path.str().c_str());
  llvm::SmallString<256> Model(Path);
  Model += ".nplus1-%%%%%%";
  int FD;
  llvm::SmallString<256> Temp;
  if (std::error_code EC = fs::createUniqueFile(Model, FD, Temp))
    return llvm::createStringError(EC, "cannot create a temporary file next to %s",
                                   Path.str().c_str());
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Content;
    OS.close();
    if (OS.has_error()) {
      fs::remove(Temp);
      return llvm::createStringError(OS.error(), "cannot write %s", Temp.c_str());
    }
  }
  fs::setPermissions(Temp, Status.permissions());
  if (std::error_code EC = fs::rename(Temp, Path)) {
    fs::remove(Temp);
    return llvm::createStringError(EC, "cannot replace %s", Path.str().c_str());
  }
  return llvm::Error::success();
}

std::map<std::string, std::pair<const SourceFile *, std::vector<Edit>>>
groupByFile(std::vector<Edit> Edits) {
  std::map<std::string, std::pair<const SourceFile *, std::vector<Edit>>> Out;
  for (Edit &E : Edits) {
    auto &Slot = Out[E.File->path().str()];
    Slot.first = E.File;
    Slot.second.push_back(std::move(E));
  }
  return Out;
}

} // namespace nplus1::fix
