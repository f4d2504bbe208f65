#include "driver/Pipeline.h"
#include "AnalysisLimits.h"
#include "driver/Baseline.h"

#include "cache/Cache.h"
#include "driver/TemplateKinds.h"
#include "fix/Fix.h"
#include "flow/Interpreter.h"
#include "index/Lookups.h"
#include "parse/Jade.h"
#include "parse/Jinja.h"
#include "parse/Python.h"
#include "report/Report.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/BuryPointer.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <cassert>
#include <chrono>
#include <set>

namespace nplus1::driver {

namespace {

/// One discovered file as this run sees it.
struct Input {
  std::shared_ptr<parse::SourceFile> Src; ///< null until read
  uint64_t Hash = 0;                      ///< 0: not readable as text
  uint64_t Size = 0;
  int64_t MTime = 0;
  std::string Error;
};

int64_t nanos(llvm::sys::TimePoint<> T) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(T.time_since_epoch()).count();
}

/// Reads one file into \p In; leaves Src null and sets Error when it cannot be read as text.
void readInto(const discover::File &F, Input &In) {
  In.Hash = 0;
  std::unique_ptr<llvm::MemoryBuffer> Disk;
  if (!F.Text) {
    auto Buf = llvm::MemoryBuffer::getFile(F.AbsPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!Buf) {
      In.Error = Buf.getError().message();
      return;
    }
    Disk = std::move(*Buf);
  }
  llvm::StringRef Text = F.Text ? llvm::StringRef(*F.Text) : Disk->getBuffer();
  if (Text.contains('\0')) {
    In.Error = "binary file (contains NUL bytes)";
    return;
  }
  if (Text.size() > 0xFFFFFFF0u) {
    In.Error = "file too large";
    return;
  }
  In.Hash = cache::contentHash(Text);
  In.Src = std::make_shared<parse::SourceFile>(F.Path, Text.str());
}

/// Whether finding \p D lies in or points into a file \p In accepts: its location, its
/// queryset, a note (the loop, the method that reads) or an edit of its fix.
bool pointsInto(const rules::Diagnostic &D,
                llvm::function_ref<bool(const parse::SourceFile *)> In) {
  if ((D.File && In(D.File)) || (D.QuerysetFile && In(D.QuerysetFile)))
    return true;
  if (llvm::any_of(D.Notes, [&](const rules::Note &N) { return N.File && In(N.File); }))
    return true;
  return D.Fix && llvm::any_of(report::fixEdits(D),
                               [&](const fix::Edit &E) { return E.File && In(E.File); });
}

/// What the parse / index / analysis rounds of a run produced.
struct Built {
  std::unique_ptr<index::Project> Project;
  std::unique_ptr<index::ModelGraph> Graph;
  std::unique_ptr<index::TemplateIndex> Templates;
  std::vector<const index::ModuleInfo *> ModuleOf;        ///< per file index (null: not loaded)
  std::vector<std::optional<rules::Diagnostic>> SyntaxOf; ///< per loaded file
  index::Lookups GraphLookups;
  unsigned Parsed = 0;
};

/// The run: the inputs, the old cache, and the maps from names to files. go() is the
/// whole run, step by step; each step keeps what later steps need in the members below.
class Run {
public:
  Run(Analysis &A, const Config &Settings, const CacheOptions &CO, bool WithDependents,
      Progress *Prog = nullptr)
      : A(A), Files(A.Files.Files), Settings(Settings), CO(CO), In(Files.size()), Rel(Files.size()),
        WithDependents(WithDependents), Prog(Prog) {}

  /// Analyzes, reusing the cache where it still holds, and fills the Analysis. Returns
  /// false, with the Analysis left to be done again without the cache, when a cached entry
  /// turned out not to match the files (or a file changed during the run).
  [[nodiscard]] bool go();
  /// Reads and parses every file and builds the indexes and the model graph, as a full
  /// run does, without the cache and without analyzing.
  void indexOnly();

private:
  Analysis &A;
  const std::vector<discover::File> &Files;
  const Config &Settings;
  const CacheOptions &CO;
  std::vector<Input> In;
  std::vector<std::string> Rel; ///< root-relative paths
  std::optional<cache::State> Old;
  llvm::StringMap<size_t> ModuleFile, TemplateFile, ByRel;
  std::map<std::string, std::string> Tails; ///< second module names (index::uniqueTails)
  llvm::DenseMap<const parse::SourceFile *, size_t> IndexOf;
  bool Raced = false; ///< a file changed between its stat and its read
  bool WithDependents;
  Progress *Prog; ///< null: no progress line
  /// Parsed once per run, shared by the index of every round.
  std::vector<std::shared_ptr<const parse::py::Module>> Parsed;
  std::vector<std::shared_ptr<const index::TemplateFile>> Tpls;
  std::vector<std::pair<std::string, std::shared_ptr<const parse::py::Module>>> Catalog;

  // What planWork() decided and the rounds changed, per file index.
  bool Full = false;       ///< every module is analyzed (no usable cache, or the models changed)
  bool Unchanged = false;  ///< nothing changed: every finding comes from the cache
  std::vector<char> Dirty; ///< the module is analyzed afresh
  std::vector<char> Load;  ///< the file is parsed and indexed
  // What the rounds produced.
  Built B;
  std::vector<index::Lookups> Lookups;               ///< what each dirty module looked up
  std::vector<std::vector<rules::Diagnostic>> Fresh; ///< each dirty module's findings
  /// The model graph of the last full run, decoded once, bound to each round's modules.
  std::unique_ptr<index::ModelGraph> CachedGraph;
  // What the findings are collected for.
  std::vector<char> Target; ///< the files asked about (and their importers)
  std::vector<std::optional<nlohmann::json>> Decoded; ///< cached findings, decoded on demand
  bool Stale = false;                                 ///< a cached finding did not read back

  bool isPython(size_t I) const { return Files[I].Kind == discover::FileKind::Python; }

  uint64_t moduleState(llvm::StringRef Name) const {
    auto It = ModuleFile.find(Name);
    return It == ModuleFile.end() ? 0 : In[It->second].Hash;
  }
  uint64_t templateState(llvm::StringRef Name) const {
    auto It = TemplateFile.find(Name);
    return It == TemplateFile.end() ? 0 : In[It->second].Hash;
  }

  /// The text of file \p I, read now if the stat said it was unchanged.
  const parse::SourceFile *source(size_t I) {
    if (!In[I].Src && In[I].Hash) {
      uint64_t Want = In[I].Hash;
      readInto(Files[I], In[I]);
      if (In[I].Hash != Want)
        Raced = true;
      if (In[I].Src)
        IndexOf[In[I].Src.get()] = I;
    }
    return In[I].Src.get();
  }
  /// The source file at root-relative path \p R (null when there is none).
  const parse::SourceFile *sourceAt(const std::string &R) {
    auto It = ByRel.find(R);
    return It == ByRel.end() ? nullptr : source(It->second);
  }
  /// The file index of \p F (none for a file not read in this run).
  std::optional<size_t> indexOf(const parse::SourceFile *F) const {
    auto It = IndexOf.find(F);
    return It == IndexOf.end() ? std::nullopt : std::optional<size_t>(It->second);
  }
  /// The file index of root-relative path \p R.
  std::optional<size_t> indexAt(llvm::StringRef R) const {
    auto It = ByRel.find(R);
    return It == ByRel.end() ? std::nullopt : std::optional<size_t>(It->second);
  }

  // The steps of go(), in order.
  void loadCache();
  void readInputs();
  void mapNames();
  void planWork();
  void analyzeRounds();
  void markTargets();
  std::vector<rules::Diagnostic> collectFindings();
  void saveCache();
  void finish(std::vector<rules::Diagnostic> Diags);

  // planWork()
  bool graphInputsChanged();
  void loadAll();
  void planFromCache();
  bool depsUnchanged(const cache::ModuleRecord &R) const;
  // analyzeRounds()
  bool round(unsigned Round);
  bool contributions();
  bool loadMissing();
  const index::ModelGraph *cachedGraph(const index::Project &P);
  void analyzeDirty(const index::ModelGraph &Graph);
  Built build(const std::vector<char> &Load, bool WithGraph);
  void parseLoaded(const std::vector<char> &Load);
  std::vector<std::string> importsOf(size_t I) const;
  // collectFindings()
  void fileFindings(std::vector<rules::Diagnostic> &Diags);
  std::optional<rules::Diagnostic> thawBlob(const cache::Blob &Blob);
  const nlohmann::json *cachedFindings(size_t I, const std::vector<char> &In);
  std::vector<char> locatedFiles();
  void moduleFindings(const std::vector<char> &Located, std::vector<rules::Diagnostic> &Diags);
  // saveCache()
  bool cacheWouldNotChange() const;
  std::optional<std::string> relPath(const parse::SourceFile *F) const;
  cache::FileRecord fileRecord(size_t I) const;
  std::optional<cache::ModuleRecord> moduleRecord(size_t I) const;
};

void Run::readInputs() {
  llvm::StringRef Root = A.Files.Root;
  for (size_t I = 0; I < Files.size(); ++I) {
    llvm::StringRef R = Files[I].AbsPath;
    if (R.consume_front(Root) && R.starts_with("/"))
      R = R.drop_front();
    Rel[I] = R.str();
    ByRel[Rel[I]] = I;
  }
  // A file whose size and modification time match the cache keeps its hash without being
  // read, unless it was modified so close to the cache's writing that an edit in the same
  // clock tick could hide (git's "racily clean" entries).
  llvm::parallelFor(0, Files.size(), [&](size_t I) {
    Input &F = In[I];
    if (Files[I].Text) {
      // An editor's text: no stat of the file on disk vouches for it, and its record is
      // kept with size and time 0, which no later stat matches.
      readInto(Files[I], F);
      return;
    }
    llvm::sys::fs::file_status St;
    if (Old && !Files[I].IsTarget && !llvm::sys::fs::status(Files[I].AbsPath, St)) {
      F.Size = St.getSize();
      F.MTime = nanos(St.getLastModificationTime());
      auto It = Old->Files.find(Rel[I]);
      if (It != Old->Files.end() && It->second.Hash && It->second.Size == F.Size &&
          It->second.MTime == F.MTime && F.MTime + 2'000'000'000 < Old->WrittenAt) {
        F.Hash = It->second.Hash;
        return;
      }
    } else if (!llvm::sys::fs::status(Files[I].AbsPath, St)) {
      F.Size = St.getSize();
      F.MTime = nanos(St.getLastModificationTime());
    }
    readInto(Files[I], F);
  });
  for (size_t I = 0; I < Files.size(); ++I)
    if (In[I].Src)
      IndexOf[In[I].Src.get()] = I;
}

/// The file each module and template name denotes, the way the project index and the
/// template index resolve them: the last Python file of a module name, the first template
/// of a template name.
void Run::mapNames() {
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!In[I].Hash)
      continue;
    if (isPython(I))
      ModuleFile[Files[I].ModuleName] = I;
    else
      TemplateFile.try_emplace(Files[I].TemplateName, I);
  }
  // The second names the index gives modules (index::uniqueTails), to the same files.
  llvm::StringSet<> Names;
  for (const auto &E : ModuleFile)
    Names.insert(E.getKey());
  Tails = index::uniqueTails(Names);
  for (const auto &[Tail, Full] : Tails)
    ModuleFile[Tail] = ModuleFile.lookup(Full);
}

bool Run::depsUnchanged(const cache::ModuleRecord &R) const {
  for (const auto &[Name, Hash] : R.Modules)
    if (moduleState(Name) != Hash)
      return false;
  for (const auto &[Name, Hash] : R.Templates)
    if (templateState(Name) != Hash)
      return false;
  return true;
}

/// Parses the files \p ToLoad selects that no earlier round parsed (in parallel).
void Run::parseLoaded(const std::vector<char> &ToLoad) {
  size_t N = Files.size();
  Parsed.resize(N);
  Tpls.resize(N);
  for (size_t I = 0; I < N; ++I)
    if (ToLoad[I])
      source(I);
  if (Prog)
    Prog->stage("parsing", llvm::count_if(ToLoad, [](char L) { return L; }), "files");
  llvm::parallelFor(0, N, [&](size_t I) {
    if (ToLoad[I] && Prog)
      Prog->tick();
    if (!ToLoad[I] || !In[I].Src || Parsed[I] || Tpls[I])
      return;
    if (isPython(I)) {
      Parsed[I] = parse::parsePython(In[I].Src);
      return;
    }
    auto T = std::make_shared<index::TemplateFile>();
    T->Name = Files[I].TemplateName;
    llvm::StringRef Text = In[I].Src->text();
    std::string_view Source(Text.data(), Text.size());
    discover::FileKind Kind = Files[I].Kind;
    unsigned Version = Settings.DjangoVersionKnown ? Settings.djangoVersion() : 0;
    T->IsJinja2 =
        Kind == discover::FileKind::JinjaTemplate || Kind == discover::FileKind::JadeJinjaTemplate;
    if (Kind == discover::FileKind::JadeTemplate || Kind == discover::FileKind::JadeJinjaTemplate) {
      // Compiled by pyjade first; a file it cannot lower is left unread.
      T->Tree = parse::tpl::parseJadeTemplate(
          Source, T->IsJinja2 ? parse::tpl::JadeTarget::Jinja2 : parse::tpl::JadeTarget::Django,
          Version);
      T->File = In[I].Src;
      Tpls[I] = std::move(T);
      return;
    }
    T->Tree = T->IsJinja2 ? parse::tpl::parseJinjaTemplate(Source)
                          : parse::tpl::parseTemplate(Source, Version);
    // A template Django cannot read but written in Jinja2's syntax is rendered by a
    // Jinja2 environment the settings do not name (jingo.render, coffin, a project's own).
    if (!T->IsJinja2 && !T->Tree.Errors.empty() && parse::tpl::hasJinjaSyntax(Source)) {
      T->IsJinja2 = true;
      T->Tree = parse::tpl::parseJinjaTemplate(Source);
    }
    T->File = In[I].Src;
    Tpls[I] = std::move(T);
  });
}

/// Parses the files \p ToLoad selects (those not parsed in an earlier round) and builds
/// the project index and the template index over them (plus Django's own models), and the
/// model graph when \p WithGraph.
Built Run::build(const std::vector<char> &ToLoad, bool WithGraph) {
  parseLoaded(ToLoad);
  size_t N = Files.size();
  Built Out;
  Out.ModuleOf.assign(N, nullptr);
  Out.SyntaxOf.resize(N);
  Out.Templates = std::make_unique<index::TemplateIndex>();
  Out.Project = std::make_unique<index::Project>();
  for (size_t I = 0; I < N; ++I) {
    if (!ToLoad[I])
      continue;
    if (const auto &T = Tpls[I]) {
      if (!T->Tree.Errors.empty()) {
        const auto &E = T->Tree.Errors.front();
        Out.SyntaxOf[I] = rules::syntaxError(*T->File, {E.Where.Begin, E.Where.End}, E.Message);
      }
      Out.Templates->add(T);
    }
    if (!Parsed[I])
      continue;
    ++Out.Parsed;
    if (!Parsed[I]->Errors.empty()) {
      const parse::py::SyntaxError &E = Parsed[I]->Errors.front();
      Out.SyntaxOf[I] = rules::syntaxError(Parsed[I]->file(), E.Where, E.Message);
    }
    Out.ModuleOf[I] =
        &Out.Project->addModule(Parsed[I], Files[I].ModuleName, Files[I].IsPackage, false);
  }
  // Django's own models, unless the project itself is Django.
  if (Catalog.empty())
    for (const index::CatalogModule &C : index::builtinCatalog())
      if (!ModuleFile.count(C.ModuleName))
        Catalog.emplace_back(C.ModuleName, parse::parsePython(std::make_shared<parse::SourceFile>(
                                               std::string("<django>/") + C.ModuleName, C.Source)));
  for (const auto &[Name, Ast] : Catalog)
    Out.Project->addModule(Ast, Name, false, true);
  Out.Project->setModuleTails(Tails); // over every file, loaded in this round or not
  Out.Project->freeze();
  if (WithGraph) {
    index::LookupScope Scope(Out.GraphLookups);
    Out.Graph = index::ModelGraph::build(*Out.Project);
  }
  return Out;
}

/// The qualified names module \p I imports (from its syntax tree, or from the cache).
std::vector<std::string> Run::importsOf(size_t I) const {
  std::vector<std::string> Out;
  if (const index::ModuleInfo *M = B.ModuleOf[I]) {
    for (const auto &E : M->Imports)
      Out.push_back(E.second);
    Out.insert(Out.end(), M->StarImports.begin(), M->StarImports.end());
    llvm::sort(Out);
    return Out;
  }
  if (Old)
    if (auto It = Old->Modules.find(Rel[I]); It != Old->Modules.end())
      return It->second.Imports;
  return Out;
}

bool Run::go() {
  loadCache();
  readInputs();
  mapNames();
  planWork();
  analyzeRounds();
  markTargets();
  std::vector<rules::Diagnostic> Diags = collectFindings();
  if (Stale || Raced)
    return false; // the cache said something the files no longer back up
  saveCache();
  finish(std::move(Diags));
  return true;
}

void Run::loadCache() {
  if (!CO.Use) {
    A.Stats.CacheNote = "cache disabled";
    return;
  }
  llvm::Expected<cache::State> S = cache::load(cache::directory(A.Files.Root, CO.Dir), CO.Key);
  if (!S) {
    A.Stats.CacheNote = llvm::toString(S.takeError());
    return;
  }
  Old = std::move(*S);
}

/// Which modules must be analyzed again: all of them without a cache or when anything the
/// model graph was built from changed; else those whose own file or any name they looked
/// up changed. Which files are parsed: those, and what they looked up last time.
void Run::planWork() {
  size_t N = Files.size();
  Dirty.assign(N, 0);
  Load.assign(N, 0);
  Lookups.resize(N);
  Fresh.resize(N);
  Decoded.resize(N);
  Full = !Old || graphInputsChanged();
  if (Full)
    loadAll();
  else
    planFromCache();
  // Nothing changed: every finding comes from the cache, nothing is parsed.
  Unchanged = !Full && llvm::none_of(Dirty, [](char D) {
    return D;
  }) && llvm::none_of(llvm::seq<size_t>(0, N), [&](size_t I) { return Load[I] && !isPython(I); });
  if (Unchanged) {
    Load.assign(N, 0);
    B.ModuleOf.assign(N, nullptr);
    B.SyntaxOf.resize(N);
  }
}

/// Whether a module the cached model graph was built from (or looked up) changed.
bool Run::graphInputsChanged() {
  for (const auto &[Name, Hash] : Old->GraphDeps)
    if (moduleState(Name) != Hash) {
      A.Stats.CacheNote = "the models changed";
      return true;
    }
  return false;
}

void Run::loadAll() {
  for (size_t I = 0; I < Files.size(); ++I) {
    Load[I] = In[I].Hash != 0;
    Dirty[I] = isPython(I) && In[I].Hash;
  }
}

void Run::planFromCache() {
  auto LoadName = [&](const llvm::StringMap<size_t> &Map, llvm::StringRef Name) {
    if (auto It = Map.find(Name); It != Map.end())
      Load[It->second] = 1;
  };
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!In[I].Hash)
      continue;
    auto F = Old->Files.find(Rel[I]);
    bool Same = F != Old->Files.end() && F->second.Hash == In[I].Hash;
    if (!isPython(I)) {
      Load[I] |= !Same; // for its syntax errors (templates parse fast)
      continue;
    }
    auto R = Old->Modules.find(Rel[I]);
    bool Clean = Same && R != Old->Modules.end() && R->second.Hash == In[I].Hash &&
                 R->second.Name == Files[I].ModuleName && depsUnchanged(R->second);
    if (Clean)
      continue;
    Dirty[I] = Load[I] = 1;
    if (R == Old->Modules.end())
      continue;
    for (const auto &D : R->second.Modules)
      LoadName(ModuleFile, D.first);
    for (const auto &D : R->second.Templates)
      LoadName(TemplateFile, D.first);
  }
}

/// Parses what is needed, builds the indexes, analyzes the dirty modules. A name looked up
/// that denotes a file not loaded means the guess of what is needed was short: load it and
/// go again (the results never depend on a file that was not loaded).
void Run::analyzeRounds() {
  for (unsigned Round = 0; !Unchanged && round(Round); ++Round)
    ;
  if (!Full && CachedGraph)
    B.Graph = std::move(CachedGraph);
  A.Stats.Full = Full;
  A.Stats.Parsed = B.Parsed;
}

/// One round; returns whether another is needed (more files to load, or a full run now).
bool Run::round(unsigned Round) {
  B = build(Load, Full);
  bool Adds = contributions();
  const index::ModelGraph *Graph = B.Graph.get();
  if (!Full) {
    // The graph of the last full run still holds unless a changed module now adds to it;
    // then every module is analyzed.
    bool Trusted = !Raced && Round < limits::AnalysisRounds;
    if (loadMissing() && Trusted)
      return true;
    if (Trusted && !Adds)
      Graph = cachedGraph(*B.Project);
    if (!Graph) {
      Full = true;
      A.Stats.CacheNote = Raced  ? "files changed during the run"
                          : Adds ? "the models changed"
                                 : "the cached model graph did not read back";
      loadAll();
      return true;
    }
  }
  analyzeDirty(*Graph);
  return !Full && loadMissing();
}

/// Whether a dirty module adds to the model graph (a model, an app label, settings):
/// checked in the module's own lookup scope, so that what the check needs is loaded up
/// front next time.
bool Run::contributions() {
  size_t N = Files.size();
  std::vector<char> Contributes(N, 0);
  for (size_t I = 0; I < N; ++I)
    Lookups[I] = {};
  llvm::parallelFor(0, N, [&](size_t I) {
    if (!Dirty[I] || !B.ModuleOf[I])
      return;
    index::LookupScope Scope(Lookups[I]);
    Contributes[I] = index::ModelGraph::contributes(*B.Project, *B.ModuleOf[I]);
  });
  return llvm::any_of(Contributes, [](char C) { return C; });
}

/// Marks for loading the files that the dirty modules looked up and that are not loaded;
/// returns whether there were any.
bool Run::loadMissing() {
  bool Added = false;
  auto Need = [&](const llvm::StringMap<size_t> &Map, llvm::StringRef Name) {
    if (auto It = Map.find(Name); It != Map.end() && !Load[It->second])
      Load[It->second] = Added = true;
  };
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!Dirty[I])
      continue;
    for (const auto &E : Lookups[I].Modules)
      Need(ModuleFile, E.getKey());
    for (const auto &E : Lookups[I].Templates)
      Need(TemplateFile, E.getKey());
  }
  return Added;
}

/// The cached model graph bound to \p P's modules, or null when it does not read back.
const index::ModelGraph *Run::cachedGraph(const index::Project &P) {
  if (!CachedGraph) {
    llvm::Expected<std::unique_ptr<index::ModelGraph>> G =
        index::ModelGraph::decode(Old->Graph.bytes());
    if (!G) {
      llvm::consumeError(G.takeError());
      return nullptr;
    }
    CachedGraph = std::move(*G);
  }
  if (llvm::Error E = CachedGraph->bind(P)) {
    llvm::consumeError(std::move(E));
    return nullptr;
  }
  return CachedGraph.get();
}

/// Runs flow, the rules and settleFixes on every dirty module, in parallel, each in its
/// own lookup scope.
void Run::analyzeDirty(const index::ModelGraph &Graph) {
  size_t N = Files.size();
  flow::Analyzer Flow(*B.Project, Graph, B.Templates.get(), Settings.djangoVersion(),
                      Settings.DjangoVersionKnown);
  fix::Facts Known{Settings.DjangoVersionKnown ? Settings.djangoVersion() : 0};
  if (Prog) {
    size_t Modules = 0;
    for (size_t I = 0; I < N; ++I)
      Modules += Dirty[I] && B.ModuleOf[I];
    Prog->stage("analyzing", Modules, "modules");
  }
  llvm::parallelFor(0, N, [&](size_t I) {
    Fresh[I].clear();
    if (!Dirty[I] || !B.ModuleOf[I])
      return;
    if (Prog)
      Prog->tick();
    index::LookupScope Scope(Lookups[I]);
    Fresh[I] = rules::runRules(Flow.analyzeModule(*B.ModuleOf[I]), Graph);
    fix::settleFixes(Fresh[I], Known, B.Project.get());
  });
}

/// Targets: the files asked about, and (for files named one by one) the modules importing
/// a target module: a change to a model re-checks the views that use it.
void Run::markTargets() {
  size_t N = Files.size();
  Target.assign(N, 0);
  for (size_t I = 0; I < N; ++I)
    Target[I] = Files[I].IsTarget && In[I].Hash;
  if (!WithDependents)
    return;
  std::vector<std::string> Changed;
  for (size_t I = 0; I < N; ++I)
    if (Target[I] && isPython(I))
      Changed.push_back(Files[I].ModuleName);
  auto Imports = [&](llvm::StringRef Qual) {
    for (const std::string &C : Changed)
      if (Qual == C || (Qual.starts_with(C) && Qual.substr(C.size()).starts_with(".")))
        return true;
    return false;
  };
  for (size_t I = 0; I < N; ++I)
    if (isPython(I) && In[I].Hash && !Target[I] &&
        llvm::any_of(importsOf(I), [&](const std::string &Q) { return Imports(Q); }))
      Target[I] = 1;
}

/// The findings: unreadable and unparsable targets, then each module's findings in the
/// target files (fresh, or read back from the cache), in file order.
std::vector<rules::Diagnostic> Run::collectFindings() {
  std::vector<rules::Diagnostic> Diags;
  fileFindings(Diags);
  moduleFindings(locatedFiles(), Diags);
  return Diags;
}

/// The file-level findings of the targets: unreadable (NP902), syntax errors (NP901).
void Run::fileFindings(std::vector<rules::Diagnostic> &Diags) {
  for (int Pass = 0; Pass < 2; ++Pass)
    for (size_t I = 0; I < Files.size(); ++I) {
      if (isPython(I) != (Pass == 1) || !Files[I].IsTarget)
        continue;
      if (!In[I].Hash) {
        Diags.push_back(rules::unreadableFile(Files[I].Path, In[I].Error));
        continue;
      }
      if (Load[I]) {
        if (B.SyntaxOf[I])
          Diags.push_back(*B.SyntaxOf[I]);
        continue;
      }
      const cache::Blob &J = Old->Files.at(Rel[I]).ParseDiag;
      if (J.empty())
        continue;
      if (std::optional<rules::Diagnostic> D = thawBlob(J))
        Diags.push_back(std::move(*D));
      else
        Stale = true;
    }
}

std::optional<rules::Diagnostic> Run::thawBlob(const cache::Blob &Blob) {
  llvm::Expected<nlohmann::json> J = Blob.decode();
  if (!J) {
    llvm::consumeError(J.takeError());
    return std::nullopt;
  }
  return cache::thaw(*J, [&](const std::string &R) { return sourceAt(R); });
}

/// The cached findings of module \p I (decoded once, on demand), or null when none of them
/// touches a file \p Wanted selects. A record that does not decode makes the run stale.
const nlohmann::json *Run::cachedFindings(size_t I, const std::vector<char> &Wanted) {
  const cache::ModuleRecord &R = Old->Modules.at(Rel[I]);
  if (llvm::none_of(R.DiagFiles, [&](const std::string &F) {
        std::optional<size_t> At = indexAt(F);
        return At && Wanted[*At];
      }))
    return nullptr;
  if (!Decoded[I]) {
    llvm::Expected<nlohmann::json> J = R.Diags.decode();
    if (J) {
      Decoded[I] = std::move(*J);
    } else {
      llvm::consumeError(J.takeError());
      Decoded[I] = nlohmann::json();
    }
    if (!Decoded[I]->is_array())
      Stale = true;
  }
  return Decoded[I]->is_array() ? &*Decoded[I] : nullptr;
}

/// The file index a frozen finding is located in.
std::optional<size_t> frozenFile(const nlohmann::json &J, const llvm::StringMap<size_t> &ByRel) {
  auto File = J.is_object() ? J.find("file") : J.end();
  if (File == J.end() || !File->is_string())
    return std::nullopt;
  auto It = ByRel.find(File->get<std::string>());
  return It == ByRel.end() ? std::nullopt : std::optional<size_t>(It->second);
}

/// Which files' findings are kept: the target files', and those of the files where a
/// finding lies that has its queryset in a target (its `# noqa` may silence it there).
/// With files named one by one, every finding pointing into a target counts (a view's
/// queryset read in a template). Such a finding's file joins with all its findings, so
/// that duplicates collapse and suppressions apply as in a whole run; analyze() then
/// keeps only the findings of the targets (or pointing into them).
std::vector<char> Run::locatedFiles() {
  std::vector<char> Located(Target);
  auto InTarget = [&](const parse::SourceFile *F) {
    std::optional<size_t> At = indexOf(F);
    return At && Target[*At];
  };
  auto RelInTarget = [&](const std::string &F) {
    std::optional<size_t> At = indexAt(F);
    return At && Target[*At];
  };
  auto FreshJoins = [&](const rules::Diagnostic &D) {
    return WithDependents ? pointsInto(D, InTarget) : D.QuerysetFile && InTarget(D.QuerysetFile);
  };
  auto CachedJoins = [&](const nlohmann::json &J) {
    if (WithDependents)
      return llvm::any_of(cache::filesOf(J), RelInTarget);
    auto Q = J.is_object() ? J.find("qfile") : J.end();
    return Q != J.end() && Q->is_string() && RelInTarget(Q->get<std::string>());
  };
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!isPython(I) || !In[I].Hash)
      continue;
    if (Dirty[I]) {
      for (const rules::Diagnostic &D : Fresh[I])
        if (std::optional<size_t> At = indexOf(D.File); At && !Located[*At] && FreshJoins(D))
          Located[*At] = 1;
      continue;
    }
    const nlohmann::json *All = cachedFindings(I, Target);
    for (const nlohmann::json &J : All ? *All : nlohmann::json::array())
      if (std::optional<size_t> At = frozenFile(J, ByRel); At && !Located[*At] && CachedJoins(J))
        Located[*At] = 1;
  }
  return Located;
}

/// Each module's findings located in a file \p Located selects, fresh or as the cache
/// holds them.
void Run::moduleFindings(const std::vector<char> &Located, std::vector<rules::Diagnostic> &Diags) {
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!isPython(I) || !In[I].Hash)
      continue;
    if (Dirty[I]) {
      ++A.Stats.Analyzed;
      for (const rules::Diagnostic &D : Fresh[I])
        if (std::optional<size_t> At = indexOf(D.File); At && Located[*At])
          Diags.push_back(D);
      continue;
    }
    ++A.Stats.Reused;
    const nlohmann::json *All = cachedFindings(I, Located);
    for (const nlohmann::json &J : All ? *All : nlohmann::json::array()) {
      std::optional<size_t> At = frozenFile(J, ByRel);
      if (!At || !Located[*At])
        continue;
      if (std::optional<rules::Diagnostic> D =
              cache::thaw(J, [&](const std::string &R) { return sourceAt(R); }))
        Diags.push_back(std::move(*D));
      else
        Stale = true;
    }
  }
}

/// Whether the new cache would say exactly what the old one says (then it is not written).
bool Run::cacheWouldNotChange() const {
  if (Full || !Unchanged ||
      Old->Files.size() != size_t(llvm::count_if(In, [](const Input &F) { return F.Hash != 0; })))
    return false;
  for (size_t I = 0; I < Files.size(); ++I) {
    auto It = Old->Files.find(Rel[I]);
    if (In[I].Hash && (It == Old->Files.end() || It->second.Hash != In[I].Hash ||
                       It->second.Size != In[I].Size || It->second.MTime != In[I].MTime))
      return false;
  }
  return true;
}

std::optional<std::string> Run::relPath(const parse::SourceFile *F) const {
  std::optional<size_t> At = indexOf(F);
  if (!At)
    return std::nullopt;
  return Rel[*At];
}

/// The cache's record of readable file \p I: its stat, hash and syntax-error finding.
cache::FileRecord Run::fileRecord(size_t I) const {
  cache::FileRecord F{In[I].Size, In[I].MTime, In[I].Hash, {}};
  if (!Load[I])
    F.ParseDiag = Old->Files.at(Rel[I]).ParseDiag;
  else if (B.SyntaxOf[I])
    F.ParseDiag = cache::Blob::encode(
        cache::freeze(*B.SyntaxOf[I], [&](const parse::SourceFile *S) { return relPath(S); }));
  return F;
}

/// The cache's record of dirty module \p I: what it looked up and its findings; none when
/// the module was not loaded or a finding points outside the project (it is analyzed each
/// run then).
std::optional<cache::ModuleRecord> Run::moduleRecord(size_t I) const {
  if (!B.ModuleOf[I])
    return std::nullopt;
  cache::ModuleRecord R;
  R.Name = Files[I].ModuleName;
  R.Hash = In[I].Hash;
  for (const auto &E : Lookups[I].Modules)
    R.Modules[E.getKey().str()] = moduleState(E.getKey());
  for (const auto &E : Lookups[I].Templates)
    R.Templates[E.getKey().str()] = templateState(E.getKey());
  R.Imports = importsOf(I);
  bool Keep = true;
  nlohmann::json Frozen = nlohmann::json::array();
  std::set<std::string> Touched;
  for (const rules::Diagnostic &D : Fresh[I]) {
    nlohmann::json J = cache::freeze(D, [&](const parse::SourceFile *S) { return relPath(S); });
    Keep &= !J.is_null();
    for (std::string &F : cache::filesOf(J))
      Touched.insert(std::move(F));
    Frozen.push_back(std::move(J));
  }
  R.DiagFiles.assign(Touched.begin(), Touched.end());
  R.Diags = cache::Blob::encode(Frozen);
  if (!Keep)
    return std::nullopt;
  return R;
}

/// Keeps the new cache, unless it would say exactly what the old one says.
void Run::saveCache() {
  if (!CO.Use || cacheWouldNotChange())
    return;
  cache::State S;
  S.Key = CO.Key;
  if (Old)
    S.Buffer = Old->Buffer; // the records kept point into it
  S.WrittenAt = nanos(std::chrono::system_clock::now());
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!In[I].Hash)
      continue;
    S.Files[Rel[I]] = fileRecord(I);
    if (!isPython(I))
      continue;
    if (!Dirty[I])
      S.Modules[Rel[I]] = Old->Modules.at(Rel[I]);
    else if (std::optional<cache::ModuleRecord> R = moduleRecord(I))
      S.Modules[Rel[I]] = std::move(*R);
  }
  if (Full) { // (a full run always builds the graph)
    S.Graph = cache::Blob::own(B.Graph->encode());
    for (const auto &E : B.GraphLookups.Modules)
      S.GraphDeps[E.getKey().str()] = moduleState(E.getKey());
    for (const auto &E : B.Graph->contributors())
      S.GraphDeps[E.getKey().str()] = moduleState(E.getKey());
  } else {
    S.Graph = Old->Graph;
    S.GraphDeps = Old->GraphDeps;
  }
  cache::save(cache::directory(A.Files.Root, CO.Dir), S);
  // Freeing a cache's thousands of records costs as much as reading them: the process
  // is about to end, so they are left to it (LeakSanitizer sees them as reachable).
  if (!CO.LongLived)
    llvm::BuryPointer(new cache::State(std::move(S)));
}

/// Hands the run's results to the Analysis.
void Run::finish(std::vector<rules::Diagnostic> Diags) {
  for (size_t I = 0; I < Files.size(); ++I)
    if (Target[I] && In[I].Hash && source(I))
      A.Targets.push_back(In[I].Src);
  for (size_t I = 0; I < Files.size(); ++I)
    if (In[I].Src)
      A.Sources.push_back(In[I].Src);
  if (Old && !CO.LongLived)
    llvm::BuryPointer(new cache::State(std::move(*Old)));
  A.Project = std::move(B.Project);
  A.Graph = std::move(B.Graph);
  A.Templates = std::move(B.Templates);
  A.Diagnostics = std::move(Diags);
}

void Run::indexOnly() {
  readInputs();
  mapNames();
  Load.assign(Files.size(), 0);
  for (size_t I = 0; I < Files.size(); ++I)
    Load[I] = In[I].Hash != 0;
  B = build(Load, /*WithGraph=*/true);
  for (const Input &F : In)
    if (F.Src)
      A.Sources.push_back(F.Src);
  A.Project = std::move(B.Project);
  A.Graph = std::move(B.Graph);
  A.Templates = std::move(B.Templates);
}

/// Runs the analysis with the cache; when the cache turns out not to match the files,
/// once more without it.
void runAnalysis(Analysis &A, const Config &Settings, const CacheOptions &Cache,
                 bool WithDependents, Progress *Prog) {
  if (Run(A, Settings, Cache, WithDependents, Prog).go())
    return;
  Analysis Again;
  Again.Files = std::move(A.Files);
  [[maybe_unused]] bool Done = Run(Again, Settings, CacheOptions{}, WithDependents, Prog).go();
  assert(Done && "only a cache can disagree with the files");
  Again.Stats.CacheNote = "cache entries did not match the files";
  A = std::move(Again);
}

/// `--parse-only`: read and parse every file, report syntax errors, nothing else.
void parseOnly(Analysis &A, const Config &Settings) {
  const std::vector<discover::File> &Files = A.Files.Files;
  std::vector<Input> In(Files.size());
  std::vector<std::unique_ptr<parse::py::Module>> Parsed(Files.size());
  std::vector<std::optional<rules::Diagnostic>> Syntax(Files.size());
  llvm::parallelFor(0, Files.size(), [&](size_t I) {
    readInto(Files[I], In[I]);
    if (!In[I].Src)
      return;
    if (Files[I].Kind == discover::FileKind::Python) {
      Parsed[I] = parse::parsePython(In[I].Src);
      return;
    }
    if (Files[I].Kind != discover::FileKind::Template)
      return;
    llvm::StringRef Text = In[I].Src->text();
    parse::tpl::Template T =
        parse::tpl::parseTemplate(std::string_view(Text.data(), Text.size()),
                                  Settings.DjangoVersionKnown ? Settings.djangoVersion() : 0);
    if (!T.Errors.empty() &&
        !parse::tpl::hasJinjaSyntax(std::string_view(Text.data(), Text.size())))
      Syntax[I] =
          rules::syntaxError(*In[I].Src, {T.Errors.front().Where.Begin, T.Errors.front().Where.End},
                             T.Errors.front().Message);
  });
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!Files[I].IsTarget)
      continue;
    if (!In[I].Src)
      A.Diagnostics.push_back(rules::unreadableFile(Files[I].Path, In[I].Error));
    else if (Syntax[I])
      A.Diagnostics.push_back(*Syntax[I]);
    else if (Parsed[I] && !Parsed[I]->Errors.empty())
      A.Diagnostics.push_back(rules::syntaxError(Parsed[I]->file(), Parsed[I]->Errors.front().Where,
                                                 Parsed[I]->Errors.front().Message));
    if (In[I].Src)
      A.Targets.push_back(In[I].Src);
  }
  report::sortDiagnostics(A.Diagnostics);
}

} // namespace

llvm::Expected<Config> configure(discover::Options &Opts, llvm::ArrayRef<std::string> Exclude,
                                 llvm::ArrayRef<std::string> ExtendExclude,
                                 const ConfigRequest &Req) {
  // The settings live at the project root, found from the paths asked about.
  std::vector<std::string> Abs;
  for (const std::string &P : Opts.Paths.empty() ? std::vector<std::string>{"."} : Opts.Paths) {
    llvm::SmallString<256> A(P);
    llvm::sys::fs::make_absolute(A);
    llvm::sys::path::remove_dots(A, true);
    if (llvm::sys::fs::exists(A))
      Abs.push_back(std::string(A));
  }
  Config Settings;
  if (!Abs.empty()) {
    std::string Root = discover::findProjectRoot(Abs);
    llvm::Expected<Config> C = loadConfig(Root, Req);
    if (!C)
      return C.takeError();
    Settings = std::move(*C);
    for (const std::string &D : Settings.TemplateDirs) {
      llvm::SmallString<256> Dir(Settings.BaseDir.empty() ? Root : Settings.BaseDir);
      llvm::sys::path::append(Dir, D);
      Opts.TemplateDirs.push_back(std::string(Dir));
    }
  }
  // The command line wins over the file.
  if (!Exclude.empty()) {
    Settings.Exclude = Exclude.vec();
    Settings.Origin["exclude"] = {"--exclude"};
  }
  if (!ExtendExclude.empty()) {
    llvm::append_range(Settings.ExtendExclude, ExtendExclude);
    Settings.Origin["extend-exclude"].push_back("--extend-exclude");
  }
  Opts.Exclude = Settings.Exclude;
  Opts.ExtendExclude = Settings.ExtendExclude;
  return Settings;
}

Analysis indexOnly(const discover::Options &Opts) {
  Analysis A;
  A.Files = discover::discover(Opts);
  classifyTemplates(A.Files, Opts.TemplateDirs);
  static const Config Defaults; // the index and the graph do not depend on the settings
  Run(A, Defaults, CacheOptions{}, /*WithDependents=*/false).indexOnly();
  return A;
}

Analysis analyze(const discover::Options &Opts, const Config &Settings, const CacheOptions &Cache,
                 Progress *Prog) {
  Analysis A;
  A.Files = discover::discover(Opts);
  A.SkippedTestFiles = skipTestFiles(A.Files, Settings);
  for (discover::File &F : A.Files.Files)
    if (auto It = Opts.Contents.find(F.AbsPath); It != Opts.Contents.end())
      F.Text = It->second;
  classifyTemplates(A.Files, Opts.TemplateDirs);
  if (Opts.ParseOnly) {
    parseOnly(A, Settings);
    return A;
  }
  runAnalysis(A, Settings, Cache, Opts.WithDependents, Prog);

  llvm::StringRef Root = A.Files.Root;
  bool IncludeCommands = Settings.IncludeCommands.value_or(false);
  auto RelPath = [&](const rules::Diagnostic &D) { return relativePath(D, Root); };
  auto InCommand = [&](const rules::Diagnostic &D) {
    return !IncludeCommands && D.File && inCodeOf(D, RelPath(D), Root, Config::isCommandPath);
  };
  // What a management command reaches goes after the rest (the sort below is stable): when
  // other code reaches the same read, the merges keep that code's finding, which is not
  // hidden with the command's.
  std::stable_partition(A.Diagnostics.begin(), A.Diagnostics.end(),
                        [&](const rules::Diagnostic &D) { return !InCommand(D); });
  report::sortDiagnostics(A.Diagnostics);
  // The same access reached twice through the same queryset is one finding.
  A.Diagnostics.erase(std::unique(A.Diagnostics.begin(), A.Diagnostics.end(),
                                  [](const rules::Diagnostic &X, const rules::Diagnostic &Y) {
                                    return X.File == Y.File && X.Where == Y.Where &&
                                           X.Code == Y.Code && X.Message == Y.Message &&
                                           X.QuerysetFile == Y.QuerysetFile &&
                                           X.QuerysetWhere == Y.QuerysetWhere;
                                  }),
                      A.Diagnostics.end());
  // One finding per loop, queryset and relation: the reads that several modules' analyses
  // found of the same relation on the same rows merge into the first (runRules() did so
  // within each module).
  rules::groupRepeatedReads(A.Diagnostics);
  applySuppressions(A);
  // select / ignore / per-file-ignores, then management commands (counted: the summary says
  // so). Test code was not read at all (skipTestFiles()).
  llvm::erase_if(A.Diagnostics, [&](const rules::Diagnostic &D) {
    if (!Settings.enabled(D.Code))
      return true;
    std::string Rel = RelPath(D);
    if (Settings.ignoredIn(Rel, D.Code))
      return true;
    // Files that cannot be read or parsed are reported wherever they are.
    if (!D.File)
      return false;
    // No real project's N+1 fix was in a management command (../shared/realworld: none of
    // 100), and judged samples found them mostly one-off data fixes and dev utilities.
    if (!IncludeCommands && inCodeOf(D, Rel, Root, Config::isCommandPath)) {
      ++A.HiddenInCommands;
      return true;
    }
    return false;
  });
  // A read two enabled, unsuppressed rules report with one fix is one finding.
  rules::groupRepeatedReads(A.Diagnostics, /*AcrossCodes=*/true);
  // Of the whole run's findings, those located in the targets; with files named one by
  // one, those lying in or pointing into them. (Run::go() kept every finding of the files
  // such a finding lies in, so duplicates and suppressions above came out as in a whole
  // run.)
  llvm::DenseSet<const parse::SourceFile *> Checked;
  for (const auto &F : A.Targets)
    Checked.insert(F.get());
  auto InChecked = [&](const parse::SourceFile *F) { return Checked.contains(F); };
  llvm::erase_if(A.Diagnostics, [&](const rules::Diagnostic &D) {
    if (!D.File)
      return false;
    return Opts.WithDependents ? !pointsInto(D, InChecked) : !InChecked(D.File);
  });
  report::sortDiagnostics(A.Diagnostics);
  return A;
}

/// The cache is valid for this build of nplus1 with these settings only. A development
/// build keeps its version and commit across rebuilds, so the executable's size and time
/// are part of the key too.
std::string cacheKey(const Config &Settings) {
  std::string Key;
  llvm::raw_string_ostream OS(Key);
  OS << report::ToolVersion << ' ' << report::ToolCommit << '\n';
  std::string Exe = llvm::sys::fs::getMainExecutable("nplus1", (void *)&cacheKey);
  llvm::sys::fs::file_status St;
  if (!Exe.empty() && !llvm::sys::fs::status(Exe, St))
    OS << St.getSize() << ' ' << St.getLastModificationTime().time_since_epoch().count() << '\n';
  Settings.print(OS);
  return Key;
}

unsigned skipTestFiles(discover::Result &R, const Config &Settings) {
  if (Settings.IncludeTests.value_or(false))
    return 0;
  size_t Before = R.Files.size();
  llvm::erase_if(R.Files, [&](const discover::File &F) {
    llvm::StringRef Rel = F.AbsPath;
    if (!Rel.consume_front(R.Root))
      return false;
    Rel = Rel.ltrim('/');
    if (!Config::isTestPath(Rel))
      return false;
    return !(F.Kind == discover::FileKind::Python &&
             llvm::sys::path::filename(Rel).contains("settings"));
  });
  return static_cast<unsigned>(Before - R.Files.size());
}

bool inCodeOf(const rules::Diagnostic &D, llvm::StringRef Rel, llvm::StringRef Root,
              bool (*InPath)(llvm::StringRef)) {
  if (InPath(Rel))
    return true;
  // A production method read per row of a loop that only a test runs (its loop, queryset or
  // call site is in test code) is test code's finding too.
  for (const rules::Note &N : D.Notes) {
    if (!N.File)
      continue;
    llvm::SmallString<256> Abs(N.File->path());
    llvm::sys::fs::make_absolute(Abs);
    llvm::StringRef R = Abs.str();
    // Only the project's own files: a note in Django's catalog (`<django>/...`) is nowhere on
    // disk, and resolving it against the working directory must not make it test code.
    if (!R.consume_front(Root))
      continue;
    R = R.ltrim('/');
    if (InPath(R))
      return true;
  }
  return false;
}

void keepShard(Analysis &A, unsigned Index, unsigned Count) {
  llvm::StringRef Root = A.Files.Root;
  llvm::erase_if(A.Diagnostics, [&](const rules::Diagnostic &D) {
    llvm::SmallString<256> Abs(D.File ? D.File->path() : llvm::StringRef(D.Path));
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, true);
    llvm::StringRef Rel = Abs.str();
    if (Rel.consume_front(Root))
      Rel = Rel.ltrim('/');
    return llvm::xxh3_64bits(Rel) % Count != Index - 1;
  });
}

} // namespace nplus1::driver
