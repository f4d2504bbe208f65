#include "rules/Rule.h"

#include "AnalysisLimits.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace nplus1::rules {

#define RULE(Code, Name, Class) const Rule &get##Class();
#include "rules/Rules.def"

llvm::ArrayRef<const Rule *> allRules() {
  static const std::vector<const Rule *> All = {
#define RULE(Code, Name, Class) &get##Class(),
#include "rules/Rules.def"
  };
  return All;
}

const Rule *findRule(llvm::StringRef Code) {
  for (const Rule *R : allRules())
    if (Code.equals_insensitive(R->info().Code))
      return R;
  return nullptr;
}

/// Kinds whose repeated read on the same rows is one N+1: a loaded object is cached on its
/// row, and a related set read twice is fixed by the one prefetch. (A filtered related set
/// or a query in a loop is a query of its own each time.)
static bool sameReadIsOneFinding(flow::EventKind K) {
  switch (K) {
  case flow::EventKind::RelationPerRow:
  case flow::EventKind::GenericPerRow:
  case flow::EventKind::DeferredPerRow:
  case flow::EventKind::ManagerPerRow:
  case flow::EventKind::AggregatePerRow:
    return true;
  default:
    return false;
  }
}

bool readInWritingLoop(const flow::Event &E) {
  switch (E.Kind) {
  case flow::EventKind::Writes:
  case flow::EventKind::WritePerRow:
  case flow::EventKind::UnusedLoad:
    return false;
  default:
    break;
  }
  if (E.InWrite)
    return true;
  if (E.Loop && E.Loop->WritesEveryPass)
    return true;
  return llvm::any_of(E.Loops, [](const auto &L) { return L->WritesEveryPass; });
}

bool validEventPath(const flow::Event &E, const index::ModelGraph &G) {
  switch (E.Kind) {
  case flow::EventKind::QueryInLoop: // a query of its own, no path
  case flow::EventKind::UnusedLoad:  // the queryset's own lookup, checked where it is read
  case flow::EventKind::Writes:
  case flow::EventKind::WritePerRow: // the row itself, no path
    return true;
  default:
    break;
  }
  // A `Prefetch(..., to_attr=...)` name is no relation of the graph; such events carry no
  // fix (fixFor) and their first hop was checked against the queryset's loads.
  if (E.ThroughToAttr)
    return true;
  if (!E.Loop || !E.Loop->RowModel || E.Path.empty())
    return false;
  const index::Model *At = E.Loop->RowModel;
  llvm::StringRef Rest = E.Path;
  while (true) {
    auto [Hop, Tail] = Rest.split("__");
    if (Tail.empty() && E.Kind == flow::EventKind::DeferredPerRow) // a column or FK field
      return G.isColumn(At, Hop) || G.relation(At, Hop);
    const index::Relation *Rel = G.relation(At, Hop);
    if (!Rel)
      return false;
    if (Tail.empty())
      return Rel == E.Rel;
    At = Rel->Target;
    if (!At)
      return false;
    Rest = Tail;
  }
}

std::vector<Diagnostic> runRules(llvm::ArrayRef<flow::Event> Events, const index::ModelGraph &G) {
  std::vector<Diagnostic> Out;
  // A chain `order.customer.address` gives one event per hop; keep the longest hop of
  // each expression: its fix (select_related('customer__address')) covers the others.
  std::vector<bool> Covered(Events.size(), false);
  for (size_t I = 0; I < Events.size(); ++I)
    for (size_t J = 0; J < Events.size(); ++J) {
      const flow::Event &A = Events[I], &B = Events[J];
      if (I == J || A.File != B.File || A.Kind != B.Kind ||
          A.Kind != flow::EventKind::RelationPerRow)
        continue;
      // B covers A when it reads further along the same expression (a longer chain, or
      // the object's __str__ reading beyond it): its fix loads A's path too.
      bool Longer = llvm::StringRef(B.Path).starts_with(A.Path + "__");
      if (B.AccessExpr.Begin != A.AccessExpr.Begin || !B.AccessExpr.contains(A.AccessExpr) ||
          B.Loop != A.Loop || !Longer)
        continue;
      // A further hop that a method reads only in one of its branches (`asset_url` reading
      // `workspace` for some kinds of asset) does not stand for a hop read every time: the
      // hop read every time is the finding, and the branch's is left out.
      if (B.InBranch && !A.InBranch)
        Covered[J] = true;
      else
        Covered[I] = true;
    }
  for (size_t I = 0; I < Events.size(); ++I) {
    const flow::Event &E = Events[I];
    if (Covered[I] || !validEventPath(E, G) || readInWritingLoop(E))
      continue;
    size_t Before = Out.size();
    for (const Rule *R : allRules())
      R->check(E, Out);
    if (!sameReadIsOneFinding(E.Kind) || !E.Loop)
      continue;
    for (size_t D = Before; D < Out.size(); ++D) {
      Out[D].LoopFile = E.Loop->HeaderFile ? E.Loop->HeaderFile : E.File;
      Out[D].LoopWhere = E.Loop->Header;
      Out[D].Lookup = E.Path;
    }
  }
  // The same relation read again on the same rows of one loop is the same N+1 (a cached
  // object, or one more query the same fix removes): one finding at the first read, which
  // notes the others.
  groupRepeatedReads(Out);
  return Out;
}

void groupRepeatedReads(std::vector<Diagnostic> &Diags, bool AcrossCodes) {
  auto PathOf = [](const SourceFile *F) { return F ? F->path() : llvm::StringRef(); };
  auto MergeCode = [&](const Diagnostic &D) -> std::string {
    const Rule *R = AcrossCodes ? findRule(D.Code) : nullptr;
    return R && R->info().SameFixAs ? R->info().SameFixAs : D.Code;
  };
  std::vector<size_t> Order(Diags.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  auto Place = [&](size_t I) {
    const Diagnostic &D = Diags[I];
    // The finding of the rule a code merges into is the one kept (NP102, not NP103).
    return std::make_tuple(MergeCode(D) != D.Code, PathOf(D.File), D.Where.Begin, D.Where.End, I);
  };
  std::sort(Order.begin(), Order.end(), [&](size_t A, size_t B) { return Place(A) < Place(B); });
  using Key = std::tuple<std::string, std::string, uint32_t, uint32_t, std::string, uint32_t,
                         uint32_t, std::string>;
  std::map<Key, size_t> First;
  std::vector<bool> Merged(Diags.size(), false);
  for (size_t I : Order) {
    Diagnostic &D = Diags[I];
    if (D.Lookup.empty() || !D.File)
      continue;
    Key K{MergeCode(D),
          PathOf(D.LoopFile).str(),
          D.LoopWhere.Begin,
          D.LoopWhere.End,
          PathOf(D.QuerysetFile).str(),
          D.QuerysetWhere.Begin,
          D.QuerysetWhere.End,
          D.Lookup};
    auto [It, New] = First.try_emplace(K, I);
    if (New)
      continue;
    Diagnostic &Kept = Diags[It->second];
    Kept.Notes.push_back({D.File, D.Where, AlsoReadHere});
    for (Note &N : D.Notes)
      if (N.Message == AlsoReadHere)
        Kept.Notes.push_back(std::move(N));
    Merged[I] = true;
  }
  // Each kept finding: its other reads in source order, none twice, none at itself.
  for (const auto &[K, I] : First) {
    Diagnostic &D = Diags[I];
    auto Also = std::stable_partition(D.Notes.begin(), D.Notes.end(),
                                      [](const Note &N) { return N.Message != AlsoReadHere; });
    auto At = [&](const Note &N) {
      return std::make_tuple(PathOf(N.File), N.Where.Begin, N.Where.End);
    };
    std::sort(Also, D.Notes.end(), [&](const Note &A, const Note &B) { return At(A) < At(B); });
    D.Notes.erase(std::unique(Also, D.Notes.end(),
                              [&](const Note &A, const Note &B) { return At(A) == At(B); }),
                  D.Notes.end());
    D.Notes.erase(
        std::remove_if(Also, D.Notes.end(),
                       [&](const Note &N) { return N.File == D.File && N.Where == D.Where; }),
        D.Notes.end());
  }
  size_t Kept = 0;
  for (size_t I = 0; I < Diags.size(); ++I) {
    if (Merged[I])
      continue;
    if (Kept != I)
      Diags[Kept] = std::move(Diags[I]);
    ++Kept;
  }
  Diags.resize(Kept);
}

namespace detail {

std::string modelLabel(const index::Model *M) { return M ? M->label() : "?"; }

Applicability fixApplicability(const flow::Event &E) {
  const flow::Origin &O = *E.Loop->Source;
  if (O.Function == E.Loop->Function && !O.Escapes && !O.OwnerFromCaller)
    return Applicability::Safe;
  return Applicability::Unsafe;
}

std::string querysetName(const flow::Event &E) {
  std::string Out = "`" + E.Loop->SourceText + "`";
  if (E.Loop->Source && !E.Loop->Source->Label.empty())
    return Out + " (" + E.Loop->Source->Label + ")";
  if (E.Loop->Source && E.Loop->Source->File) {
    std::string Chain = E.Loop->Source->File->slice(E.Loop->Source->Chain).str();
    if (Chain != E.Loop->SourceText && Chain.size() < limits::QuotedChainWidth &&
        Chain.find('\n') == std::string::npos)
      Out += " (" + Chain + ")";
  }
  return Out;
}

std::vector<Note> loopNotes(const flow::Event &E) {
  std::vector<Note> Notes;
  const SourceFile *HeaderFile = E.Loop->HeaderFile ? E.Loop->HeaderFile : E.File;
  Notes.push_back(
      {HeaderFile, E.Loop->Header,
       E.Loop->Note.empty() ? "the loop over " + querysetName(E) + " is here" : E.Loop->Note});
  const flow::Origin *O = E.Loop->Source.get();
  bool InHeader = O && O->File == HeaderFile && E.Loop->Header.contains(O->Chain);
  if (O && O->File && !InHeader)
    Notes.push_back({O->File, O->Chain, "the queryset is created here"});
  return Notes;
}

std::optional<FixIntent> fixFor(const flow::Event &E, FixIntent::MethodKind Method,
                                std::string *Why) {
  auto None = [&](llvm::StringRef Reason) -> std::optional<FixIntent> {
    if (Why)
      *Why = Reason.str();
    return std::nullopt;
  };
  if (!E.Loop->Source)
    return None("nplus1 does not know where the queryset is created");
  if (!E.Loop->Source->Fixable)
    return None(!E.Loop->Source->NoFixWhy.empty()
                    ? E.Loop->Source->NoFixWhy
                    : "the queryset is not written where an edit could load the relation");
  if (E.ThroughToAttr)
    return None("the rows come from a Prefetch(..., to_attr=...) list");
  if (!E.OwnQuery.empty())
    return None("the rows come from a query the method runs for each row, which no "
                "prefetch here serves; the edit belongs in that query");
  if (Method == FixIntent::PrefetchRelated && E.Loop->Source->AdminList)
    return None("list_select_related cannot prefetch; get_queryset() must do it");
  FixIntent F;
  F.Where = E.Loop->Source;
  F.From = E.Loop->RowModel;
  F.Method = Method;
  F.Path = E.Path;
  F.Applies = fixApplicability(E);
  if (F.Applies == Applicability::Unsafe)
    F.UnsafeWhy = E.Loop->Source->OwnerFromCaller
                      ? "the object is the caller's, and a load call here would bypass a "
                        "prefetch the caller made"
                      : "the queryset is created in another function or used beyond this loop";
  // Writes inside the loop could make a prefetched cache stale (a count after moving rows).
  if (Method == FixIntent::PrefetchRelated && E.Loop->Writes) {
    F.Applies = Applicability::Unsafe;
    F.UnsafeWhy = "the loop writes to the database, and a prefetched cache would not see it";
  }
  return F;
}

/// The load call and lookup that serve \p E on its own query: for a read below a related
/// set a method queries anew for each row, what that query must load ("product", by
/// select_related when it is one hop of the kind that joins); otherwise \p Method and the
/// whole path.
static std::string loadCall(const flow::Event &E, FixIntent::MethodKind Method) {
  llvm::StringRef Lookup = E.Path;
  if (!E.OwnQuery.empty() && Lookup.consume_front(E.OwnQuery) && Lookup.consume_front("__"))
    Method = E.Kind == flow::EventKind::RelationPerRow && !Lookup.contains("__")
                 ? FixIntent::SelectRelated
                 : FixIntent::PrefetchRelated;
  else
    Lookup = E.Path;
  return std::string(Method == FixIntent::SelectRelated ? "select_related" : "prefetch_related") +
         "('" + Lookup.str() + "')";
}

std::string remedy(const flow::Event &E, FixIntent::MethodKind Method) {
  if (!E.OwnQuery.empty())
    return "." + loadCall(E, Method) + " to the query of `" + E.OwnQuery + "` that " +
           (E.ViaName.empty() ? "the method" : "`" + E.ViaName + "`") + " runs for each row";
  if (E.Loop->Source && E.Loop->Source->AdminList && Method == FixIntent::SelectRelated) {
    const flow::Origin &O = *E.Loop->Source;
    std::string S = "'" + E.Path + "' to the admin's list_select_related";
    if (O.Select)
      return S;
    // A new list turns off Django's select_related() of the FK columns: it names them too.
    std::vector<std::string> Kept(O.AlsoSelect);
    if (O.SelectAllUsed)
      Kept.insert(Kept.end(), O.SelectAllUsed->begin(), O.SelectAllUsed->end());
    llvm::sort(Kept);
    Kept.erase(std::unique(Kept.begin(), Kept.end()), Kept.end());
    llvm::erase(Kept, E.Path);
    std::string List;
    for (const std::string &K : Kept)
      List += (List.empty() ? "'" : ", '") + K + "'";
    return List.empty() ? S : S + ", keeping " + List + " that Django joined by itself";
  }
  if (E.Loop->Source && E.Loop->Source->AdminList)
    return ".prefetch_related('" + E.Path + "') to the admin's get_queryset()";
  return std::string(".") +
         (Method == FixIntent::SelectRelated ? "select_related" : "prefetch_related") + "('" +
         E.Path + "') to the queryset";
}

Diagnostic fileDiagnostic(const RuleInfo &Info, const SourceFile *File, Range Where,
                          std::string Message) {
  Diagnostic D;
  D.Code = Info.Code;
  D.Name = Info.Name;
  D.File = File;
  D.Where = Where;
  D.Message = std::move(Message);
  return D;
}

Diagnostic accessDiagnostic(const RuleInfo &Info, const flow::Event &E) {
  Diagnostic D = fileDiagnostic(Info, E.File, E.Access, "");
  D.Notes = loopNotes(E);
  if (E.Loop->Source && E.Loop->Source->File) {
    D.QuerysetFile = E.Loop->Source->File;
    D.QuerysetWhere = E.Loop->Source->Chain;
  }
  return D;
}

Diagnostic perRowDiagnostic(const RuleInfo &Info, const flow::Event &E,
                            FixIntent::MethodKind Method) {
  Diagnostic D = accessDiagnostic(Info, E);
  D.Model = modelLabel(E.Rel->Owner);
  D.Relation = E.Rel->Name;
  if (E.ViaFile)
    D.Notes.insert(D.Notes.begin(), Note{E.ViaFile, E.ViaWhere,
                                         "read inside `" + E.ViaName + "` here, for every row"});
  if (E.CallFile) {
    // The loop runs before the call (rows handed over) or inside the callee (one object
    // handed over, whose related rows the callee loops over).
    const SourceFile *LoopFile = E.Loop->HeaderFile ? E.Loop->HeaderFile : E.File;
    bool RowsPassed = LoopFile == E.CallFile && E.Loop->Header.Begin <= E.CallWhere.Begin;
    D.Notes.insert(D.Notes.begin(),
                   Note{E.CallFile, E.CallWhere,
                        "`" + E.CallName +
                            (RowsPassed ? "()` is called with the rows here"
                                        : "()` is called here, and loops over the rows inside")});
  }
  D.Fix = fixFor(E, Method, &D.NoFix);
  D.FixTitle = "Add " + remedy(E, Method);
  return D;
}

void offerFetchPeers(Diagnostic &D, const flow::Event &E) {
  if (E.ThroughMany || E.ThroughToAttr || E.Raises || !E.Loop->Source)
    return;
  D.PeersOn = E.Loop->Source;
}

std::string accessText(const flow::Event &E) {
  std::string Text = E.File->slice(E.AccessExpr).str();
  if (!Text.empty())
    return Text;
  llvm::StringRef Path = E.Path;
  return Path.contains("__") ? Path.rsplit("__").second.str() : Path.str();
}

std::string perRowMessage(const flow::Event &E, llvm::StringRef Verb, const index::Model *PerRow,
                          llvm::StringRef Relation, llvm::StringRef Loaded,
                          FixIntent::MethodKind Method) {
  if (E.Raises) // Django 6.1 fetch mode RAISE: a crash, not a slowdown
    return "`" + accessText(E) + "` raises FieldFetchBlocked on every " + modelLabel(PerRow) +
           " row: " + Relation.str() + " is not " + Loaded.str() + " by " + querysetName(E) +
           ", whose fetch mode is RAISE; add " + remedy(E, Method);
  return "`" + accessText(E) + "` " + Verb.str() + " one query per " + modelLabel(PerRow) +
         " row: " + Relation.str() + " is not " + Loaded.str() + " by " + querysetName(E) +
         "; add " + remedy(E, Method);
}

std::string clipText(llvm::StringRef Text, size_t Max) {
  size_t Cut = std::min(Text.find('\n'), Max);
  if (Cut >= Text.size())
    return Text.str();
  // Never inside a UTF-8 sequence: the reports must stay valid UTF-8 (JSON refuses less).
  while (Cut > 0 && (static_cast<unsigned char>(Text[Cut]) & 0xC0) == 0x80)
    --Cut;
  return Text.take_front(Cut).rtrim().str() + "...";
}

std::string shortAccess(const flow::Event &E) {
  return clipText(accessText(E), limits::QuotedCodeWidth);
}

std::string perRowHeadline(const flow::Event &E, llvm::StringRef What, const index::Model *PerRow,
                           FixIntent::MethodKind Method) {
  std::string Row = PerRow ? PerRow->Name : "?";
  std::string Add;
  bool Admin = E.Loop->Source && E.Loop->Source->AdminList;
  if (Admin && Method == FixIntent::SelectRelated)
    Add = "add '" + E.Path + "' to list_select_related";
  else if (Admin)
    Add = "prefetch_related('" + E.Path + "') in get_queryset()";
  else
    Add = "add " + loadCall(E, Method) + (E.OwnQuery.empty() ? "" : " to its own query");
  if (E.Raises)
    What = "raises FieldFetchBlocked";
  return shortAccess(E) + ": " + What.str() + (E.Raises ? " on every " : " per ") + Row + " row; " +
         Add;
}

std::string relationText(const index::Relation &R, bool WithTarget) {
  std::string S = describe(R.Kind) + " `" + R.Owner->Name + "." + R.Name + "`";
  if (WithTarget)
    S += " (to " + modelLabel(R.Target) + ")";
  return S;
}

bool loopInvariant(const flow::Event &E) {
  if (E.Kind != flow::EventKind::QueryInLoop || !E.Invariant || E.Loops.empty())
    return false;
  return llvm::none_of(E.Loops, [](const auto &L) { return L->Writes; });
}

std::string describe(index::RelationKind K) {
  switch (K) {
  case index::RelationKind::ForeignKey:
    return "ForeignKey";
  case index::RelationKind::OneToOne:
    return "OneToOneField";
  case index::RelationKind::ReverseOneToOne:
    return "reverse one-to-one relation";
  case index::RelationKind::ManyToMany:
    return "ManyToManyField";
  case index::RelationKind::ReverseForeignKey:
    return "reverse ForeignKey";
  case index::RelationKind::ReverseManyToMany:
    return "reverse ManyToManyField";
  case index::RelationKind::GenericForeignKey:
    return "GenericForeignKey";
  case index::RelationKind::GenericRelation:
    return "GenericRelation";
  }
  return "relation";
}

} // namespace detail
} // namespace nplus1::rules
