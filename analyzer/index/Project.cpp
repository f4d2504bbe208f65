#include "index/Project.h"

#include "AnalysisLimits.h"
#include "index/Framework.h"
#include "index/Lookups.h"

namespace nplus1::index {

thread_local Lookups *detail::CurrentLookups = nullptr;

using py::ExprKind;
using py::StmtKind;

std::string ModuleInfo::packageName() const {
  if (IsPackage)
    return Name;
  size_t Dot = Name.rfind('.');
  return Dot == std::string::npos ? "" : Name.substr(0, Dot);
}

ModuleInfo &Project::addModule(std::shared_ptr<const py::Module> Ast, std::string Name,
                               bool IsPackage, bool Builtin) {
  auto M = std::make_unique<ModuleInfo>();
  M->Ast = std::move(Ast);
  M->Name = std::move(Name);
  M->IsPackage = IsPackage;
  M->Builtin = Builtin;
  Modules.push_back(std::move(M));
  return *Modules.back();
}

namespace {

/// Resolves `from ..x import y` inside module \p M to the absolute module name.
std::string absoluteModule(const ModuleInfo &M, llvm::StringRef Spec) {
  if (!Spec.starts_with("."))
    return Spec.str();
  std::string Base = M.packageName();
  Spec = Spec.drop_front();
  while (Spec.consume_front(".")) {
    size_t Dot = Base.rfind('.');
    Base = Dot == std::string::npos ? "" : Base.substr(0, Dot);
  }
  if (Spec.empty())
    return Base;
  return Base.empty() ? Spec.str() : Base + "." + Spec.str();
}

void indexStatements(ModuleInfo &M, llvm::ArrayRef<py::Stmt *> Body) {
  for (const py::Stmt *S : Body) {
    switch (S->Kind) {
    case StmtKind::Class:
      M.Classes[S->Name] = S;
      break;
    case StmtKind::Function:
      M.Functions[S->Name] = S;
      break;
    case StmtKind::Import:
      for (const py::ImportName &I : S->Imports) {
        if (!I.AsName.empty())
          M.Imports[I.AsName] = I.Name;
        else // `import a.b` binds `a`
          M.Imports[llvm::StringRef(I.Name).split('.').first] =
              llvm::StringRef(I.Name).split('.').first.str();
      }
      break;
    case StmtKind::ImportFrom: {
      std::string From = absoluteModule(M, S->Module);
      for (const py::ImportName &I : S->Imports) {
        if (I.Name == "*") {
          M.StarImports.push_back(From);
          continue;
        }
        std::string Target = From.empty() ? I.Name : From + "." + I.Name;
        M.Imports[I.AsName.empty() ? I.Name : I.AsName] = Target;
      }
      break;
    }
    case StmtKind::Assign:
      for (const py::Expr *T : S->Targets)
        if (T->Kind == ExprKind::Name && S->Value)
          M.Globals[T->Id] = S->Value;
      break;
    case StmtKind::If:
    case StmtKind::Try:
      // Conditional imports and definitions (`try: from x import y`) still bind.
      indexStatements(M, S->Body);
      indexStatements(M, S->OrElse);
      for (auto &H : S->Handlers)
        indexStatements(M, H);
      break;
    default:
      break;
    }
  }
}

} // namespace

void Project::freeze() {
  for (auto &M : Modules) {
    ByName[M->Name] = M.get();
    ByFile[&M->Ast->file()] = M.get();
    indexStatements(*M, M->Ast->Body);
  }
  // Projects that put a source folder on sys.path (`apps/` added in manage.py, a `src/`
  // inside a package) import `forums.models` for the module we name
  // `kitsune.apps.forums.models`: every dotted tail of two or more parts that names one
  // module only is a second name for it.
  if (!TailsGiven) {
    llvm::StringSet<> Names;
    for (auto &M : Modules)
      if (!M->Builtin)
        Names.insert(M->Name);
    Tails = uniqueTails(Names);
  }
  for (const auto &[Tail, Full] : Tails)
    ByTail[Tail] = ByName.lookup(Full); // null while that module is not loaded
}

std::map<std::string, std::string> uniqueTails(const llvm::StringSet<> &Names) {
  std::map<std::string, std::string> Out;
  llvm::StringSet<> Ambiguous;
  for (const auto &E : Names) {
    llvm::StringRef Name = E.getKey();
    for (size_t Dot = Name.find('.'); Dot != llvm::StringRef::npos; Dot = Name.find('.', Dot + 1)) {
      llvm::StringRef Tail = Name.substr(Dot + 1);
      if (!Tail.contains('.') || Names.count(Tail))
        break;
      auto [It, New] = Out.try_emplace(Tail.str(), Name.str());
      if (!New && It->second != Name)
        Ambiguous.insert(Tail); // two modules end the same way: no second name
    }
  }
  for (const auto &A : Ambiguous)
    Out.erase(A.getKey().str());
  return Out;
}

const ModuleInfo *Project::module(llvm::StringRef Name) const {
  noteModuleLookup(Name);
  auto It = ByName.find(Name);
  if (It != ByName.end())
    return It->second;
  auto T = ByTail.find(Name);
  return T == ByTail.end() || isDjangoModule(Name) ? nullptr : T->second;
}

std::string Project::resolveName(const ModuleInfo &M, llvm::StringRef Name) const {
  return resolveNameAt(M, Name, 0);
}

std::string Project::resolveNameAt(const ModuleInfo &M, llvm::StringRef Name,
                                   unsigned Depth) const {
  if (Depth > limits::ImportChain)
    return "";
  if (M.Classes.count(Name) || M.Functions.count(Name) || M.Globals.count(Name))
    return M.Name + "." + Name.str();
  auto It = M.Imports.find(Name);
  if (It != M.Imports.end())
    return It->second;
  for (const std::string &Star : M.StarImports) {
    const ModuleInfo *S = module(Star);
    if (S && S != &M && exportsByStar(*S, Name) &&
        (S->Classes.count(Name) || S->Functions.count(Name) || S->Imports.count(Name) ||
         S->Globals.count(Name) || !S->StarImports.empty())) {
      std::string Q = resolveNameAt(*S, Name, Depth + 1);
      if (!Q.empty())
        return Q;
    }
  }
  return "";
}

bool Project::exportsByStar(const ModuleInfo &M, llvm::StringRef Name) {
  auto All = M.Globals.find("__all__");
  if (All == M.Globals.end())
    return !Name.starts_with("_");
  const py::Expr *L = All->second;
  if (L->Kind != ExprKind::List && L->Kind != ExprKind::Tuple)
    return true; // computed: assume it may export anything
  for (const py::Expr *E : L->Args)
    if (E->Kind == ExprKind::String && E->Id == Name)
      return true;
  return false;
}

std::string Project::resolveExpr(const ModuleInfo &M, const py::Expr *E) const {
  if (!E)
    return "";
  if (E->Kind == ExprKind::Name)
    return resolveName(M, E->Id);
  if (E->Kind != ExprKind::Attribute)
    return "";
  std::string Base = resolveExpr(M, E->Object);
  return Base.empty() ? "" : Base + "." + E->Id;
}

bool Project::resolveQual(llvm::StringRef QualName, const ModuleInfo *&M, std::string &Symbol,
                          unsigned Depth) const {
  if (Depth > limits::ImportChain)
    return false;
  // The longest module prefix of QualName that we know.
  for (size_t Dot = QualName.rfind('.'); Dot != llvm::StringRef::npos;
       Dot = QualName.substr(0, Dot).rfind('.')) {
    const ModuleInfo *Owner = module(QualName.substr(0, Dot));
    if (!Owner)
      continue;
    llvm::StringRef Name = QualName.substr(Dot + 1);
    if (Name.contains('.'))
      return false;
    if (Owner->Classes.count(Name) || Owner->Functions.count(Name) || Owner->Globals.count(Name)) {
      M = Owner;
      Symbol = Name.str();
      return true;
    }
    std::string Next = resolveName(*Owner, Name);
    if (Next.empty() || Next == QualName)
      return false;
    return resolveQual(Next, M, Symbol, Depth + 1);
  }
  return false;
}

ClassRef Project::classNamed(llvm::StringRef QualName) const {
  const ModuleInfo *M = nullptr;
  std::string Symbol;
  if (!resolveQual(QualName, M, Symbol, 0))
    return {};
  auto It = M->Classes.find(Symbol);
  if (It == M->Classes.end())
    return {};
  return {It->second, M, M->Name + "." + Symbol};
}

FunctionRef Project::functionNamed(llvm::StringRef QualName) const {
  const ModuleInfo *M = nullptr;
  std::string Symbol;
  if (!resolveQual(QualName, M, Symbol, 0))
    return {};
  auto It = M->Functions.find(Symbol);
  if (It == M->Functions.end())
    return {};
  return {It->second, M, M->Name + "." + Symbol};
}

const py::Expr *Project::globalNamed(llvm::StringRef QualName, const ModuleInfo *&Owner) const {
  const ModuleInfo *M = nullptr;
  std::string Symbol;
  if (!resolveQual(QualName, M, Symbol, 0))
    return nullptr;
  auto It = M->Globals.find(Symbol);
  if (It == M->Globals.end())
    return nullptr;
  Owner = M;
  return It->second;
}

std::vector<std::pair<std::string, std::string>>
Project::importBindings(const ModuleInfo &M, const py::Stmt &Import) const {
  std::vector<std::pair<std::string, std::string>> Out;
  if (Import.Kind == StmtKind::ImportFrom) {
    std::string From = absoluteModule(M, Import.Module);
    for (const py::ImportName &I : Import.Imports)
      if (I.Name != "*")
        Out.push_back(
            {I.AsName.empty() ? I.Name : I.AsName, From.empty() ? I.Name : From + "." + I.Name});
    return Out;
  }
  for (const py::ImportName &I : Import.Imports) {
    if (!I.AsName.empty())
      Out.push_back({I.AsName, I.Name});
    else
      Out.push_back({llvm::StringRef(I.Name).split('.').first.str(),
                     llvm::StringRef(I.Name).split('.').first.str()});
  }
  return Out;
}

ClassRef Project::classFor(const ModuleInfo &M, const py::Expr *E) const {
  std::string Q = resolveExpr(M, E);
  return Q.empty() ? ClassRef{} : classNamed(Q);
}

std::vector<ClassRef> Project::bases(const ClassRef &C) const {
  std::vector<ClassRef> Out;
  for (const py::Expr *B : C.Def->Bases)
    if (ClassRef R = classFor(*C.Module, B); R && R.Def != C.Def)
      Out.push_back(R);
  return Out;
}

namespace {

/// C3's merge step: repeatedly takes the first head of \p Lists that is in no list's
/// tail. False when no such head exists (an inconsistent hierarchy).
bool mergeC3(std::vector<std::vector<ClassRef>> Lists, std::vector<ClassRef> &Out) {
  auto InTail = [&](const ClassRef &X) {
    for (const auto &L : Lists)
      for (size_t I = 1; I < L.size(); ++I)
        if (L[I].Def == X.Def)
          return true;
    return false;
  };
  while (true) {
    llvm::erase_if(Lists, [](const std::vector<ClassRef> &L) { return L.empty(); });
    if (Lists.empty())
      return true;
    const ClassRef *Next = nullptr;
    for (const auto &L : Lists)
      if (!InTail(L.front())) {
        Next = &L.front();
        break;
      }
    if (!Next)
      return false;
    ClassRef Head = *Next;
    Out.push_back(Head);
    for (auto &L : Lists)
      if (L.front().Def == Head.Def)
        L.erase(L.begin());
  }
}

using MroMemo = llvm::DenseMap<const py::Stmt *, std::vector<ClassRef>>;

std::vector<ClassRef> mroOf(const Project &P, const ClassRef &C, unsigned Depth, MroMemo &Memo) {
  if (auto It = Memo.find(C.Def); It != Memo.end())
    return It->second;
  std::vector<ClassRef> Out{C};
  if (Depth > limits::AncestorWalk)
    return Out;
  std::vector<ClassRef> Bases = P.bases(C);
  std::vector<std::vector<ClassRef>> Lists;
  for (const ClassRef &B : Bases)
    Lists.push_back(mroOf(P, B, Depth + 1, Memo));
  Lists.push_back(Bases);
  if (mergeC3(std::move(Lists), Out))
    return Memo[C.Def] = Out;
  // No consistent order (Python would raise TypeError): breadth first, each class once.
  Out.assign(1, C);
  for (size_t I = 0; I < Out.size() && I < limits::AncestorWalk; ++I)
    for (const ClassRef &B : P.bases(Out[I]))
      if (llvm::none_of(Out, [&](const ClassRef &X) { return X.Def == B.Def; }))
        Out.push_back(B);
  return Memo[C.Def] = Out;
}

} // namespace

std::vector<ClassRef> Project::mro(const ClassRef &C) const {
  MroMemo Memo;
  return mroOf(*this, C, 0, Memo);
}

const py::Stmt *Project::findMethod(const ClassRef &C, llvm::StringRef Name,
                                    ClassRef *Owner) const {
  std::vector<ClassRef> Work{C};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    for (const py::Stmt *S : Work[I].Def->Body)
      if (S->Kind == StmtKind::Function && S->Name == Name) {
        if (Owner)
          *Owner = Work[I];
        return S;
      }
    for (ClassRef &B : bases(Work[I]))
      Work.push_back(B);
  }
  return nullptr;
}

bool Project::derivesFrom(const ClassRef &C, llvm::StringRef QualName) const {
  llvm::StringRef Last = QualName.rsplit('.').second;
  std::vector<ClassRef> Work{C};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    if (Work[I].QualName == QualName)
      return true;
    for (const py::Expr *B : Work[I].Def->Bases) {
      std::string Q = resolveExpr(*Work[I].Module, B);
      if (Q == QualName)
        return true;
      if (ClassRef R = classNamed(Q); R && R.Def != Work[I].Def) {
        Work.push_back(R);
        continue;
      }
      if (!Q.empty() && llvm::StringRef(Q).rsplit('.').second == Last && Last != "Model")
        return true;
    }
  }
  return false;
}

} // namespace nplus1::index
