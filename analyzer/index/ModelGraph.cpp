#include "index/ModelGraph.h"

#include "AnalysisLimits.h"
#include "index/Framework.h"
#include "index/Lookups.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <functional>
#include <optional>

namespace nplus1::index {

using py::ExprKind;
using py::StmtKind;

namespace {

/// A relation field as declared in a class body, before its target is resolved.
struct FieldDecl {
  std::string Name;
  RelationKind Kind;
  const py::Expr *TargetExpr = nullptr; ///< first argument / `to=`
  const ModuleInfo *Module = nullptr;   ///< where TargetExpr is written
  const Model *DeclaredOn = nullptr;    ///< the class that declares it (maybe abstract)
  std::optional<std::string> RelatedName;
  std::optional<bool> Symmetrical;
  bool Nullable = false;
  const py::Expr *Through = nullptr; ///< taggit: `through=` names the tagged-item model
  std::string DefaultTarget;         ///< a label to use when no target is written (taggit)
  std::string GeneratedTarget;       ///< a model the field's package generates (tagulous)
};

struct RelationFieldRow {
  llvm::StringLiteral ClassName;
  RelationKind Kind;
};
constexpr RelationFieldRow RelationFields[] = {
#define NPLUS1_RELATION_FIELD(ClassName, Kind) {ClassName, RelationKind::Kind},
#include "index/Framework.def"
};

/// The relation field classes of the catalog, by their class name.
std::optional<RelationKind> relationFieldKind(llvm::StringRef ClassName) {
  for (const RelationFieldRow &R : RelationFields)
    if (R.ClassName == ClassName)
      return R.Kind;
  return std::nullopt;
}

std::string lower(llvm::StringRef S) { return S.lower(); }

const py::Stmt *metaClass(const py::Stmt *Class) {
  for (const py::Stmt *S : Class->Body)
    if (S->Kind == StmtKind::Class && S->Name == "Meta")
      return S;
  return nullptr;
}

/// `NAME = <literal>` inside a class body.
const py::Expr *classAttr(const py::Stmt *Class, llvm::StringRef Name) {
  if (!Class)
    return nullptr;
  for (const py::Stmt *S : Class->Body)
    if (S->Kind == StmtKind::Assign && S->Value)
      for (const py::Expr *T : S->Targets)
        if (T->isName(Name))
          return S->Value;
  return nullptr;
}

bool isTrue(const py::Expr *E) { return E && E->Kind == ExprKind::Constant && E->Id == "True"; }

std::string stringValue(const py::Expr *E) {
  return E && E->Kind == ExprKind::String && E->Args.empty() ? E->Id : "";
}

bool isDjangoModelBase(llvm::StringRef Q) { return isFrameworkBase(BaseRole::Model, Q); }

/// Django's model field modules (plain and GeoDjango).
bool isDjangoFieldModule(llvm::StringRef Q) {
  return Q.starts_with("django.db.models") || Q.starts_with("django.contrib.gis.db.models") ||
         Q.starts_with("django.contrib.postgres.fields");
}

/// The class expressions a class statement really derives from: `Base[Model]` is `Base`,
/// `six.with_metaclass(Meta, A, B)` / `with_metaclass(Meta, A)` are A and B.
std::vector<const py::Expr *> baseExprs(const py::Stmt *Class) {
  std::vector<const py::Expr *> Out;
  for (const py::Expr *B : Class->Bases) {
    if (B->Kind == ExprKind::Subscript && B->Object) {
      Out.push_back(B->Object);
      continue;
    }
    if (B->Kind == ExprKind::Call &&
        llvm::StringRef(B->Object->dotted()).ends_with("with_metaclass")) {
      for (size_t I = 1; I < B->Args.size(); ++I)
        Out.push_back(B->Args[I]);
      continue;
    }
    Out.push_back(B);
  }
  return Out;
}

} // namespace

bool isSettingsModule(llvm::StringRef N) {
  return N == "settings" || N.ends_with(".settings") || N.contains(".settings.") ||
         N.starts_with("settings.");
}

/// Builds a ModelGraph from a frozen Project in three passes: find the models, collect
/// their fields and managers, then resolve relation targets and add reverse accessors.
class ModelGraphBuilder {
public:
  ModelGraphBuilder(const Project &P, ModelGraph &G) : P(P), G(G) {}

  void run() {
    readSettings();
    readAppConfigs();
    if (!UserLabelSet)
      guessUserModel();
    for (const auto &M : P.modules())
      for (const auto &Entry : M->Classes)
        isModel(ClassRef{Entry.second, M.get(), M->Name + "." + Entry.first().str()}, 0);
    for (const auto &M : G.Models)
      collectOwnDecls(*M);
    // By index: a relation to another package's model appends a stand-in model.
    for (size_t I = 0; I < G.Models.size(); ++I)
      if (!G.Models[I]->Abstract && G.Models[I]->Class)
        addFields(*G.Models[I]);
    readRequestAttributes();
  }

private:
  const Project &P;
  ModelGraph &G;
  llvm::StringMap<std::string> AppLabels; // package -> label
  std::vector<std::string> InstalledApps; // INSTALLED_APPS entries as written
  std::vector<std::string> AppNames;      // the app modules they name
  bool UserLabelSet = false;              // AUTH_USER_MODEL found in the settings
  llvm::DenseMap<const py::Stmt *, Model *> ByDef;
  llvm::DenseMap<const py::Stmt *, bool> Visiting;
  llvm::DenseMap<const Model *, std::vector<FieldDecl>> Decls;

  void readSettings() {
    for (const auto &M : P.modules()) {
      if (!isSettingsModule(M->Name))
        continue;
      G.Contributors.insert(M->Name);
      auto It = M->Globals.find("AUTH_USER_MODEL");
      if (It != M->Globals.end() && !stringValue(It->second).empty()) {
        G.AuthUserLabel = stringValue(It->second);
        UserLabelSet = true;
      }
      readInstalledApps(M->Ast->Body);
    }
  }

  /// INSTALLED_APPS as settings modules write it: literal lists and tuples, `+=`,
  /// `.append()` / `.extend()`, and the `*_APPS` lists it is often summed from (each
  /// string in them is an app module or an AppConfig path).
  void readInstalledApps(llvm::ArrayRef<py::Stmt *> Body) {
    for (const py::Stmt *S : Body) {
      bool AppsList = false;
      if ((S->Kind == StmtKind::Assign || S->Kind == StmtKind::AugAssign) && S->Value)
        for (const py::Expr *T : S->Targets)
          AppsList |= T->Kind == ExprKind::Name && llvm::StringRef(T->Id).ends_with("APPS");
      if (AppsList)
        collectStrings(S->Value, InstalledApps);
      if (S->Kind == StmtKind::Expr && S->Value && S->Value->Kind == ExprKind::Call &&
          S->Value->Object->Kind == ExprKind::Attribute &&
          (S->Value->Object->Id == "append" || S->Value->Object->Id == "extend") &&
          S->Value->Object->Object->Kind == ExprKind::Name &&
          llvm::StringRef(S->Value->Object->Object->Id).ends_with("APPS"))
        for (const py::Expr *A : S->Value->Args)
          collectStrings(A, InstalledApps);
      if (S->Kind == StmtKind::If || S->Kind == StmtKind::Try) {
        readInstalledApps(S->Body);
        readInstalledApps(S->OrElse);
        for (const auto &H : S->Handlers)
          readInstalledApps(H);
      }
    }
  }

  static void collectStrings(const py::Expr *E, std::vector<std::string> &Out) {
    if (!E)
      return;
    if (E->Kind == ExprKind::String && E->Args.empty()) {
      if (!E->Id.empty() && E->Id.find(' ') == std::string::npos)
        Out.push_back(E->Id);
      return;
    }
    if (E->Kind == ExprKind::Call || E->Kind == ExprKind::Comprehension ||
        E->Kind == ExprKind::Lambda)
      return; // computed: not a literal entry
    for (const py::Expr *A : E->Args)
      collectStrings(A, Out);
    for (const py::Expr *V : E->Values)
      collectStrings(V, Out);
    if (E->Kind == ExprKind::Starred)
      collectStrings(E->Object, Out);
  }

  /// App configs and the apps they name. An AppConfig counts when INSTALLED_APPS lists
  /// it, when it sits in the app's `apps` module (Django 3.2+ picks it up), or when the
  /// app's package names it in `default_app_config`; then its `label` (or the last part
  /// of its `name`) is the app's label.
  void readAppConfigs() {
    llvm::StringSet<> Listed;
    for (const std::string &A : InstalledApps)
      Listed.insert(A);
    for (const auto &M : P.modules())
      for (const auto &Entry : M->Classes) {
        ClassRef Ref{Entry.second, M.get(), M->Name + "." + Entry.first().str()};
        if (!isAppConfig(Ref))
          continue;
        G.Contributors.insert(M->Name);
        std::string Name = stringValue(classAttr(Ref.Def, "name"));
        std::string Label = stringValue(classAttr(Ref.Def, "label"));
        if (Name.empty())
          continue;
        bool Used = Listed.count(Ref.QualName) || M->Name == Name + ".apps" ||
                    defaultAppConfig(Name) == Ref.QualName;
        if (!Used && !Listed.empty())
          continue;
        if (Listed.count(Ref.QualName))
          AppNames.push_back(Name);
        if (!Label.empty() && (Used || !AppLabels.count(Name))) {
          AppLabels[Name] = Label;
          G.Contributors.insert(M->Name);
        }
      }
    for (const std::string &A : InstalledApps)
      if (!P.classNamed(A))
        AppNames.push_back(A);
  }

  /// `default_app_config = 'pkg.apps.PkgConfig'` in the app's package.
  std::string defaultAppConfig(llvm::StringRef App) {
    const ModuleInfo *Pkg = P.module(App);
    if (!Pkg)
      return "";
    if (Pkg->Globals.count("default_app_config"))
      G.Contributors.insert(Pkg->Name);
    auto It = Pkg->Globals.find("default_app_config");
    return It == Pkg->Globals.end() ? "" : stringValue(It->second);
  }

  bool isAppConfig(const ClassRef &C) {
    for (const BaseClass &B : frameworkBases())
      if (B.Role == BaseRole::AppConfig && P.derivesFrom(C, B.QualName))
        return true;
    return false;
  }

public:
  /// See ModelGraph::contributes.
  bool contributes(const ModuleInfo &M) {
    if (isSettingsModule(M.Name) || M.Globals.count("default_app_config"))
      return true;
    bool Stores = false;
    forEachRequestStore(
        M, [&](const py::Stmt *, const py::Expr *, const py::Stmt *) { Stores = true; });
    if (Stores)
      return true;
    for (const auto &Entry : M.Classes) {
      ClassRef Ref{Entry.second, &M, M.Name + "." + Entry.first().str()};
      if (isModel(Ref, 0) || isAppConfig(Ref))
        return true;
    }
    return false;
  }

  /// Rows stored on the request: `request.<attr> = <row>` in any function of the project,
  /// where the row is `Model.objects...get(...)`, `get_object_or_404(Model or queryset)`
  /// or a local name bound once to one. A name given rows of two models is dropped.
  void readRequestAttributes() {
    llvm::StringMap<const Model *> Found;
    llvm::StringSet<> Clashes;
    for (const auto &M : P.modules()) {
      if (M->Builtin)
        continue;
      forEachRequestStore(
          *M, [&](const py::Stmt *Fn, const py::Expr *Target, const py::Stmt *Assign) {
            G.Contributors.insert(M->Name);
            const Model *Mo = rowModel(*M, Fn, Assign->Value, 0);
            if (!Mo)
              return; // None, or something we cannot tell: says nothing against the others
            auto [It, New] = Found.try_emplace(Target->Id, Mo);
            if (!New && It->second != Mo)
              Clashes.insert(Target->Id);
          });
    }
    for (const auto &E : Found)
      if (!Clashes.count(E.first()))
        G.RequestAttrs[E.first()] = E.second;
  }

private:
  /// Calls \p Fn(function, target, assignment) for every `request.<attr> = value` in a
  /// function of \p M (not `request.user`, which Django's own middleware sets, nor a
  /// private name).
  template <typename F> static void forEachRequestStore(const ModuleInfo &M, F &&Fn) {
    std::function<void(const py::Stmt *, llvm::ArrayRef<py::Stmt *>)> Walk =
        [&](const py::Stmt *Owner, llvm::ArrayRef<py::Stmt *> Body) {
          for (const py::Stmt *St : Body) {
            if (St->Kind == StmtKind::Function) {
              Walk(St, St->Body);
              continue;
            }
            if (St->Kind == StmtKind::Class) {
              Walk(nullptr, St->Body);
              continue;
            }
            if (Owner && St->Kind == StmtKind::Assign && St->Value)
              for (const py::Expr *T : St->Targets)
                if (T && T->Kind == ExprKind::Attribute && T->Object &&
                    T->Object->isName("request") && T->Id != "user" &&
                    !llvm::StringRef(T->Id).starts_with("_"))
                  Fn(Owner, T, St);
            Walk(Owner, St->Body);
            Walk(Owner, St->OrElse);
            Walk(Owner, St->Finally);
            for (const auto &H : St->Handlers)
              Walk(Owner, H);
          }
        };
    Walk(nullptr, M.Ast->Body);
  }

  /// The one value local \p Name of function \p Fn is assigned (null: none, or several).
  static const py::Expr *localValue(const py::Stmt *Fn, llvm::StringRef Name) {
    const py::Expr *Value = nullptr;
    unsigned Count = 0;
    std::function<void(llvm::ArrayRef<py::Stmt *>)> Scan = [&](llvm::ArrayRef<py::Stmt *> Body) {
      for (const py::Stmt *St : Body) {
        if (St->Kind == StmtKind::Function || St->Kind == StmtKind::Class)
          continue;
        if (St->Kind == StmtKind::Assign || St->Kind == StmtKind::AugAssign ||
            St->Kind == StmtKind::For || St->Kind == StmtKind::With)
          for (const py::Expr *T : St->Targets)
            if (T && T->isName(Name)) {
              ++Count;
              Value = St->Kind == StmtKind::Assign ? St->Value : nullptr;
            }
        if (St->Target && St->Target->isName(Name))
          Count += 2; // a loop variable
        Scan(St->Body);
        Scan(St->OrElse);
        Scan(St->Finally);
        for (const auto &H : St->Handlers)
          Scan(H);
      }
    };
    Scan(Fn->Body);
    return Count == 1 ? Value : nullptr;
  }

  /// The model of the one row \p E (in function \p Fn of \p M) evaluates to, or null.
  const Model *rowModel(const ModuleInfo &M, const py::Stmt *Fn, const py::Expr *E,
                        unsigned Depth) {
    if (!E || Depth > 3)
      return nullptr;
    if (E->Kind == ExprKind::Name)
      return rowModel(M, Fn, localValue(Fn, E->Id), Depth + 1);
    if (E->Kind != ExprKind::Call || !E->Object)
      return nullptr;
    const py::Expr *F = E->Object;
    if (F->Kind == ExprKind::Attribute && queryMethodKind(F->Id) == QueryMethodKind::Single &&
        F->Id != "get_or_create" && F->Id != "update_or_create")
      return rowsModel(M, Fn, F->Object, Depth);
    if ((F->Kind == ExprKind::Name || F->Kind == ExprKind::Attribute) && !E->Args.empty() &&
        frameworkCall(P.resolveExpr(M, F)) == CallRole::GetObjectOr404)
      return rowsModel(M, Fn, E->Args[0], Depth);
    // A helper of the project that returns one (`site = _partner_site(host)`): the row
    // every one of its returns gives.
    if (F->Kind == ExprKind::Name || F->Kind == ExprKind::Attribute)
      if (FunctionRef H = P.functionNamed(P.resolveExpr(M, F)); H && H.Def != Fn) {
        const Model *Found = nullptr;
        bool Returns = false, Same = true;
        std::function<void(llvm::ArrayRef<py::Stmt *>)> Scan =
            [&](llvm::ArrayRef<py::Stmt *> Body) {
              for (const py::Stmt *St : Body) {
                if (St->Kind == StmtKind::Function || St->Kind == StmtKind::Class)
                  continue;
                if (St->Kind == StmtKind::Return) {
                  const Model *R = rowModel(*H.Module, H.Def, St->Value, Depth + 1);
                  Same &= R && (!Found || Found == R);
                  Found = R;
                  Returns = true;
                }
                Scan(St->Body);
                Scan(St->OrElse);
                Scan(St->Finally);
                for (const auto &X : St->Handlers)
                  Scan(X);
              }
            };
        Scan(H.Def->Body);
        return Returns && Same ? Found : nullptr;
      }
    return nullptr;
  }

  /// The model whose rows \p E (a model, manager or queryset chain) holds, or null.
  const Model *rowsModel(const ModuleInfo &M, const py::Stmt *Fn, const py::Expr *E,
                         unsigned Depth) {
    if (!E || Depth > 3)
      return nullptr;
    if (E->Kind == ExprKind::Name) {
      if (const py::Expr *V = localValue(Fn, E->Id))
        return rowsModel(M, Fn, V, Depth + 1);
      return G.modelNamed(P, P.resolveExpr(M, E));
    }
    if (E->Kind == ExprKind::Attribute) {
      const Model *Mo = G.modelNamed(P, P.resolveExpr(M, E));
      if (Mo)
        return Mo;
      const Model *Owner =
          E->Object && (E->Object->Kind == ExprKind::Name || E->Object->Kind == ExprKind::Attribute)
              ? G.modelNamed(P, P.resolveExpr(M, E->Object))
              : nullptr;
      return Owner && G.manager(Owner, E->Id) ? Owner : nullptr;
    }
    // A chain over the same rows: `.filter()`, `.select_related()`, `.annotate()`...
    if (E->Kind == ExprKind::Call && E->Object && E->Object->Kind == ExprKind::Attribute) {
      QueryMethodKind K = queryMethodKind(E->Object->Id);
      if (K == QueryMethodKind::Chain || K == QueryMethodKind::Related ||
          K == QueryMethodKind::Fields)
        return rowsModel(M, Fn, E->Object->Object, Depth);
    }
    return nullptr;
  }

  /// The installed app whose name is the longest prefix of module \p Mod, as Django's
  /// `apps.get_containing_app_config()` finds it ("" when none).
  std::string containingApp(llvm::StringRef Mod) {
    std::string Best;
    for (const std::string &A : AppNames)
      if ((Mod == A || Mod.starts_with(A + ".")) && A.size() > Best.size())
        Best = A;
    return Best;
  }

  /// AUTH_USER_MODEL not found in the settings we read (set in a file we do not parse):
  /// a concrete project class directly on AbstractUser (or AbstractBaseUser with
  /// PermissionsMixin) is the user model, since Django refuses such a model next to
  /// auth.User (their groups/permissions accessors clash). One only.
  void guessUserModel() {
    ClassRef Found;
    for (const auto &M : P.modules())
      for (const auto &Entry : M->Classes) {
        ClassRef Ref{Entry.second, M.get(), M->Name + "." + Entry.first().str()};
        if (M->Builtin || isDjangoModule(M->Name) ||
            isTrue(classAttr(metaClass(Ref.Def), "abstract")))
          continue;
        bool Base = false, Perms = false, User = false;
        for (const py::Expr *B : baseExprs(Ref.Def)) {
          std::string Q = P.resolveExpr(*M, B);
          User |= Q == "django.contrib.auth.models.AbstractUser";
          Base |= Q == "django.contrib.auth.base_user.AbstractBaseUser" ||
                  Q == "django.contrib.auth.models.AbstractBaseUser";
          Perms |= Q == "django.contrib.auth.models.PermissionsMixin";
        }
        if (User || (Base && Perms)) {
          if (Found)
            return;
          Found = Ref;
        }
      }
    if (Found)
      G.AuthUserLabel = appLabelFor(Found) + "." + Found.Def->Name;
  }

  std::string appLabelFor(const ClassRef &C) {
    std::string Meta = stringValue(classAttr(metaClass(C.Def), "app_label"));
    if (!Meta.empty())
      return Meta;
    llvm::StringRef Mod = C.Module->Name;
    if (std::string App = containingApp(Mod); !App.empty()) {
      auto It = AppLabels.find(App);
      if (It != AppLabels.end())
        return It->second;
      size_t Dot = App.rfind('.');
      return Dot == std::string::npos ? App : App.substr(Dot + 1);
    }
    // The app is the package holding the `models` module (or package).
    llvm::SmallVector<llvm::StringRef, 8> Parts;
    Mod.split(Parts, '.');
    size_t ModelsAt = Parts.size();
    for (size_t I = Parts.size(); I-- > 0;)
      if (Parts[I] == "models") {
        ModelsAt = I;
        break;
      }
    if (ModelsAt == Parts.size()) // models defined elsewhere: the module's package
      ModelsAt = C.Module->IsPackage ? Parts.size() : Parts.size() - 1;
    if (ModelsAt == 0)
      return Parts.empty() ? "" : Parts[0].str();
    std::string Package = llvm::join(llvm::ArrayRef(Parts).take_front(ModelsAt), ".");
    auto It = AppLabels.find(Package);
    if (It != AppLabels.end())
      return It->second;
    return Parts[ModelsAt - 1].str();
  }

  /// The relation kind of a field call: by its class name, or through the bases of a
  /// project subclass (`class UnsavedForeignKey(models.ForeignKey)`).
  std::optional<RelationKind> fieldKind(const ModuleInfo &M, const py::Expr *Call,
                                        llvm::StringRef ClassName) {
    if (auto K = relationFieldKind(ClassName))
      return K;
    ClassRef C = P.classFor(M, Call->Object);
    for (unsigned Depth = 0; C && Depth < limits::FieldClassDepth; ++Depth) {
      ClassRef Next;
      for (const py::Expr *B : baseExprs(C.Def)) {
        std::string Q = P.resolveExpr(*C.Module, B);
        if (auto K = relationFieldKind(llvm::StringRef(Q).rsplit('.').second))
          return K;
        if (auto K = relationFieldKind(Q))
          return K;
        if (ClassRef R = P.classNamed(Q); R && R.Def != C.Def && !Next)
          Next = R;
      }
      C = Next;
    }
    return std::nullopt;
  }

  /// A field class call in a class body: `models.ForeignKey(...)` etc.
  bool isFieldCall(const ModuleInfo &M, const py::Expr *E, std::string &ClassName) {
    if (!E || E->Kind != ExprKind::Call)
      return false;
    std::string Q = P.resolveExpr(M, E->Object);
    if (Q.empty())
      Q = E->Object->dotted();
    if (Q.empty())
      return false;
    ClassName = llvm::StringRef(Q).rsplit('.').second.str();
    if (ClassName.empty())
      ClassName = Q;
    return llvm::StringRef(ClassName).ends_with("Field") || fieldKind(M, E, ClassName);
  }

  /// A class on a base we cannot see is a model only when it declares Django model fields
  /// (`models.CharField`, any relation field) — serializer and form fields do not count.
  bool hasFieldDecls(const ClassRef &C) {
    std::string ClassName;
    for (const py::Stmt *S : C.Def->Body) {
      if (S->Kind != StmtKind::Assign || !isFieldCall(*C.Module, S->Value, ClassName))
        continue;
      std::string Q = P.resolveExpr(*C.Module, S->Value->Object);
      if (isDjangoFieldModule(Q) || fieldKind(*C.Module, S->Value, ClassName))
        return true;
    }
    return false;
  }

  /// True when \p C, a project class that is not a model, derives (through project
  /// classes) from a class outside the project that is not Django's, DRF's or a form's.
  bool externalBase(const ClassRef &C, unsigned Depth) {
    if (Depth > limits::InheritanceDepth)
      return false;
    for (const py::Expr *B : baseExprs(C.Def)) {
      std::string Q = P.resolveExpr(*C.Module, B);
      if (ClassRef R = P.classNamed(Q)) {
        if (R.Def != C.Def && externalBase(R, Depth + 1))
          return true;
        continue;
      }
      llvm::StringRef QR(Q);
      if (!Q.empty() && Q != "object" && !isFrameworkModule(QR) && QR.contains('.'))
        return true;
    }
    return false;
  }

  Model *isModel(const ClassRef &C, unsigned Depth) {
    if (auto It = ByDef.find(C.Def); It != ByDef.end())
      return It->second;
    if (Depth > limits::InheritanceDepth || Visiting[C.Def])
      return nullptr;
    Visiting[C.Def] = true;
    bool Direct = false, Unknown = false;
    std::vector<const Model *> Parents;
    for (const py::Expr *B : baseExprs(C.Def)) {
      std::string Q = P.resolveExpr(*C.Module, B);
      if (isDjangoModelBase(Q)) {
        Direct = true;
        continue;
      }
      if (ClassRef R = P.classNamed(Q)) {
        if (Model *PM = isModel(R, Depth + 1))
          Parents.push_back(PM);
        else if (externalBase(R, Depth + 1)) // a field-less project class on a package base
          Unknown = true;
        continue;
      }
      // Serializers, forms and filters declare fields too, and are never models.
      if (declaresNonModelFields(Q))
        return Visiting[C.Def] = false, nullptr;
      if (!Q.empty() && !isDjangoModule(Q))
        Unknown = true;
    }
    Visiting[C.Def] = false;
    // A class on a third-party base is a model only when it declares fields itself.
    bool ViaUnknown = Unknown && !Direct && Parents.empty() && hasFieldDecls(C);
    if (!Direct && Parents.empty() && !ViaUnknown)
      return nullptr;
    auto M = std::make_unique<Model>();
    M->Name = C.Def->Name;
    M->QualName = C.QualName;
    M->Class = C;
    M->Builtin = C.Module->Builtin;
    M->Parents = std::move(Parents);
    M->HasUnknownBase = Unknown;
    const py::Stmt *Meta = metaClass(C.Def);
    M->Abstract = isTrue(classAttr(Meta, "abstract"));
    M->Proxy = isTrue(classAttr(Meta, "proxy"));
    M->DefaultRelatedName = stringValue(classAttr(Meta, "default_related_name"));
    const py::Expr *Ordering = classAttr(Meta, "ordering");
    M->Ordered = Ordering && !(Ordering->Kind == ExprKind::List && Ordering->Args.empty()) &&
                 !(Ordering->Kind == ExprKind::Tuple && Ordering->Args.empty());
    if (!Ordering) // ordering is inherited, by abstract and concrete children alike
      for (const Model *Parent : M->Parents)
        M->Ordered |= Parent->Ordered;
    M->AppLabel = appLabelFor(C);
    // A swapped-out auth.User does not exist in the project.
    if (M->Builtin && M->QualName == "django.contrib.auth.models.User" &&
        llvm::StringRef(G.AuthUserLabel).lower() != "auth.user")
      M->Abstract = true;
    Model *Raw = M.get();
    if (!C.Module->Builtin)
      G.Contributors.insert(C.Module->Name);
    ByDef[C.Def] = Raw;
    G.ByQualName[Raw->QualName] = Raw;
    if (!Raw->Abstract)
      G.ByLabel[lower(Raw->AppLabel) + "." + lower(Raw->Name)] = Raw;
    G.Models.push_back(std::move(M));
    return Raw;
  }

  void collectOwnDecls(Model &M) {
    const ModuleInfo &Mod = *M.Class.Module;
    for (const py::Stmt *S : M.Class.Def->Body) {
      if (S->Kind != StmtKind::Assign || !S->Value || S->Targets.size() != 1 ||
          S->Targets[0]->Kind != ExprKind::Name)
        continue;
      llvm::StringRef Name = S->Targets[0]->Id;
      const py::Expr *V = S->Value;
      std::string ClassName;
      if (isFieldCall(Mod, V, ClassName)) {
        std::string Q = P.resolveExpr(Mod, V->Object);
        auto Kind = fieldKind(Mod, V, ClassName);
        // tagulous: a tag field relates to a tag model it generates for this field.
        bool Tagulous = llvm::StringRef(Q).starts_with("tagulous.") &&
                        (ClassName == "TagField" || ClassName == "SingleTagField");
        if (Tagulous)
          Kind = ClassName == "TagField" ? RelationKind::ManyToMany : RelationKind::ForeignKey;
        // django-auto-prefetch loads a relation for every row of the queryset at once
        // when one row reads it: reading it per row is not an N+1, so it is a plain column.
        if (!Kind || llvm::StringRef(Q).starts_with("auto_prefetch.")) {
          M.Columns.insert(Name);
          for (const char *Key : {"primary_key", "unique"})
            if (isTrue(V->keyword(Key)))
              M.UniqueColumns.insert(Name);
          if (Kind)
            M.Columns.insert((Name + "_id").str());
          continue;
        }
        FieldDecl D;
        D.Name = Name.str();
        D.Kind = *Kind;
        D.Module = &Mod;
        D.DeclaredOn = &M;
        D.TargetExpr = V->keyword("to");
        bool Taggit = ClassName == "TaggableManager";
        if (!D.TargetExpr && !V->Args.empty() && !Taggit && !Tagulous)
          D.TargetExpr = V->Args[0];
        if (Taggit) {
          D.Through = V->keyword("through");
          D.RelatedName = "+";
          D.DefaultTarget = "taggit.Tag";
        }
        if (Tagulous && !D.TargetExpr) {
          D.RelatedName = "+";
          D.GeneratedTarget = "tagulous.Tagulous_" + M.Name + "_" + Name.str();
        }
        if (const py::Expr *RN = V->keyword("related_name"))
          D.RelatedName = stringValue(RN);
        if (const py::Expr *Sym = V->keyword("symmetrical"))
          D.Symmetrical = isTrue(Sym);
        D.Nullable = isTrue(V->keyword("null"));
        Decls[&M].push_back(std::move(D));
        continue;
      }
      if (V->Kind == ExprKind::Call)
        collectManager(M, Name, V);
    }
  }

  /// Reads `name = Manager()`, `QS.as_manager()`, `M.from_queryset(QS)()`.
  void collectManager(Model &M, llvm::StringRef Name, const py::Expr *Call) {
    const ModuleInfo &Mod = *M.Class.Module;
    const py::Expr *F = Call->Object;
    ManagerInfo Info;
    Info.Name = Name.str();
    // QS.as_manager()
    if (F->Kind == ExprKind::Attribute && F->Id == "as_manager") {
      ClassRef QS = P.classFor(Mod, F->Object);
      if (!QS && !isQuerySetName(P.resolveExpr(Mod, F->Object)))
        return;
      Info.QuerySetClass = QS;
      M.Managers.push_back(std::move(Info));
      return;
    }
    // Manager.from_queryset(QS)()
    if (F->Kind == ExprKind::Call && F->Object->Kind == ExprKind::Attribute &&
        F->Object->Id == "from_queryset") {
      fromQuerySet(Mod, F, Info);
      M.Managers.push_back(std::move(Info));
      return;
    }
    std::string Q = P.resolveExpr(Mod, F);
    if (Q.empty())
      return;
    // A module-level name for another class: `ManagerBase = caching.base.CachingManager`.
    for (unsigned Hops = 0; Hops < limits::ImportChain && !P.classNamed(Q); ++Hops) {
      std::string Target = aliasTarget(Q);
      if (Target.empty() || Target == Q)
        break;
      Q = std::move(Target);
    }
    ClassRef C = P.classNamed(Q);
    if (C) {
      if (!isManagerClass(C))
        return;
      Info.ManagerClass = C;
      M.Managers.push_back(std::move(Info));
      return;
    }
    // A module-level alias: `OrderManager = BaseManager.from_queryset(OrderQuerySet)`.
    if (const ModuleInfo *Owner = P.module(llvm::StringRef(Q).rsplit('.').first)) {
      auto It = Owner->Globals.find(llvm::StringRef(Q).rsplit('.').second);
      if (It != Owner->Globals.end() && It->second->Kind == ExprKind::Call &&
          It->second->Object->Kind == ExprKind::Attribute &&
          It->second->Object->Id == "from_queryset") {
        fromQuerySet(*Owner, It->second, Info);
        M.Managers.push_back(std::move(Info));
        return;
      }
    }
    llvm::StringRef Last = llvm::StringRef(Q).rsplit('.').second;
    if (Last.ends_with("Manager")) {
      Info.External = !isDjangoModule(Q);
      M.Managers.push_back(std::move(Info));
    }
  }

  /// What module global \p Q is bound to when it names another class or module member
  /// (`ManagerBase = caching.base.CachingManager`), or "".
  std::string aliasTarget(llvm::StringRef Q) const {
    auto [ModName, Name] = Q.rsplit('.');
    const ModuleInfo *Owner = P.module(ModName);
    if (!Owner)
      return "";
    auto It = Owner->Globals.find(Name);
    if (It == Owner->Globals.end() ||
        (It->second->Kind != ExprKind::Name && It->second->Kind != ExprKind::Attribute))
      return "";
    return P.resolveExpr(*Owner, It->second);
  }

  void fromQuerySet(const ModuleInfo &Mod, const py::Expr *FromCall, ManagerInfo &Info) {
    ClassRef Base = P.classFor(Mod, FromCall->Object->Object);
    if (Base && isManagerClass(Base))
      Info.ManagerClass = Base;
    if (!FromCall->Args.empty())
      Info.QuerySetClass = P.classFor(Mod, FromCall->Args[0]);
  }

  static bool isQuerySetName(llvm::StringRef Q) { return Q.ends_with("QuerySet"); }

  bool isManagerClass(const ClassRef &C) {
    for (const BaseClass &B : frameworkBases())
      if (B.Role == BaseRole::Manager && P.derivesFrom(C, B.QualName))
        return true;
    return llvm::StringRef(C.Def->Name).ends_with("Manager");
  }

  /// Resolves a relation field's target to a model, seen from the concrete model \p On.
  const Model *resolveTarget(const FieldDecl &D, const Model &On) {
    const py::Expr *T = D.TargetExpr;
    if (!D.GeneratedTarget.empty())
      return addExternal(llvm::StringRef(D.GeneratedTarget).split('.').first,
                         llvm::StringRef(D.GeneratedTarget).split('.').second, "");
    if (!T && D.Through)
      return taggedTarget(D);
    if (!T && !D.DefaultTarget.empty())
      return G.modelByLabel(D.DefaultTarget);
    if (!T)
      return nullptr;
    std::string Label;
    if (T->Kind == ExprKind::String && T->Args.empty()) {
      Label = T->Id;
    } else {
      std::string Q = P.resolveExpr(*D.Module, T);
      if (Q == "django.conf.settings.AUTH_USER_MODEL" ||
          T->dotted() == "settings.AUTH_USER_MODEL" || isUserModelSetting(T))
        Label = G.AuthUserLabel;
      else if (T->Kind == ExprKind::Call)
        return G.loadedModel(P, *D.Module, T);
      else if (const Model *Named = G.modelNamed(P, Q))
        return Named;
      else
        return externalTarget(Q);
    }
    if (Label == "self")
      return &On;
    if (!llvm::StringRef(Label).contains('.'))
      Label = On.AppLabel + "." + Label;
    if (const Model *Found = G.modelByLabel(Label))
      return Found;
    return externalLabel(Label);
  }

  /// The tag model of `TaggableManager(through=TaggedThing)`: what the through model's
  /// `tag` foreign key points to.
  const Model *taggedTarget(const FieldDecl &D) {
    std::string Q = P.resolveExpr(*D.Module, D.Through);
    const Model *Through = D.Through->Kind == ExprKind::String
                               ? G.modelByLabel(stringValue(D.Through))
                               : G.modelNamed(P, Q);
    if (!Through)
      return nullptr;
    std::vector<FieldDecl> All;
    inheritedDecls(*Through, All, 0);
    for (const FieldDecl &F : All)
      if (F.Name == "tag" && F.Kind == RelationKind::ForeignKey && !F.Through)
        return resolveTarget(F, *Through);
    return nullptr;
  }

  /// `getattr(settings, 'AUTH_USER_MODEL', 'auth.User')`.
  static bool isUserModelSetting(const py::Expr *T) {
    return T->Kind == ExprKind::Call && T->Object->isName("getattr") && T->Args.size() >= 2 &&
           T->Args[0]->dotted() == "settings" && T->Args[1]->Kind == ExprKind::String &&
           T->Args[1]->Id == "AUTH_USER_MODEL";
  }

  /// A relation to a model of another package (not in the tree) is still a relation: a
  /// stand-in model without fields, made once per qualified name or label. Null when the
  /// name points into the project (a name we failed to resolve: stay silent).
  const Model *externalTarget(llvm::StringRef Qual) {
    if (Qual.empty() || !Qual.contains('.'))
      return nullptr;
    llvm::SmallVector<llvm::StringRef, 8> Parts;
    Qual.split(Parts, '.');
    for (size_t I = 1; I < Parts.size(); ++I)
      if (P.module(llvm::join(llvm::ArrayRef(Parts).take_front(I), ".")))
        return nullptr;
    if (const Model *Known = G.modelByQualName(Qual))
      return Known;
    std::string Label = Parts.front().str();
    for (size_t I = Parts.size() - 1; I-- > 1;)
      if (Parts[I] == "models") {
        Label = Parts[I - 1].str();
        break;
      }
    return addExternal(Label, Parts.back(), Qual);
  }

  /// `app_label.Model` naming an app the project does not define: a stand-in model.
  const Model *externalLabel(llvm::StringRef Label) {
    auto [App, Name] = Label.split('.');
    if (Name.empty() || Name.contains('.'))
      return nullptr;
    for (const auto &M : G.Models)
      if (llvm::StringRef(M->AppLabel).equals_insensitive(App))
        return nullptr; // the app is ours but the model is not found: do not guess
    return addExternal(App, Name, "");
  }

  const Model *addExternal(llvm::StringRef App, llvm::StringRef Name, llvm::StringRef Qual) {
    std::string Key = lower(App) + "." + lower(Name);
    if (Model *Known = G.ByLabel.lookup(Key))
      return Known;
    auto M = std::make_unique<Model>();
    M->Name = Name.str();
    M->AppLabel = App.str();
    M->QualName = Qual.empty() ? "<external>." + App.str() + "." + Name.str() : Qual.str();
    M->Builtin = true;
    M->HasUnknownBase = true;
    Model *Raw = M.get();
    G.ByQualName[Raw->QualName] = Raw;
    G.ByLabel[Key] = Raw;
    G.Models.push_back(std::move(M));
    return Raw;
  }

  std::string substitute(llvm::StringRef Pattern, const Model &On) {
    std::string S = Pattern.str();
    auto Replace = [&](llvm::StringRef From, llvm::StringRef To) {
      for (size_t At = S.find(From.str()); At != std::string::npos;
           At = S.find(From.str(), At + To.size()))
        S.replace(At, From.size(), To.str());
    };
    Replace("%(class)s", lower(On.Name));
    Replace("%(model_name)s", lower(On.Name));
    Replace("%(app_label)s", lower(On.AppLabel));
    return S;
  }

  /// Gathers field declarations of \p M and its abstract ancestors.
  void inheritedDecls(const Model &M, std::vector<FieldDecl> &Out, unsigned Depth) {
    if (Depth > limits::InheritanceDepth)
      return;
    for (const Model *Parent : M.Parents)
      if (Parent->Abstract)
        inheritedDecls(*Parent, Out, Depth + 1);
    auto It = Decls.find(&M);
    if (It != Decls.end())
      Out.insert(Out.end(), It->second.begin(), It->second.end());
  }

  void inheritedAbstract(const Model &M, Model &Into, unsigned Depth) {
    if (Depth > limits::InheritanceDepth)
      return;
    for (const Model *Parent : M.Parents) {
      if (!Parent->Abstract)
        continue;
      inheritedAbstract(*Parent, Into, Depth + 1);
      for (const auto &C : Parent->Columns)
        Into.Columns.insert(C.first());
      for (const auto &C : Parent->UniqueColumns)
        Into.UniqueColumns.insert(C.first());
      for (const ManagerInfo &MI : Parent->Managers)
        if (!llvm::any_of(Into.Managers, [&](const ManagerInfo &X) { return X.Name == MI.Name; }))
          Into.Managers.push_back(MI);
      if (Into.DefaultRelatedName.empty())
        Into.DefaultRelatedName = Parent->DefaultRelatedName;
    }
  }

  void addRelation(Model &Owner, Relation R) {
    R.Owner = &Owner;
    Owner.Relations.try_emplace(R.Name, std::move(R));
  }

  void addFields(Model &M) {
    inheritedAbstract(M, M, 0);
    std::vector<FieldDecl> All;
    inheritedDecls(M, All, 0);
    for (const FieldDecl &D : All) {
      const Model *Target =
          D.Kind == RelationKind::GenericForeignKey ? nullptr : resolveTarget(D, M);
      if (D.Kind != RelationKind::GenericForeignKey && !Target)
        continue; // unknown target: stay silent rather than guess
      Relation Forward{D.Name, D.Kind, &M, Target};
      Forward.Nullable = D.Nullable;
      addRelation(M, Forward);
      if (D.Kind == RelationKind::ForeignKey || D.Kind == RelationKind::OneToOne)
        M.Columns.insert(D.Name + "_id");
      if (D.Kind == RelationKind::GenericForeignKey || D.Kind == RelationKind::GenericRelation)
        continue;
      addReverse(M, D, const_cast<Model &>(*Target));
    }
    // Multi-table inheritance: the implicit parent link and its reverse one-to-one.
    for (const Model *Parent : M.Parents) {
      if (Parent->Abstract || M.Proxy)
        continue;
      std::string Link = lower(Parent->Name) + "_ptr";
      Relation Up{Link, RelationKind::OneToOne, &M, Parent, lower(M.Name)};
      Up.ParentLink = true;
      addRelation(M, Up);
      M.Columns.insert(Link + "_id");
      addRelation(const_cast<Model &>(*Parent),
                  Relation{lower(M.Name), RelationKind::ReverseOneToOne, Parent, &M, Link});
    }
  }

  void addReverse(Model &M, const FieldDecl &D, Model &Target) {
    std::string Name;
    if (D.RelatedName) {
      if (D.RelatedName->empty() || llvm::StringRef(*D.RelatedName).ends_with("+"))
        return;
      Name = substitute(*D.RelatedName, M);
    } else if (!M.DefaultRelatedName.empty()) {
      Name = substitute(M.DefaultRelatedName, M);
    } else if (D.Kind == RelationKind::OneToOne) {
      Name = lower(M.Name);
    } else {
      Name = lower(M.Name) + "_set";
    }
    // Django: `symmetrical` defaults to True only when the target is written 'self'.
    bool WrittenSelf = D.TargetExpr && stringValue(D.TargetExpr) == "self";
    if (D.Kind == RelationKind::ManyToMany && &Target == &M && D.Symmetrical.value_or(WrittenSelf))
      return; // symmetrical self M2M: no reverse accessor
    RelationKind Reverse = D.Kind == RelationKind::ForeignKey ? RelationKind::ReverseForeignKey
                           : D.Kind == RelationKind::OneToOne ? RelationKind::ReverseOneToOne
                                                              : RelationKind::ReverseManyToMany;
    addRelation(Target, Relation{Name, Reverse, &Target, &M, D.Name});
    if (auto It = M.Relations.find(D.Name); It != M.Relations.end())
      It->second.Counterpart = Name;
  }
};

std::unique_ptr<ModelGraph> ModelGraph::build(const Project &P) {
  auto G = std::make_unique<ModelGraph>();
  ModelGraphBuilder(P, *G).run();
  return G;
}

bool ModelGraph::contributes(const Project &P, const ModuleInfo &M) {
  ModelGraph Scratch;
  return ModelGraphBuilder(P, Scratch).contributes(M);
}

// The graph's lookups (models by name or label, relations, managers) are in
// ModelGraphLookups.cpp.

} // namespace nplus1::index
