#include "fix/Fix.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <set>

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
  if (O.Select) {
    Edit E = insertIntoList(O, *O.Select, Paths);
    // `()` -> `('x',)`: a one-element tuple needs its comma.
    if (!O.Select->HasArgs && Paths.size() == 1 &&
        O.File->text().substr(O.Select->CloseParen, 1) == ")")
      E.Text += ",";
    return E;
  }
  Paths.insert(Paths.begin(), O.AlsoSelect.begin(), O.AlsoSelect.end());
  if (O.SelectAllUsed)
    Paths.insert(Paths.begin(), O.SelectAllUsed->begin(), O.SelectAllUsed->end());
  Paths = minimal(Paths);
  std::string Text =
      O.InsertPrefix + "(" + quoted(Paths, O.Quote) + (Paths.size() == 1 ? ",)" : ")");
  return {O.File, O.InsertAt, O.InsertAt, Text};
}

/// The text of \p R in \p Text without the argument ranges \p Args it holds.
std::string withoutArgs(llvm::StringRef Text, parse::Range R, llvm::ArrayRef<parse::Range> Args) {
  std::string Out;
  for (uint32_t I = R.Begin; I < R.End && I < Text.size(); ++I) {
    bool InArg = llvm::any_of(Args, [&](parse::Range A) { return A.Begin <= I && I < A.End; });
    if (!InArg)
      Out.push_back(Text[I]);
  }
  return Out;
}

/// True when \p S holds only what separates arguments: blanks, commas, line continuations.
bool onlyGlue(llvm::StringRef S) {
  return S.find_first_not_of(" \t\r\n,\\") == llvm::StringRef::npos;
}

/// The edits that take the lookups \p Drop (argument indices) out of the call \p L
/// describes, or nothing when the edit would cross a comment or anything but arguments.
std::vector<Edit> removeLookups(const SourceFile *File, const flow::EagerLoad &L,
                                const std::set<size_t> &Drop) {
  llvm::StringRef Text = File->text();
  if (L.Call.End > Text.size() || L.Args.empty())
    return {};
  if (Drop.size() == L.Args.size()) {
    // The whole `.select_related(...)`: what is left once the arguments are gone must be
    // exactly the method name and its brackets.
    std::string Rest = withoutArgs(Text, L.Call, L.Args);
    llvm::erase_if(Rest, [](char C) {
      return C == ' ' || C == '\t' || C == '\r' || C == '\n' || C == '\\' || C == ',';
    });
    std::string Method = L.Prefetch ? "prefetch_related" : "select_related";
    if (Rest != "." + Method + "()")
      return {};
    // A manager needs `.all()` to stand for its queryset, unless a queryset method follows.
    bool Chained = Text.substr(L.Call.End).ltrim(" \t").starts_with(".");
    return {{File, L.Call.Begin, L.Call.End, L.OnManager && !Chained ? ".all()" : ""}};
  }
  std::vector<Edit> Out;
  size_t N = L.Args.size();
  for (size_t I = 0; I < N;) {
    if (!Drop.count(I)) {
      ++I;
      continue;
    }
    size_t J = I;
    while (J + 1 < N && Drop.count(J + 1))
      ++J;
    // A run of dropped arguments [I, J]: up to the next kept one, or from the kept one
    // before it when the run reaches the end (a trailing comma stays).
    // A run that ends the list takes its trailing comma with it when there is one (so a
    // comment after it stays on its line), else the comma before it.
    parse::Range R{L.Args[I].Begin, J + 1 < N ? L.Args[J + 1].Begin : 0};
    if (J + 1 == N) {
      llvm::StringRef After = Text.slice(L.Args[J].End, L.Call.End);
      size_t Comma = After.find_first_not_of(" \t\r\n\\");
      if (Comma != llvm::StringRef::npos && After[Comma] == ',') {
        R.End = L.Args[J].End + Comma + 1;
        // What stays on the argument's line: a comment moves to where the argument began;
        // a line left blank goes.
        size_t E = R.End;
        while (E < Text.size() && (Text[E] == ' ' || Text[E] == '\t'))
          ++E;
        size_t LineStart = Text.rfind('\n', R.Begin);
        LineStart = LineStart == llvm::StringRef::npos ? 0 : LineStart + 1;
        bool AloneOnLine =
            Text.slice(LineStart, R.Begin).find_first_not_of(" \t") == llvm::StringRef::npos;
        if (E < Text.size() && Text[E] == '#') {
          R.End = E;
        } else if (AloneOnLine && E < Text.size() && (Text[E] == '\n' || Text[E] == '\r')) {
          R.Begin = LineStart;
          R.End = Text.substr(E).starts_with("\r\n") ? E + 2 : E + 1;
        }
      } else {
        R = {L.Args[I - 1].End, L.Args[J].End};
      }
    }
    if (!onlyGlue(withoutArgs(Text, R, L.Args)))
      return {};
    Out.push_back({File, R.Begin, R.End, ""});
    I = J + 1;
  }
  return Out;
}

} // namespace

std::string lookupProblem(const index::Model *From, llvm::StringRef Path, bool Select) {
  if (!From)
    return "the queryset's model is unknown";
  const index::Model *M = From;
  llvm::StringRef Rest = Path;
  while (!Rest.empty()) {
    auto [Step, Tail] = Rest.split("__");
    Rest = Tail;
    if (!M)
      return "`" + Path.str() + "` continues past a generic foreign key";
    const index::Relation *R = index::findRelation(M, Step);
    if (!R)
      return "`" + Step.str() + "` is not a relation of " + M->label();
    if (Select && !R->isSelectable())
      return "select_related cannot follow the " + rules::detail::describe(R->Kind) + " `" +
             R->Owner->Name + "." + R->Name + "`";
    M = R->Target;
  }
  return "";
}

namespace {
/// The first hop of \p Path when it is a column of the queryset's rows (a forward FK/O2O)
/// that only()/defer() leave out, or "".
llvm::StringRef deferredHop(const rules::FixIntent &F) {
  if (F.Method != rules::FixIntent::SelectRelated && F.Method != rules::FixIntent::PrefetchRelated)
    return "";
  llvm::StringRef Hop = llvm::StringRef(F.Path).split("__").first;
  const index::Relation *R = index::findRelation(F.From, Hop);
  bool Column =
      R && !R->ParentLink &&
      (R->Kind == index::RelationKind::ForeignKey || R->Kind == index::RelationKind::OneToOne);
  const flow::Origin &O = *F.Where;
  return Column && (O.FieldsOpaque || O.Fields.deferred(Hop)) ? Hop : "";
}

/// Why \p D's fix cannot be offered, or "".
std::string fixProblem(const rules::Diagnostic &D, const Facts &Known) {
  const rules::FixIntent &F = *D.Fix;
  if (F.Method == rules::FixIntent::SelectRelated ||
      F.Method == rules::FixIntent::PrefetchRelated) {
    std::string Why = lookupProblem(F.From, F.Path, F.Method == rules::FixIntent::SelectRelated);
    if (!Why.empty())
      return Why;
  }
  const flow::Origin &O = *F.Where;
  // Django raises FieldError on select_related of a field only()/defer() leave out, and
  // prefetching it still reads the column row by row: the FK joins the only(), or no fix.
  if (llvm::StringRef Hop = deferredHop(F); !Hop.empty()) {
    if (O.FieldsOpaque)
      return "only()/defer() name related fields, and `" + Hop.str() + "` may be left out";
    if (llvm::is_contained(O.Fields.Deferred, Hop))
      return "defer() leaves out `" + Hop.str() + "`, which the lookup would traverse";
    if (!O.Only)
      return "only() leaves out `" + Hop.str() +
             "`, and is not written where the queryset is created";
  }
  // iterator() ignores prefetch_related() before Django 4.1, and needs a chunk_size from 4.1
  // (5.0 raises without one): the fix adds chunk_size=2000 on a known 4.1 or later.
  if (F.Method == rules::FixIntent::PrefetchRelated && O.Iterator) {
    if (!Known.DjangoVersion)
      return "iterator() ignores prefetch_related() before Django 4.1, and the Django version "
             "is not pinned";
    if (Known.DjangoVersion < 401)
      return "iterator() ignores prefetch_related() before Django 4.1";
    if (!O.IteratorChunked && O.IteratorElsewhere)
      return "iterator() needs a chunk_size to prefetch, and is called away from the queryset";
  }
  if (F.Method == rules::FixIntent::SelectRelated && O.Select && !O.Select->HasArgs &&
      !O.AdminList) // an empty list_select_related selects nothing: it is extended
    return "the bare select_related() follows every non-null foreign key, and naming one "
           "would narrow it";
  if (planEdits({D}, Policy{true}).empty())
    return "no edit could be placed";
  return "";
}
} // namespace

std::optional<rules::Alternative> fetchPeersAlternative(const rules::Diagnostic &D,
                                                        const index::Project &P) {
  if (!D.PeersOn)
    return std::nullopt;
  const flow::Origin &O = *D.PeersOn;
  if (!O.File || !O.Fixable || O.AdminList || O.Iterator || O.FetchModeCall ||
      O.InsertAt > O.File->text().size())
    return std::nullopt;
  const index::ModuleInfo *M = P.moduleOfFile(O.File);
  if (!M || !M->Ast)
    return std::nullopt;
  // The names the module's top-level imports above the queryset bind.
  std::string Name;
  const parse::py::Stmt *LastImport = nullptr;
  for (const parse::py::Stmt *S : M->Ast->Body) {
    if (S->Where.End > O.InsertAt)
      break;
    if (S->Kind != parse::py::StmtKind::Import && S->Kind != parse::py::StmtKind::ImportFrom)
      continue;
    LastImport = S;
    for (const parse::py::ImportName &I : S->Imports) {
      std::string Qual =
          S->Kind == parse::py::StmtKind::ImportFrom ? S->Module + "." + I.Name : I.Name;
      if (S->Kind == parse::py::StmtKind::Import && I.AsName.empty())
        continue; // `import django.db.models` binds `django`
      llvm::StringRef Local = I.AsName.empty() ? llvm::StringRef(I.Name) : I.AsName;
      if (Qual == "django.db.models")
        Name = Local.str() + ".FETCH_PEERS";
      else if (Qual == "django.db.models.FETCH_PEERS")
        Name = Local.str();
    }
  }
  rules::Alternative A;
  if (Name.empty()) {
    if (!LastImport)
      return std::nullopt;
    Name = "FETCH_PEERS";
    A.Edits.push_back({O.File,
                       {LastImport->Where.End, LastImport->Where.End},
                       "\nfrom django.db.models import FETCH_PEERS"});
  }
  A.Edits.push_back(
      {O.File, {O.InsertAt, O.InsertAt}, O.InsertPrefix + ".fetch_mode(" + Name + ")"});
  for (rules::FrozenEdit &E : A.Edits)
    if (O.File->text().contains("\r\n") && llvm::StringRef(E.Text).contains('\n')) {
      std::string Crlf;
      for (char C : E.Text)
        Crlf += C == '\n' ? std::string("\r\n") : std::string(1, C);
      E.Text = std::move(Crlf);
    }
  A.Title = "Add .fetch_mode(" + Name + ") to the queryset (Django 6.1+)";
  A.Applies = rules::Applicability::Unsafe;
  A.Why = "the relation is then fetched for all the rows at its first read, wherever the "
          "objects go, instead of by a JOIN where the queryset is built";
  return A;
}

void settleFixes(std::vector<rules::Diagnostic> &Diags, const Facts &Known,
                 const index::Project *P) {
  if (P && Known.DjangoVersion >= 601)
    for (rules::Diagnostic &D : Diags)
      if (D.PeersOn && D.Alternatives.empty())
        if (auto A = fetchPeersAlternative(D, *P))
          D.Alternatives.push_back(std::move(*A));
  for (rules::Diagnostic &D : Diags) {
    if (!D.Fix || !D.Fix->Where || D.FrozenEdits)
      continue;
    std::string Why = fixProblem(D, Known);
    if (Why.empty())
      continue;
    D.Fix.reset();
    D.NoFix = std::move(Why);
  }
}

namespace {

/// The lookups the findings on one queryset ask it to load, and which findings ask.
struct Want {
  std::vector<std::string> Select, Prefetch, Only;
  std::vector<size_t> From;
};

/// Lookups to remove, per call (its file and offset): which arguments, which findings.
struct Removal {
  const flow::Origin *O = nullptr;
  const flow::EagerLoad *Load = nullptr;
  std::set<size_t> Drop;
  std::vector<size_t> From;
};

/// The fixes \p P lets through, grouped: lookups to add per queryset (\p Order keeps the
/// querysets in the order of their first finding) and lookups to remove per call.
struct Wants {
  std::map<const flow::Origin *, Want> ByOrigin;
  std::vector<const flow::Origin *> Order;
  std::map<std::pair<const SourceFile *, uint32_t>, Removal> Removals;
};

Wants collectWants(llvm::ArrayRef<rules::Diagnostic> Diags, Policy P) {
  Wants Out;
  for (size_t I = 0; I < Diags.size(); ++I) {
    const auto &Fix = Diags[I].Fix;
    if (!Fix || !Fix->Where || Fix->Applies == rules::Applicability::DisplayOnly)
      continue;
    if (Fix->Applies == rules::Applicability::Unsafe && !P.Unsafe)
      continue;
    const flow::Origin *O = Fix->Where.get();
    if (Fix->Method == rules::FixIntent::RemoveLoad) {
      if (!Fix->Remove || !O->File)
        continue;
      Removal &R = Out.Removals[{O->File, Fix->Remove->Call.Begin}];
      R.O = O;
      R.Load = Fix->Remove.get();
      R.Drop.insert(Fix->Remove->Index);
      R.From.push_back(I);
      continue;
    }
    // A bare select_related() follows every non-null FK; naming fields would narrow it.
    if (Fix->Method == rules::FixIntent::SelectRelated && O->Select && !O->Select->HasArgs &&
        !O->AdminList)
      continue;
    if (!Out.ByOrigin.count(O))
      Out.Order.push_back(O);
    Want &W = Out.ByOrigin[O];
    // A FK that only() leaves out is named in it as well (settleFixes let no other through).
    if (llvm::StringRef Hop = deferredHop(*Fix); !Hop.empty() && O->Only)
      W.Only.push_back(Hop.str());
    (Fix->Method == rules::FixIntent::SelectRelated     ? W.Select
     : Fix->Method == rules::FixIntent::PrefetchRelated ? W.Prefetch
                                                        : W.Only)
        .push_back(Fix->Path);
    W.From.push_back(I);
  }
  return Out;
}

/// The edits that make queryset \p O load what \p W asks for, appended to \p Edits.
void addLoadEdits(const flow::Origin *O, const Want &W, std::vector<Edit> &Edits) {
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
  if (!Prefetch.empty() && O->Iterator && !O->IteratorChunked)
    Edits.push_back({O->File, O->Iterator->CloseParen, O->Iterator->CloseParen,
                     O->Iterator->HasArgs ? ", chunk_size=2000" : "chunk_size=2000"});
}

/// New lines follow the file's line endings.
void useFileLineEndings(std::vector<Edit> &Edits) {
  for (Edit &E : Edits)
    if (E.Text.find('\n') != std::string::npos && E.File->text().contains("\r\n")) {
      std::string Crlf;
      for (char C : E.Text)
        Crlf += C == '\n' ? std::string("\r\n") : std::string(1, C);
      E.Text = std::move(Crlf);
    }
}

} // namespace

std::vector<Edit> planEdits(llvm::ArrayRef<rules::Diagnostic> Diags, Policy P,
                            std::vector<bool> *Applied) {
  if (Applied)
    Applied->assign(Diags.size(), false);
  Wants Ws = collectWants(Diags, P);
  std::vector<Edit> Edits;
  for (const flow::Origin *O : Ws.Order) {
    const Want &W = Ws.ByOrigin[O];
    addLoadEdits(O, W, Edits);
    if (Applied)
      for (size_t I : W.From)
        (*Applied)[I] = true;
  }
  for (const auto &[Key, R] : Ws.Removals) {
    // A queryset that also gains lookups keeps its calls this time: the two edits could
    // touch the same brackets. The next run removes what is still unused.
    if (Ws.ByOrigin.count(R.O))
      continue;
    std::vector<Edit> Out = removeLookups(Key.first, *R.Load, R.Drop);
    if (Out.empty())
      continue;
    Edits.insert(Edits.end(), Out.begin(), Out.end());
    if (Applied)
      for (size_t I : R.From)
        (*Applied)[I] = true;
  }
  useFileLineEndings(Edits);
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
