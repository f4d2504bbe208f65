#include "driver/Models.h"
#include "AnalysisLimits.h"

#include "driver/Pipeline.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/WithColor.h"

#include <tuple>

namespace nplus1::driver {

namespace {

using index::Model;
using index::RelationKind;

/// One manager as printed: the classes are qualified names, "" when unknown.
struct ManagerRow {
  std::string Name, Class, QuerySet;
};

/// One model as printed, with its relations sorted by name.
struct ModelRow {
  const Model *M = nullptr;
  std::string Path; ///< relative to the project root
  unsigned Line = 0;
  std::vector<ManagerRow> Managers;
  std::vector<const index::Relation *> Relations;
};

/// \p Path (relative to the working directory, or absolute) relative to \p Root.
std::string relativeTo(llvm::StringRef Path, llvm::StringRef Root) {
  llvm::SmallString<256> Abs(Path);
  llvm::sys::fs::make_absolute(Abs);
  llvm::sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
  llvm::StringRef Rel = Abs.str();
  if (Rel.consume_front(Root) && (Rel.empty() || Rel.starts_with("/")))
    return Rel.ltrim('/').str();
  return Abs.str().str();
}

/// The managers of \p M as the graph resolves them: every name declared on the model or
/// a model base (own first, in declaration order), or Django's implicit `objects`.
std::vector<ManagerRow> managersOf(const index::ModelGraph &G, const Model &M) {
  llvm::SmallVector<llvm::StringRef, 4> Names;
  std::vector<const Model *> Work{&M};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    for (const index::ManagerInfo &MI : Work[I]->Managers)
      if (!llvm::is_contained(Names, MI.Name))
        Names.push_back(MI.Name);
    llvm::append_range(Work, Work[I]->Parents);
  }
  if (Names.empty())
    Names.push_back("objects");
  std::vector<ManagerRow> Rows;
  for (llvm::StringRef Name : Names) {
    const index::ManagerInfo *MI = G.manager(&M, Name);
    if (!MI)
      continue;
    Rows.push_back({Name.str(), G.managerClass(*MI).QualName, G.querySetClass(*MI).QualName});
  }
  return Rows;
}

/// The project's models (not the built-in catalog's), sorted by name, then path, then line.
std::vector<ModelRow> collectModels(const index::ModelGraph &G, llvm::StringRef Root) {
  std::vector<ModelRow> Rows;
  for (const std::unique_ptr<Model> &M : G.models()) {
    if (M->Builtin)
      continue;
    ModelRow R;
    R.M = M.get();
    if (const index::ClassRef &C = G.classOf(M.get())) {
      const parse::SourceFile &F = C.Module->Ast->file();
      R.Path = relativeTo(F.path(), Root);
      R.Line = F.lineCol(C.Def->NameWhere.Begin).Line;
    }
    R.Managers = managersOf(G, *M);
    for (const auto &E : M->Relations)
      R.Relations.push_back(&E.second);
    llvm::sort(R.Relations, [](const index::Relation *A, const index::Relation *B) {
      return A->Name < B->Name;
    });
    Rows.push_back(std::move(R));
  }
  llvm::sort(Rows, [](const ModelRow &A, const ModelRow &B) {
    return std::make_tuple(A.M->label(), llvm::StringRef(A.Path), A.Line) <
           std::make_tuple(B.M->label(), llvm::StringRef(B.Path), B.Line);
  });
  return Rows;
}

/// A qualified name, or JSON null for an unknown one.
nlohmann::ordered_json nameOrNull(llvm::StringRef Name) {
  return Name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(Name.str());
}

} // namespace

llvm::StringRef relationKindName(RelationKind Kind) {
  switch (Kind) {
  case RelationKind::ForeignKey:
    return "fk";
  case RelationKind::OneToOne:
    return "o2o";
  case RelationKind::ManyToMany:
    return "m2m";
  case RelationKind::ReverseForeignKey:
    return "reverse-fk";
  case RelationKind::ReverseOneToOne:
    return "reverse-o2o";
  case RelationKind::ReverseManyToMany:
    return "reverse-m2m";
  case RelationKind::GenericForeignKey:
    return "gfk";
  case RelationKind::GenericRelation:
    return "generic-relation";
  }
  llvm_unreachable("a relation kind without a name");
}

nlohmann::ordered_json modelsToJson(const index::ModelGraph &Graph, llvm::StringRef Root) {
  nlohmann::ordered_json Models = nlohmann::ordered_json::array();
  for (const ModelRow &R : collectModels(Graph, Root)) {
    nlohmann::ordered_json Managers = nlohmann::ordered_json::array();
    for (const ManagerRow &MR : R.Managers)
      Managers.push_back({{"name", MR.Name},
                          {"class", nameOrNull(MR.Class)},
                          {"queryset", nameOrNull(MR.QuerySet)}});
    nlohmann::ordered_json Relations = nlohmann::ordered_json::array();
    for (const index::Relation *Rel : R.Relations)
      Relations.push_back({{"name", Rel->Name},
                           {"kind", relationKindName(Rel->Kind).str()},
                           {"target", Rel->Target ? nlohmann::ordered_json(Rel->Target->label())
                                                  : nlohmann::ordered_json(nullptr)}});
    nlohmann::ordered_json Parents = nlohmann::ordered_json::array();
    for (const index::Model *P : R.M->Parents)
      Parents.push_back(P->label());
    Models.push_back({{"name", R.M->label()},
                      {"path", R.Path},
                      {"line", R.Line},
                      {"abstract", R.M->Abstract},
                      {"proxy", R.M->Proxy},
                      {"parents", std::move(Parents)},
                      {"managers", std::move(Managers)},
                      {"relations", std::move(Relations)}});
  }
  nlohmann::ordered_json J = nlohmann::ordered_json::object();
  J["models"] = std::move(Models);
  return J;
}

void printModels(llvm::raw_ostream &OS, const index::ModelGraph &Graph, llvm::StringRef Root) {
  std::vector<ModelRow> Rows = collectModels(Graph, Root);
  size_t Relations = 0;
  for (const ModelRow &R : Rows) {
    if (&R != &Rows.front())
      OS << "\n";
    OS << R.M->label() << "  " << R.Path << ":" << R.Line << (R.M->Abstract ? "  [abstract]" : "")
       << (R.M->Proxy ? "  [proxy]" : "") << "\n";
    for (const index::Relation *Rel : R.Relations)
      OS << "  " << Rel->Name << "  " << relationKindName(Rel->Kind) << " -> "
         << (Rel->Target ? Rel->Target->label() : "(any model)") << "\n";
    for (const ManagerRow &MR : R.Managers) {
      OS << "  " << MR.Name << "  manager";
      if (!MR.Class.empty())
        OS << " " << MR.Class;
      if (!MR.QuerySet.empty())
        OS << "  queryset " << MR.QuerySet;
      OS << "\n";
    }
    Relations += R.Relations.size();
  }
  OS << (Rows.empty() ? "" : "\n") << Rows.size() << " models, " << Relations << " relations\n";
}

int runModels(const ModelsOptions &MO) {
  if (MO.Format != "text" && MO.Format != "json") {
    llvm::errs() << "nplus1: unknown --format '" << MO.Format << "' (use text or json)\n";
    return 2;
  }
  if (MO.Jobs)
    llvm::parallel::strategy = llvm::hardware_concurrency(MO.Jobs);
  discover::Options Opts;
  Opts.Paths = {MO.Path};
  llvm::Expected<Config> Settings = configure(Opts, MO.Exclude, MO.ExtendExclude);
  if (!Settings) {
    llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(Settings.takeError()) << "\n";
    return 2;
  }
  Analysis A = indexOnly(Opts);
  for (const discover::Problem &P : A.Files.Problems)
    llvm::WithColor::error(llvm::errs(), "nplus1") << P.Path << ": " << P.Message << "\n";
  if (A.Files.Files.empty() && !A.Files.Problems.empty())
    return 2;
  if (MO.Format == "json")
    llvm::outs() << modelsToJson(*A.Graph, A.Files.Root).dump(2) << "\n";
  else
    printModels(llvm::outs(), *A.Graph, A.Files.Root);
  return 0;
}

} // namespace nplus1::driver
