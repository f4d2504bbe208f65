// Loop shapes beyond missing loads: a write per row (NP201) and a query that is the same
// in every pass of its loop (NP202). Both are read off the syntax of the function the loop
// is in, next to the abstract values the interpreter has for it.
#include "flow/Interp.h"
#include "flow/Walk.h"

#include "llvm/ADT/StringSet.h"

#include <functional>

namespace nplus1::flow::detail {

namespace {

/// The local name an assignment target changes: `x` of `x`, `x.a`, `x[k]`, `x.a[k].b`.
const Expr *targetRoot(const Expr *T) {
  while (T && (T->Kind == ExprKind::Attribute || T->Kind == ExprKind::Subscript ||
               T->Kind == ExprKind::Starred))
    T = T->Object;
  return T && T->Kind == ExprKind::Name ? T : nullptr;
}

/// Adds the names \p T binds or changes (tuple targets, starred, attribute/subscript roots).
void targetNames(const Expr *T, llvm::StringSet<> &Out) {
  if (!T)
    return;
  if (T->Kind == ExprKind::Tuple || T->Kind == ExprKind::List) {
    for (const Expr *A : T->Args)
      targetNames(A, Out);
    return;
  }
  if (const Expr *Root = targetRoot(T))
    Out.insert(Root->Id);
}

/// The statement of \p Body (nested bodies included) whose range contains \p At.
/// True when \p Body calls a `sleep(...)` (`time.sleep`, `asyncio.sleep`...).
bool callsSleep(llvm::ArrayRef<Stmt *> Body) {
  bool Found = false;
  auto OnStmt = [](const Stmt *) {};
  auto OnExpr = [&](const Expr *E) {
    if (E->Kind == ExprKind::Call && E->Object &&
        (E->Object->isName("sleep") ||
         (E->Object->Kind == ExprKind::Attribute && E->Object->Id == "sleep")))
      Found = true;
  };
  walkBody(Body, OnStmt, OnExpr);
  return Found;
}

/// True when a loop body paces itself: it sleeps, directly or in a function or method of
/// module \p M that it calls by name (`self._maybe_take_small_break()`).
bool pacesItself(llvm::ArrayRef<Stmt *> Body, const index::ModuleInfo &M) {
  if (callsSleep(Body))
    return true;
  llvm::StringSet<> Called;
  auto OnStmt = [](const Stmt *) {};
  auto OnExpr = [&](const Expr *E) {
    if (E->Kind != ExprKind::Call || !E->Object)
      return;
    if (E->Object->Kind == ExprKind::Name || E->Object->Kind == ExprKind::Attribute)
      Called.insert(E->Object->Id);
  };
  walkBody(Body, OnStmt, OnExpr);
  auto Sleeps = [&](const Stmt *Def) {
    return Def && Def->Kind == StmtKind::Function && Called.count(Def->Name) &&
           callsSleep(Def->Body);
  };
  for (const Stmt *St : M.Ast->Body) {
    if (Sleeps(St))
      return true;
    if (St->Kind == StmtKind::Class)
      for (const Stmt *In : St->Body)
        if (Sleeps(In))
          return true;
  }
  return false;
}

const Stmt *statementAt(llvm::ArrayRef<Stmt *> Body, Range At,
                        llvm::SmallVectorImpl<const Stmt *> &Path) {
  for (const Stmt *St : Body) {
    if (!St->Where.contains(At))
      continue;
    Path.push_back(St);
    for (const py::NodeList<Stmt *> *Child : {&St->Body, &St->OrElse, &St->Finally})
      if (const Stmt *Inner = statementAt(*Child, At, Path))
        return Inner;
    for (const auto &H : St->Handlers)
      if (const Stmt *Inner = statementAt(H, At, Path))
        return Inner;
    return St;
  }
  return nullptr;
}

/// Adds to \p Changed the names statement \p St (not its body) binds or rebinds:
/// assignment, loop and `with` targets, definitions, imports, `del`/`global`/`nonlocal`.
void namesBoundBy(const Stmt *St, const SourceFile &File, llvm::StringSet<> &Changed) {
  switch (St->Kind) {
  case StmtKind::Assign:
  case StmtKind::AugAssign:
  case StmtKind::With:
    for (const Expr *T : St->Targets)
      targetNames(T, Changed);
    break;
  case StmtKind::For:
    targetNames(St->Target, Changed);
    break;
  case StmtKind::Function:
  case StmtKind::Class:
    Changed.insert(St->Name);
    break;
  case StmtKind::Import:
  case StmtKind::ImportFrom:
    for (const py::ImportName &N : St->Imports)
      Changed.insert(N.AsName.empty() ? llvm::StringRef(N.Name).split('.').first
                                      : llvm::StringRef(N.AsName));
    break;
  case StmtKind::Other:
    if (File.slice(St->Where).starts_with("del") || File.slice(St->Where).starts_with("global") ||
        File.slice(St->Where).starts_with("nonlocal"))
      for (const Expr *I : St->Items)
        walkExpr(I, [&](const Expr *X) {
          if (X->Kind == ExprKind::Name)
            Changed.insert(X->Id);
        });
    break;
  default:
    break;
  }
}

} // namespace

bool Interp::pacedLoop(const Stmt *For) const { return pacesItself(For->Body, M); }

void Interp::findLoop(const LoopInfo &L, const Stmt *&For, const Expr *&Comp) const {
  For = nullptr;
  Comp = nullptr;
  if (L.Function != Fn || (L.HeaderFile && L.HeaderFile != File))
    return;
  llvm::ArrayRef<Stmt *> Body =
      Fn ? llvm::ArrayRef<Stmt *>(Fn->Body) : llvm::ArrayRef<Stmt *>(M.Ast->Body);
  auto OnStmt = [&](const Stmt *St) {
    if (St->Kind == StmtKind::For && St->Value && St->Where.Begin == L.Header.Begin &&
        St->Value->Where.End == L.Header.End)
      For = St;
  };
  auto OnExpr = [&](const Expr *E) {
    if (E->Kind == ExprKind::Comprehension && E->Where == L.Header)
      Comp = E;
  };
  walkBody(Body, OnStmt, OnExpr);
}

// ---- NP202: the same query in every pass -----------------------------------

void Interp::classifyInvariant(Event &E, const ValueRef &Q) const {
  // A query of this function's own Python loops, written as one expression (what it
  // depends on is all in sight), read where it is built.
  if (Collect || CallFile || !Q->Src || Q->Src->File != File || EvFile != File ||
      !E.AccessExpr.contains(Q->Src->Chain))
    return;
  std::vector<unsigned> Ids(ActiveLoops.begin(), ActiveLoops.end());
  llvm::sort(Ids);
  std::vector<std::shared_ptr<const LoopInfo>> Loops;
  const Stmt *OuterFor = nullptr;
  const Expr *OuterComp = nullptr;
  for (unsigned Id : Ids) {
    auto L = S.Loops.find(Id);
    if (L == S.Loops.end())
      return;
    const Stmt *For;
    const Expr *Comp;
    findLoop(*L->second, For, Comp);
    if (!For && !Comp)
      return; // a template, serializer or admin loop: not ours to read
    if (Loops.empty()) {
      OuterFor = For;
      OuterComp = Comp;
    }
    Loops.push_back(L->second);
  }
  if (Loops.empty())
    return;
  // The range the query's inputs are read in: the access, or only the iterable when the
  // query is a nested loop's own (its header also holds its target).
  Range Reads = E.AccessExpr;
  if (E.Access == E.AccessExpr && E.AccessExpr != Q->Src->Chain) {
    const Stmt *For = nullptr;
    const Expr *Comp = nullptr;
    LoopInfo Probe;
    Probe.Header = E.AccessExpr;
    Probe.Function = Fn;
    findLoop(Probe, For, Comp);
    if (For || Comp)
      Reads = Q->Src->Chain;
  }
  // What the loops bind or change: targets, assignments (a subscript or attribute target
  // changes its root), `:=`, `del`, and any local a method is called on outside the query
  // (`seen.append(x)`), since that may change what the query reads.
  llvm::StringSet<> Changed, Used;
  auto OnExpr = [&](const Expr *X) {
    if (X->Kind == ExprKind::Name && Reads.contains(X->Where))
      Used.insert(X->Id);
    if (X->Kind == ExprKind::Comprehension)
      for (const py::CompFor &G : X->Gens)
        targetNames(G.Target, Changed);
    if (X->Kind == ExprKind::Lambda)
      return;
    if (X->Kind == ExprKind::Other && X->Args.size() == 2 &&
        File->slice({X->Args[0]->Where.End, X->Args[1]->Where.Begin}).contains(":="))
      targetNames(X->Args[0], Changed);
    if (X->Kind == ExprKind::Call && X->Object && X->Object->Kind == ExprKind::Attribute &&
        !Reads.contains(X->Where))
      if (const Expr *Root = targetRoot(X->Object->Object); Root && Env.count(Root->Id))
        Changed.insert(Root->Id);
  };
  auto OnStmt = [&](const Stmt *St) { namesBoundBy(St, *File, Changed); };

  if (OuterFor) {
    walkStmt(OuterFor, OnStmt, OnExpr); // the loop statement itself, header included
  } else {
    walkExpr(OuterComp, OnExpr);
  }
  for (const auto &N : Used)
    if (Changed.count(N.getKey()))
      return;
  E.Invariant = true;
  E.Loops = std::move(Loops);
}

// ---- NP201: a write per row ----------------------------------------------------

void Interp::readSaveReceivers(const index::ModuleInfo *Mod) {
  auto [Slot, New] = S.SaveReceivers.try_emplace(Mod);
  if (Mod->Builtin || !Mod->Ast || !New)
    return;
  llvm::StringRef Text = Mod->Ast->file().text();
  if (!Text.contains("pre_save") && !Text.contains("post_save"))
    return;
  auto SenderOf = [&](const Expr *X) -> const Model * {
    if (!X)
      return nullptr;
    if (X->Kind == ExprKind::String)
      return S.G.modelByLabel(X->Id);
    if (llvm::StringRef(X->dotted()).ends_with("AUTH_USER_MODEL"))
      return S.G.authUser();
    std::string Q = S.P.resolveExpr(*Mod, X);
    return Q.empty() ? nullptr : S.G.modelNamed(S.P, Q);
  };
  auto SaveSignal = [](const Expr *X) -> std::string {
    if (!X)
      return "";
    std::string Dotted = X->dotted(); // `post_save`, `signals.post_save`
    llvm::StringRef Last = llvm::StringRef(Dotted).rsplit('.').second;
    if (Last.empty())
      Last = Dotted;
    return Last == "pre_save" || Last == "post_save" ? Last.str() : "";
  };
  auto Add = [&](const std::string &Signal, const Expr *Sender, Range Where) {
    SaveReceiver R;
    R.Signal = Signal;
    R.Sender = SenderOf(Sender);
    R.File = &Mod->Ast->file();
    R.Where = Where;
    Slot->second.push_back(R);
  };
  auto OnStmt = [&](const Stmt *St) {
    // @receiver(post_save, sender=Order) / @receiver([pre_save, post_save], ...)
    for (const Expr *D : St->Decorators) {
      if (D->Kind != ExprKind::Call || D->Args.empty() ||
          !llvm::StringRef(D->Object->dotted()).ends_with("receiver"))
        continue;
      std::vector<const Expr *> Signals{D->Args[0]};
      if (D->Args[0]->Kind == ExprKind::List || D->Args[0]->Kind == ExprKind::Tuple)
        Signals.assign(D->Args[0]->Args.begin(), D->Args[0]->Args.end());
      for (const Expr *Sig : Signals)
        if (std::string Name = SaveSignal(Sig); !Name.empty())
          Add(Name, D->keyword("sender"), St->NameWhere);
    }
  };
  auto OnExpr = [&](const Expr *X) {
    // post_save.connect(handler, sender=Order) / .connect(handler, Order)
    if (X->Kind != ExprKind::Call || !X->Object || X->Object->Kind != ExprKind::Attribute ||
        X->Object->Id != "connect")
      return;
    std::string Name = SaveSignal(X->Object->Object);
    if (Name.empty())
      return;
    const Expr *Sender = X->keyword("sender");
    if (!Sender && X->Args.size() > 1)
      Sender = X->Args[1];
    Add(Name, Sender, X->Where);
  };
  walkBody(Mod->Ast->Body, OnStmt, OnExpr);
}

void Interp::writeHook(Event &E, const Model *Mo, llvm::StringRef Write) {
  // A save()/delete() of the project's own (on the model or a base).
  index::ClassRef Owner;
  if (const Stmt *Def = modelMethod(Mo, Write, Owner)) {
    E.Hook = Owner.Def->Name + "." + Write.str() + "()";
    E.HookFile = &Owner.Module->Ast->file();
    E.HookWhere = Def->NameWhere;
    return;
  }
  // A base we cannot see, or a third-party one (mptt, treebeard, model-utils...), may
  // override it: their save() keeps tree columns and timestamps.
  llvm::SmallVector<const Model *, 8> Work{Mo};
  llvm::DenseSet<const Model *> Seen;
  while (!Work.empty()) {
    const Model *At = Work.pop_back_val();
    if (!At || !Seen.insert(At).second)
      continue;
    // The catalog's third-party models (treebeard, mptt, ...) stand for code nplus1 does not
    // read; only Django's own are modelled in full.
    if (At->HasUnknownBase || (At->Builtin && !index::isDjangoModule(At->QualName))) {
      E.Hook = "a base class of " + Mo->Name + " that nplus1 cannot read (" +
               (At->Builtin ? At->QualName : At->Name) + ")";
      return;
    }
    for (const Model *P : At->Parents)
      Work.push_back(P);
  }
  // Rows deleted through a queryset still send pre_delete/post_delete, one per row; rows
  // written by bulk_update() or update() send no pre_save/post_save.
  if (Write != "save")
    return;
  // Receivers are looked for where projects put them: the model's app and the module
  // with the loop (models, signals, receivers, handlers, apps), by name, so that the
  // incremental cache knows the finding depends on those files.
  llvm::SmallVector<std::string, 4> Packages;
  llvm::StringRef Qual = Mo->QualName;
  if (size_t At = Qual.find(".models"); At != llvm::StringRef::npos)
    Packages.push_back(Qual.substr(0, At).str());
  else if (Qual.contains('.'))
    Packages.push_back(Qual.rsplit('.').first.rsplit('.').first.str());
  Packages.push_back(llvm::StringRef(M.Name).rsplit('.').first.str());
  std::vector<const index::ModuleInfo *> Mods{&M};
  for (const std::string &Pkg : Packages)
    if (!Pkg.empty())
      for (const char *Leaf : {"models", "signals", "receivers", "handlers", "apps",
                               "signals.handlers", "signals.receivers"})
        if (const index::ModuleInfo *Found = S.P.module(Pkg + "." + Leaf))
          Mods.push_back(Found);
  for (const index::ModuleInfo *Mod : Mods)
    readSaveReceivers(Mod);
  for (const index::ModuleInfo *Mod : Mods)
    for (const SaveReceiver &R : S.SaveReceivers[Mod])
      if (!R.Sender || R.Sender == Mo) {
        E.Hook = "a " + R.Signal + " receiver";
        E.HookFile = R.File;
        E.HookWhere = R.Where;
        return;
      }
}

std::shared_ptr<const LoopInfo> Interp::loopOfFilteredRow(const ValueRef &Recv,
                                                          const Expr *Call) const {
  std::shared_ptr<const LoopInfo> Loop;
  const Expr *Chain = Call->Object->Object;
  while (Chain && Chain->Kind == ExprKind::Call && Chain->Object &&
         Chain->Object->Kind == ExprKind::Attribute && !Loop) {
    if (Chain->Object->Id == "filter")
      for (const py::Keyword &K : Chain->Keywords) {
        if (K.Name != "pk" && K.Name != "id" && K.Name != "pk__exact" && K.Name != "id__exact")
          continue;
        const Expr *V = K.Value;
        if (V->Kind == ExprKind::Attribute && (V->Id == "pk" || V->Id == "id"))
          V = V->Object;
        if (V->Kind != ExprKind::Name)
          continue;
        auto It = Env.find(V->Id);
        if (It == Env.end() || !It->second->is(ValueKind::Instance) || !It->second->Row ||
            It->second->Model != Recv->Model)
          continue;
        const RowInfo &R = *It->second->Row;
        if (R.Loop && ActiveLoops.count(R.Loop->Id) && !R.Loop->SingleObject)
          Loop = R.Loop;
      }
    Chain = Chain->Object->Object;
  }
  return Loop;
}

bool Interp::writesEveryPass(const LoopInfo &Loop, const Expr *Call, llvm::StringRef Name) {
  const Stmt *For = nullptr;
  const Expr *Comp = nullptr;
  findLoop(Loop, For, Comp);
  if (!For && !Comp)
    return false;
  if (Comp)
    for (const py::CompFor &G : Comp->Gens)
      for (const Expr *If : G.Ifs)
        if (If->Where.contains(Call->Where))
          return false;
  if (For) {
    llvm::SmallVector<const Stmt *, 8> Path;
    statementAt(For->Body, Call->Where, Path);
    for (const Stmt *St : Path) {
      if (St->Kind == StmtKind::If || St->Kind == StmtKind::While)
        return false;
      if (St->Kind == StmtKind::Try &&
          !llvm::any_of(St->Body, [&](const Stmt *C) { return C->Where.contains(Call->Where); }))
        return false; // in an `except`, `else` or `finally` branch
      // `try: obj.delete() except IntegrityError: ...` on purpose: one failing row must not
      // stop the others, which a queryset-wide write would.
      if (St->Kind == StmtKind::Try && !St->Handlers.empty())
        return false;
    }
    // A loop that sleeps between its writes paces them on purpose (to spare the database
    // or an API): one write for all the rows is what it avoids.
    if (pacesItself(For->Body, M))
      return false;
    // `obj.pk = None; obj.save()` copies the row: an INSERT (bulk_create), not our advice.
    const Expr *Target = Call->Object->Object;
    if (Name == "save" && Target->Kind == ExprKind::Name) {
      bool Copies = false;
      std::function<void(llvm::ArrayRef<Stmt *>)> Scan = [&](llvm::ArrayRef<Stmt *> Body) {
        for (const Stmt *St : Body) {
          if (St->Kind == StmtKind::Assign && St->Value && St->Value->Kind == ExprKind::Constant &&
              St->Value->Id == "None")
            for (const Expr *T : St->Targets)
              Copies |= T->Kind == ExprKind::Attribute && (T->Id == "pk" || T->Id == "id") &&
                        T->Object->isName(Target->Id);
          Scan(St->Body);
          Scan(St->OrElse);
        }
      };
      Scan(For->Body);
      if (Copies)
        return false;
    }
    auto Exits = [&](const Stmt *St, bool Nested) {
      llvm::StringRef T = File->slice(St->Where);
      return St->Kind == StmtKind::Return || T.starts_with("raise") || (!Nested && T == "break");
    };
    bool Nested = false;
    llvm::ArrayRef<Stmt *> Level = For->Body;
    for (const Stmt *St : Path) {
      if (Exits(St, Nested))
        return false; // `return obj.save()`
      auto Pos = llvm::find(Level, St);
      if (Pos != Level.end())
        for (auto After = std::next(Pos); After != Level.end(); ++After)
          if (Exits(*After, Nested))
            return false;
      Nested |= St->Kind == StmtKind::For || St->Kind == StmtKind::While;
      // The next level is the child body that holds the write.
      for (const py::NodeList<Stmt *> *Child : {&St->Body, &St->OrElse, &St->Finally})
        if (llvm::any_of(*Child, [&](const Stmt *C) { return C->Where.contains(Call->Where); }))
          Level = *Child;
      for (const auto &H : St->Handlers)
        if (llvm::any_of(H, [&](const Stmt *C) { return C->Where.contains(Call->Where); }))
          Level = H;
    }
  }
  return true;
}

void Interp::writePerRow(const ValueRef &Recv, const Expr *Call) {
  if (!Report || Collect || ActiveLoops.empty())
    return;
  llvm::StringRef Name = Call->Object->Id;
  unsigned Flags = index::modelMethodFlags(Name);
  std::shared_ptr<const LoopInfo> Loop;
  const Model *Mo = nullptr;
  std::vector<std::string> Fields;
  auto Literals = [&](const Expr *L) {
    if (L && (L->Kind == ExprKind::List || L->Kind == ExprKind::Tuple))
      for (const Expr *A : L->Args)
        if (A->Kind == ExprKind::String)
          Fields.push_back(A->Id);
  };
  if ((Flags & index::mm::RowWrite) && Recv->is(ValueKind::Instance) && Recv->Row) {
    // A loop row itself, or an object read from it (`order.customer.save()`).
    const RowInfo &R = *Recv->Row;
    if (!R.Loop || !ActiveLoops.count(R.Loop->Id) || (R.Loop->SingleObject && !R.ThroughMany))
      return;
    Loop = R.Loop;
    Mo = Recv->Model;
    if (Name == "save")
      Literals(Call->keyword("update_fields"));
  } else if ((Flags & index::mm::QuerySetWrite) && Recv->is(ValueKind::QuerySet) && !Recv->Row &&
             Recv->Src && Recv->Src->CreatedInLoop && ActiveLoops.count(Recv->Src->CreatedInLoop)) {
    // `Model.objects.filter(pk=row.pk).update(...)`: one row, the loop's, per pass.
    Loop = loopOfFilteredRow(Recv, Call);
    if (!Loop)
      return;
    Mo = Recv->Model;
    for (const py::Keyword &K : Call->Keywords)
      if (!K.Name.empty())
        Fields.push_back(K.Name);
  } else {
    return;
  }
  if (!Mo || !Loop)
    return;
  if (!writesEveryPass(*Loop, Call, Name))
    return;
  if (!S.EventKeys
           .insert({EvFile, Call->Object->IdWhere.Begin, int(EventKind::WritePerRow),
                    Loop->Source.get(), ""})
           .second)
    return;
  Event E = event(EventKind::WritePerRow, Call->Object->IdWhere, Call->Where);
  E.Loop = Loop;
  E.Model = Mo;
  E.Write = Name.str();
  E.WriteFields = std::move(Fields);
  if (Recv->is(ValueKind::Instance))
    writeHook(E, Mo, Name);
  S.Events.push_back(std::move(E));
}

} // namespace nplus1::flow::detail
