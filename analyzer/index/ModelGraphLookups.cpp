// The model graph's lookups: models by class, name and label, relations and columns
// through the ancestors, managers, and the models `apps.get_model()` and friends load.
// (ModelGraph.cpp builds the graph.)
#include "index/ModelGraph.h"

#include "AnalysisLimits.h"
#include "index/Framework.h"
#include "index/Lookups.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace nplus1::index {

using py::ExprKind;

/// Records that the class \p C (in \p Module when it is not loaded) was asked for: the
/// analysis then depends on that module, loaded or not.
static const ClassRef &noted(const ClassRef &C, const std::string &Module) {
  if (C)
    noteModuleLookup(C.Module->Name);
  else if (!Module.empty())
    noteModuleLookup(Module);
  return C;
}

const ClassRef &ModelGraph::classOf(const Model *M) const {
  return noted(M->Class, M->ClassModule);
}

const ClassRef &ModelGraph::managerClass(const ManagerInfo &I) const {
  return noted(I.ManagerClass, I.ManagerModule);
}

const ClassRef &ModelGraph::querySetClass(const ManagerInfo &I) const {
  return noted(I.QuerySetClass, I.QuerySetModule);
}

const Model *ModelGraph::modelFor(const ClassRef &C) const {
  return C ? modelByQualName(C.QualName) : nullptr;
}

const Model *ModelGraph::modelByQualName(llvm::StringRef QualName) const {
  auto It = ByQualName.find(QualName);
  return It == ByQualName.end() ? nullptr : It->second;
}

const Model *ModelGraph::modelByLabel(llvm::StringRef Label) const {
  auto It = ByLabel.find(Label.lower());
  return It == ByLabel.end() ? nullptr : It->second;
}

const Model *ModelGraph::modelNamed(const Project &P, llvm::StringRef QualName) const {
  return modelNamedAt(P, QualName, 0);
}

const Model *ModelGraph::modelNamedAt(const Project &P, llvm::StringRef QualName,
                                      unsigned Depth) const {
  if (QualName.empty() || Depth > limits::ModelReferenceHops)
    return nullptr;
  if (const Model *M = modelByQualName(QualName))
    return M;
  if (ClassRef C = P.classNamed(QualName))
    return modelFor(C);
  const ModuleInfo *Owner = nullptr;
  const py::Expr *V = P.globalNamed(QualName, Owner);
  if (!V)
    return nullptr;
  if (V->Kind == ExprKind::Call)
    return loadedModel(P, *Owner, V);
  std::string Next = P.resolveExpr(*Owner, V);
  return Next == QualName ? nullptr : modelNamedAt(P, Next, Depth + 1);
}

namespace {

/// The string literal arguments of a call, or none when any positional one is not.
std::vector<std::string> stringArgs(const py::Expr *Call) {
  std::vector<std::string> Out;
  for (const py::Expr *A : Call->Args) {
    if (A->Kind != ExprKind::String || !A->Args.empty())
      return {};
    Out.push_back(A->Id);
  }
  return Out;
}

} // namespace

const Model *ModelGraph::loadedModel(const Project &P, const ModuleInfo &M,
                                     const py::Expr *Call) const {
  if (!Call || Call->Kind != ExprKind::Call)
    return nullptr;
  std::string Callee = P.resolveExpr(M, Call->Object);
  if (Callee.empty())
    Callee = Call->Object->dotted();
  llvm::StringRef Last = llvm::StringRef(Callee).rsplit('.').second;
  if (Last.empty())
    Last = Callee;
  if (Last == "get_user_model" && Call->Args.empty())
    return authUser();
  std::vector<std::string> Strings = stringArgs(Call);
  if (Last == "get_model" || Last == "load_model") {
    if (Strings.size() == 1 && llvm::StringRef(Strings[0]).contains('.'))
      return modelByLabel(Strings[0]);
    if (Strings.size() == 2)
      return modelByLabel(Strings[0] + "." + Strings[1]);
    return nullptr;
  }
  // get_class('catalogue.models', 'Product'): a model when the module is an app's models.
  if (Last == "get_class" && Strings.size() == 2) {
    llvm::SmallVector<llvm::StringRef, 6> Parts;
    llvm::StringRef(Strings[0]).split(Parts, '.');
    for (size_t I = Parts.size(); I-- > 1;)
      if (Parts[I] == "models")
        return modelByLabel(Parts[I - 1].str() + "." + Strings[1]);
  }
  return nullptr;
}

const Model *ModelGraph::authUser() const {
  if (const Model *U = modelByLabel(AuthUserLabel); U && !U->Abstract)
    return U;
  // A swapped user model we could not find by label: the project's model on AbstractUser.
  const Model *Found = nullptr;
  for (const auto &Mo : Models)
    if (!Mo->Builtin && !Mo->Abstract)
      for (const Model *Par : Mo->Parents)
        if (Par->QualName == "django.contrib.auth.models.AbstractUser" ||
            Par->QualName == "django.contrib.auth.models.AbstractBaseUser") {
          if (Found && Found != Mo.get())
            return nullptr; // two candidates: do not guess
          Found = Mo.get();
        }
  return Found;
}

const Relation *ModelGraph::relation(const Model *M, llvm::StringRef Name) const {
  return findRelation(M, Name);
}

const Relation *findRelation(const Model *M, llvm::StringRef Name) {
  if (!M)
    return nullptr;
  std::vector<const Model *> Work{M};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    auto It = Work[I]->Relations.find(Name);
    if (It != Work[I]->Relations.end())
      return &It->second;
    Work.insert(Work.end(), Work[I]->Parents.begin(), Work[I]->Parents.end());
  }
  return nullptr;
}

bool ModelGraph::isColumn(const Model *M, llvm::StringRef Name) const {
  if (Name == "pk" || Name == "id")
    return true;
  std::vector<const Model *> Work{M};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    if (Work[I]->Columns.count(Name))
      return true;
    Work.insert(Work.end(), Work[I]->Parents.begin(), Work[I]->Parents.end());
  }
  return false;
}

bool ModelGraph::isUniqueKey(const Model *M, llvm::StringRef Name) const {
  if (Name == "pk" || Name == "id")
    return true;
  if (const Relation *R = relation(M, Name); R && R->Kind == RelationKind::OneToOne)
    return true;
  std::vector<const Model *> Work{M};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    if (Work[I]->UniqueColumns.count(Name))
      return true;
    Work.insert(Work.end(), Work[I]->Parents.begin(), Work[I]->Parents.end());
  }
  return false;
}

const ManagerInfo *ModelGraph::manager(const Model *M, llvm::StringRef Name) const {
  std::vector<const Model *> Work{M};
  bool AnyDeclared = false;
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I) {
    for (const ManagerInfo &MI : Work[I]->Managers) {
      AnyDeclared = true;
      if (MI.Name == Name)
        return &MI;
    }
    Work.insert(Work.end(), Work[I]->Parents.begin(), Work[I]->Parents.end());
  }
  if (Name == "_default_manager") {
    for (const Model *W : Work)
      if (!W->Managers.empty())
        return &W->Managers.front();
    return &DefaultManager;
  }
  if (Name == "_base_manager" || (Name == "objects" && !AnyDeclared))
    return &DefaultManager;
  return nullptr;
}

} // namespace nplus1::index
