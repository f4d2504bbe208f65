// The model graph in the incremental cache: a run that changed no model reads the graph
// back instead of parsing every models module to build it again.
#include "index/Codec.h"
#include "index/ModelGraph.h"

#include "llvm/ADT/DenseMap.h"

namespace nplus1::index {

namespace {

using codec::Reader;
using codec::Writer;

/// Module and class name of a class ("" "" for none).
void writeClass(Writer &W, const ClassRef &C, llvm::StringRef Module, llvm::StringRef Symbol) {
  if (C) {
    W.bytes(C.Module->Name);
    W.bytes(llvm::StringRef(C.QualName).drop_front(C.Module->Name.size() + 1));
  } else {
    W.bytes(Module);
    W.bytes(Symbol);
  }
}

/// Finds a class in the loaded modules; leaves \p Out empty when its module is not loaded.
/// Fails when the module is loaded but no longer defines the class.
llvm::Error bindClass(const llvm::StringMap<const ModuleInfo *> &Loaded, const std::string &Module,
                      const std::string &Symbol, ClassRef &Out) {
  Out = {};
  if (Module.empty())
    return llvm::Error::success();
  auto Found = Loaded.find(Module);
  if (Found == Loaded.end())
    return llvm::Error::success();
  auto It = Found->second->Classes.find(Symbol);
  if (It == Found->second->Classes.end())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "class %s not in %s",
                                   Symbol.c_str(), Module.c_str());
  Out = {It->second, Found->second, Module + "." + Symbol};
  return llvm::Error::success();
}

} // namespace

std::string ModelGraph::encode() const {
  llvm::DenseMap<const Model *, uint64_t> Index;
  for (size_t I = 0; I < Models.size(); ++I)
    Index[Models[I].get()] = I + 1; // 0: none
  auto Ref = [&](const Model *M) { return M ? Index.lookup(M) : 0; };
  Writer W;
  W.u64(Models.size());
  for (const auto &M : Models) {
    W.bytes(M->Name);
    W.bytes(M->AppLabel);
    W.bytes(M->QualName);
    writeClass(W, M->Class, M->ClassModule, M->ClassSymbol);
    W.u64(M->Abstract | M->Proxy << 1 | M->Builtin << 2 | M->HasUnknownBase << 3 | M->Ordered << 4);
    W.u64(M->Parents.size());
    for (const Model *P : M->Parents)
      W.u64(Ref(P));
    // Relations and columns in name order: the same graph always encodes the same.
    std::vector<llvm::StringRef> Names;
    for (const auto &E : M->Relations)
      Names.push_back(E.first());
    llvm::sort(Names);
    W.u64(Names.size());
    for (llvm::StringRef Name : Names) {
      const Relation &R = M->Relations.find(Name)->second;
      W.bytes(Name);
      W.bytes(R.Name);
      W.u64(uint64_t(R.Kind));
      W.u64(Ref(R.Owner));
      W.u64(Ref(R.Target));
      W.bytes(R.Counterpart);
      W.u64(R.Nullable | R.ParentLink << 1);
    }
    for (const llvm::StringSet<> *Set : {&M->Columns, &M->UniqueColumns}) {
      Names.clear();
      for (const auto &C : *Set)
        Names.push_back(C.getKey());
      llvm::sort(Names);
      W.u64(Names.size());
      for (llvm::StringRef Name : Names)
        W.bytes(Name);
    }
    W.u64(M->Managers.size());
    for (const ManagerInfo &I : M->Managers) {
      W.bytes(I.Name);
      writeClass(W, I.ManagerClass, I.ManagerModule, I.ManagerSymbol);
      writeClass(W, I.QuerySetClass, I.QuerySetModule, I.QuerySetSymbol);
      W.u64(I.External);
    }
    W.bytes(M->DefaultRelatedName);
  }
  for (const llvm::StringMap<Model *> *Map : {&ByQualName, &ByLabel}) {
    std::vector<std::pair<llvm::StringRef, uint64_t>> Entries;
    for (const auto &E : *Map)
      Entries.emplace_back(E.first(), Ref(E.second));
    llvm::sort(Entries);
    W.u64(Entries.size());
    for (const auto &[Key, Model] : Entries) {
      W.bytes(Key);
      W.u64(Model);
    }
  }
  W.bytes(AuthUserLabel);
  std::vector<std::pair<llvm::StringRef, uint64_t>> Attrs;
  for (const auto &E : RequestAttrs)
    Attrs.push_back({E.first(), Ref(E.second)});
  llvm::sort(Attrs);
  W.u64(Attrs.size());
  for (const auto &[Key, Model] : Attrs) {
    W.bytes(Key);
    W.u64(Model);
  }
  return std::move(W.Out);
}

llvm::Expected<std::unique_ptr<ModelGraph>> ModelGraph::decode(llvm::StringRef Bytes) {
  auto G = std::make_unique<ModelGraph>();
  Reader R(Bytes);
  size_t N = R.count();
  for (size_t I = 0; I < N; ++I)
    G->Models.push_back(std::make_unique<Model>());
  auto At = [&](uint64_t Ref) -> Model * {
    if (Ref > N) {
      R.fail("model index out of range");
      return nullptr;
    }
    return Ref ? G->Models[Ref - 1].get() : nullptr;
  };
  for (size_t I = 0; I < N; ++I) {
    Model &M = *G->Models[I];
    M.Name = R.bytes().str();
    M.AppLabel = R.bytes().str();
    M.QualName = R.bytes().str();
    M.ClassModule = R.bytes().str();
    M.ClassSymbol = R.bytes().str();
    uint64_t Flags = R.u64();
    M.Abstract = Flags & 1;
    M.Proxy = Flags & 2;
    M.Builtin = Flags & 4;
    M.HasUnknownBase = Flags & 8;
    M.Ordered = Flags & 16;
    for (size_t P = 0, NP = R.count(); P < NP; ++P)
      M.Parents.push_back(At(R.u64()));
    for (size_t J = 0, NR = R.count(); J < NR; ++J) {
      llvm::StringRef Key = R.bytes();
      Relation Rel;
      Rel.Name = R.bytes().str();
      Rel.Kind = RelationKind(R.u64());
      Rel.Owner = At(R.u64());
      Rel.Target = At(R.u64());
      Rel.Counterpart = R.bytes().str();
      uint64_t F = R.u64();
      Rel.Nullable = F & 1;
      Rel.ParentLink = F & 2;
      M.Relations[Key] = std::move(Rel);
    }
    for (size_t J = 0, NC = R.count(); J < NC; ++J)
      M.Columns.insert(R.bytes());
    for (size_t J = 0, NC = R.count(); J < NC; ++J)
      M.UniqueColumns.insert(R.bytes());
    for (size_t J = 0, NM = R.count(); J < NM; ++J) {
      ManagerInfo Info;
      Info.Name = R.bytes().str();
      Info.ManagerModule = R.bytes().str();
      Info.ManagerSymbol = R.bytes().str();
      Info.QuerySetModule = R.bytes().str();
      Info.QuerySetSymbol = R.bytes().str();
      Info.External = R.u64();
      M.Managers.push_back(std::move(Info));
    }
    M.DefaultRelatedName = R.bytes().str();
  }
  for (size_t J = 0, NQ = R.count(); J < NQ; ++J) {
    llvm::StringRef Key = R.bytes();
    G->ByQualName[Key] = At(R.u64());
  }
  for (size_t J = 0, NL = R.count(); J < NL; ++J) {
    llvm::StringRef Key = R.bytes();
    G->ByLabel[Key] = At(R.u64());
  }
  G->AuthUserLabel = R.bytes().str();
  for (size_t J = 0, NA = R.count(); J < NA; ++J) {
    llvm::StringRef Key = R.bytes();
    G->RequestAttrs[Key] = At(R.u64());
  }
  if (!R.failed() && !R.done())
    R.fail("trailing bytes after the model graph");
  if (R.failed())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", R.error().str().c_str());
  return G;
}

llvm::Error ModelGraph::bind(const Project &P) {
  // By name, the way Project::module() resolves (the last module of a name wins), without
  // recording lookups: reading the cache is not analysis.
  llvm::StringMap<const ModuleInfo *> Loaded;
  for (const auto &M : P.modules())
    Loaded[M->Name] = M.get();
  for (const auto &M : Models) {
    if (llvm::Error E = bindClass(Loaded, M->ClassModule, M->ClassSymbol, M->Class))
      return E;
    for (ManagerInfo &I : M->Managers) {
      if (llvm::Error E = bindClass(Loaded, I.ManagerModule, I.ManagerSymbol, I.ManagerClass))
        return E;
      if (llvm::Error E = bindClass(Loaded, I.QuerySetModule, I.QuerySetSymbol, I.QuerySetClass))
        return E;
    }
  }
  return llvm::Error::success();
}

} // namespace nplus1::index
