#ifndef NPLUS1_INDEX_MODELGRAPH_H
#define NPLUS1_INDEX_MODELGRAPH_H

#include "index/Project.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

namespace nplus1::index {

struct Model;

/// How a relation attribute behaves on an instance.
enum class RelationKind {
  ForeignKey,        ///< forward FK: one object, select_related
  OneToOne,          ///< forward O2O (also a multi-table parent link): one object
  ReverseOneToOne,   ///< the other side of a O2O: one object, select_related
  ManyToMany,        ///< forward M2M: a related manager
  ReverseForeignKey, ///< `<model>_set` / related_name of a FK: a related manager
  ReverseManyToMany, ///< the other side of a M2M: a related manager
  GenericForeignKey, ///< `content_object`: one object, prefetch_related only
  GenericRelation,   ///< a related manager over a generic relation
};

/// One relation attribute of a model (forward or reverse).
struct Relation {
  std::string Name; ///< the attribute name on the owning model
  RelationKind Kind = RelationKind::ForeignKey;
  const Model *Owner = nullptr;
  const Model *Target = nullptr; ///< null for a GenericForeignKey
  /// The attribute on Target leading back here (`orders` <-> `customer`); rows fetched
  /// through a reverse FK already hold their owner under this name.
  std::string Counterpart;
  bool Nullable = false;   ///< forward FK/O2O with null=True (bare select_related skips it)
  bool ParentLink = false; ///< multi-table inheritance `<parent>_ptr`: read from the row
  /// True when the attribute is a related manager (reverse FK, M2M, generic relation).
  bool isMany() const {
    return Kind == RelationKind::ManyToMany || Kind == RelationKind::ReverseForeignKey ||
           Kind == RelationKind::ReverseManyToMany || Kind == RelationKind::GenericRelation;
  }
  /// True when `select_related` can load it (forward FK/O2O, reverse O2O).
  bool isSelectable() const {
    return Kind == RelationKind::ForeignKey || Kind == RelationKind::OneToOne ||
           Kind == RelationKind::ReverseOneToOne;
  }
};

/// A manager attribute of a model (`objects = OrderManager()`), with the project classes
/// behind it when they are known.
struct ManagerInfo {
  std::string Name;
  ClassRef ManagerClass;  ///< the project's Manager subclass, if any
  ClassRef QuerySetClass; ///< the project's QuerySet class (as_manager / from_queryset)
  bool External = false;  ///< a manager class from outside the project
  /// In a graph read from the cache: where ManagerClass / QuerySetClass are defined
  /// (module, class name); the classes stay empty while their module is not loaded.
  std::string ManagerModule, ManagerSymbol, QuerySetModule, QuerySetSymbol;
};

/// A Django model: its fields, relations and managers.
struct Model {
  std::string Name;
  std::string AppLabel;
  std::string QualName;
  ClassRef Class;
  /// In a graph read from the cache: where Class is defined (module, class name); Class
  /// stays empty while that module is not loaded.
  std::string ClassModule, ClassSymbol;
  bool Abstract = false;
  bool Proxy = false;
  bool Builtin = false;
  bool HasUnknownBase = false; ///< derives from a class we cannot see (third-party base)
  bool Ordered = false;        ///< Meta.ordering (own or inherited): querysets come out ordered
  std::vector<const Model *> Parents; ///< model bases (abstract or concrete)
  llvm::StringMap<Relation> Relations;
  llvm::StringSet<> Columns; ///< concrete columns incl. `<fk>_id` attnames
  /// Columns declared `primary_key=True` or `unique=True` (a filter on one matches one row).
  llvm::StringSet<> UniqueColumns;
  std::vector<ManagerInfo> Managers;
  std::string DefaultRelatedName;

  /// `app_label.Model` as Django writes it in messages.
  std::string label() const { return AppLabel + "." + Name; }
};

/// Whether module \p Name is a settings module ("settings", "proj.settings",
/// "proj.settings.base"...): where INSTALLED_APPS and TEMPLATES are read.
bool isSettingsModule(llvm::StringRef Name);

/// The relation \p Name on \p M or on one of its model bases (what ModelGraph::relation
/// answers; needs no graph, so later stages can walk a lookup from a model alone).
const Relation *findRelation(const Model *M, llvm::StringRef Name);

/// Every model of the project and of Django's built-in apps, with reverse relations
/// wired. Built once from a frozen Project, then read-only.
class ModelGraph {
public:
  static std::unique_ptr<ModelGraph> build(const Project &P);

  const Model *modelFor(const ClassRef &C) const;
  const Model *modelByQualName(llvm::StringRef QualName) const;
  /// Looks up `app_label.ModelName` (case-insensitive model name).
  const Model *modelByLabel(llvm::StringRef Label) const;
  /// The model a qualified name of \p P denotes: a model class (through re-exports), a
  /// module-level alias of one (`Order = models.Order`), or a module-level loader call
  /// (`User = get_user_model()`, `Product = get_model('catalogue', 'Product')`). Null when
  /// the name leads to no model we know: never a guess.
  const Model *modelNamed(const Project &P, llvm::StringRef QualName) const;
  /// The model a loader call written in \p M names: `get_user_model()`,
  /// `apps.get_model('app', 'Model')` or `('app.Model')`, a project's `get_model(...)`,
  /// `load_model(...)`, `get_class('app.models', 'Model')`,
  /// `getattr(settings, 'AUTH_USER_MODEL', ...)`. Null for any other expression.
  const Model *loadedModel(const Project &P, const ModuleInfo &M, const py::Expr *Call) const;
  /// The user model (settings.AUTH_USER_MODEL, default auth.User), if known.
  const Model *authUser() const;
  /// `app_label.Model` of the user model as settings name it.
  const std::string &authUserLabel() const { return AuthUserLabel; }
  /// The relation \p Name on \p M or on one of its model bases.
  const Relation *relation(const Model *M, llvm::StringRef Name) const;
  /// True when \p Name is a plain column of \p M (`name`, `customer_id`, `pk`, `id`...).
  bool isColumn(const Model *M, llvm::StringRef Name) const;
  /// True when filtering \p M on \p Name (a lookup without `__`) matches at most one row:
  /// `pk`, `id`, a declared primary key or unique column, a one-to-one field.
  bool isUniqueKey(const Model *M, llvm::StringRef Name) const;
  /// The manager \p Name of \p M (own, inherited, or the implicit `objects`).
  const ManagerInfo *manager(const Model *M, llvm::StringRef Name) const;
  llvm::ArrayRef<std::unique_ptr<Model>> models() const { return Models; }
  /// The model of the row the project's code stores on every request under \p Attr
  /// (`request.event = get_object_or_404(Event, slug=...)` in a middleware or a view
  /// decorator), read back as `request.event` anywhere; null when the project stores none,
  /// or rows of two models under that name.
  const Model *requestAttribute(llvm::StringRef Attr) const {
    auto It = RequestAttrs.find(Attr);
    return It == RequestAttrs.end() ? nullptr : It->second;
  }
  /// The class of \p M, of a manager, of its queryset. In a graph read from the cache
  /// whose module was not loaded these are empty, and the module is recorded as looked up
  /// (index/Lookups.h): the run then loads it and analyzes again.
  const ClassRef &classOf(const Model *M) const;
  const ClassRef &managerClass(const ManagerInfo &I) const;
  const ClassRef &querySetClass(const ManagerInfo &I) const;

  /// The graph in the incremental cache's binary form (index/Codec.h), and back. A graph
  /// read back has no classes until bind() finds them in a project's loaded modules.
  /// decode() fails on malformed or truncated bytes.
  std::string encode() const;
  static llvm::Expected<std::unique_ptr<ModelGraph>> decode(llvm::StringRef Bytes);
  /// Points the classes of a decoded graph at the modules \p P holds (again, for each
  /// index a run builds); fails when a loaded module lacks a class the graph names.
  llvm::Error bind(const Project &P);

  /// True when \p M adds to a model graph: it defines a model or an AppConfig with a
  /// label, it is a settings module, or it stores a row on the request. (For modules changed since
  /// the graph was built.)
  static bool contributes(const Project &P, const ModuleInfo &M);

  /// The project modules the graph was built from: those defining models, settings
  /// modules and modules with an AppConfig that sets a label.
  const llvm::StringSet<> &contributors() const { return Contributors; }

private:
  std::vector<std::unique_ptr<Model>> Models;
  llvm::StringMap<Model *> ByQualName;
  llvm::StringMap<Model *> ByLabel; ///< lower-cased "app.model"
  const Model *modelNamedAt(const Project &P, llvm::StringRef QualName, unsigned Depth) const;
  ManagerInfo DefaultManager{"objects", {}, {}, false};
  std::string AuthUserLabel = "auth.User";
  llvm::StringMap<const Model *> RequestAttrs;
  llvm::StringSet<> Contributors;
  friend class ModelGraphBuilder;
};

/// The built-in catalog: Django's own models (auth, contenttypes, admin, sites, sessions,
/// flatpages, redirects) as Python source, one entry per module.
struct CatalogModule {
  const char *ModuleName;
  const char *Source;
};
llvm::ArrayRef<CatalogModule> builtinCatalog();

} // namespace nplus1::index

#endif
