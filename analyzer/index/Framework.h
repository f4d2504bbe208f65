#ifndef NPLUS1_INDEX_FRAMEWORK_H
#define NPLUS1_INDEX_FRAMEWORK_H

// The framework catalog: Django's, DRF's and modelled third-party APIs as data. The rows
// are in Framework.def; these are the lookups over them.

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace nplus1::index {

/// True for the modules of the framework packages nplus1 models instead of reading as
/// project code (`django`, `rest_framework`, `django_filters` and their submodules; the
/// NPLUS1_FRAMEWORK_PACKAGE rows). Also answers for qualified names inside them.
bool isFrameworkModule(llvm::StringRef Module);

/// True for Django's own modules (`django.*`), a narrower question than
/// isFrameworkModule(): where only Django's code is modelled (its catalog models, its
/// render helpers), DRF's and third-party code still counts as someone else's.
bool isDjangoModule(llvm::StringRef Module);

/// True for a parameter name Django fills with a non-model value (NPLUS1_FRAMEWORK_PARAMETER
/// rows: `request`, `self`, `cls`).
bool isFrameworkParameter(llvm::StringRef Name);

/// What a queryset method does to the flow (the Kind column of NPLUS1_QUERYSET_METHOD).
enum class QueryMethodKind : uint8_t {
  Unknown,   ///< not a queryset method nplus1 knows (a custom one, or not a method)
  Chain,     ///< another queryset over the same rows
  Single,    ///< one row
  Values,    ///< dicts, tuples or dates instead of model rows
  Scalar,    ///< a number, a write, nothing per row
  Related,   ///< select_related / prefetch_related
  Fields,    ///< only / defer
  FetchMode, ///< fetch_mode (Django 6.1)
  Iterator,  ///< iterator()
  SetOp,     ///< union / intersection / difference
};

/// Flags of a queryset method (the Flags column of NPLUS1_QUERYSET_METHOD).
namespace qm {
enum QueryMethodFlags : unsigned {
  LosesLookups = 1u << 0, ///< the rows no longer load what the lookups say
  Queries = 1u << 1,      ///< a query of its own when called in a loop
  Counts = 1u << 2,       ///< count()/exists(): an aggregate per row on a related manager
  ReturnsRows = 1u << 3,  ///< a scalar that still hands out rows (in_bulk)
  Empty = 1u << 4,        ///< an empty queryset, never queried
  ObjectPair = 1u << 5,   ///< an (object, created) pair: get_or_create/update_or_create
};
} // namespace qm

/// One NPLUS1_QUERYSET_METHOD row.
struct QueryMethod {
  llvm::StringRef Name;
  QueryMethodKind Kind = QueryMethodKind::Unknown;
  unsigned Flags = 0;
  bool has(unsigned F) const { return (Flags & F) != 0; }
};

/// The catalog row of queryset method \p Name; Kind Unknown when there is none.
QueryMethod queryMethodOf(llvm::StringRef Name);
/// The kind of queryset method \p Name (queryMethodOf(Name).Kind).
inline QueryMethodKind queryMethodKind(llvm::StringRef Name) { return queryMethodOf(Name).Kind; }

/// Flags of a model, manager or queryset method (the Flags of NPLUS1_MODEL_METHOD).
namespace mm {
enum ModelMethodFlags : unsigned {
  Writes = 1u << 0,          ///< writes to the database
  RelatedOnly = 1u << 1,     ///< a write only on a related manager
  RowWrite = 1u << 2,        ///< one write per row when called on a loop row
  QuerySetWrite = 1u << 3,   ///< one write per row when called on a queryset of the loop
  ReadsNoRelation = 1u << 4, ///< a Model method reading no related object
  AlwaysWrites = 1u << 5,    ///< writes on every call, not only when a row is missing
};
} // namespace mm

/// The NPLUS1_MODEL_METHOD flags of method \p Name (0 when it has no row).
unsigned modelMethodFlags(llvm::StringRef Name);

/// Why nplus1 recognises subclasses of a framework class (NPLUS1_BASE_CLASS rows).
enum class BaseRole : uint8_t {
  Model,          ///< a Django model
  Manager,        ///< a Django model manager
  AppConfig,      ///< an application's configuration
  Serializer,     ///< a DRF serializer
  GenericView,    ///< a generic view: Django's by class name, DRF list ("api") or
                  ///< retrieve ("api-retrieve") views
  RetrieveAction, ///< a DRF view that also serializes one object alone
  ViewMixin,      ///< a Django view mixin: "template" (renders template_name), or the
                  ///< generic view whose object or rows it gives ("DetailView", "ListView")
  Feed,           ///< a django.contrib.syndication feed
  GraphQLType,    ///< a graphene ObjectType ("django": a graphene_django DjangoObjectType)
};

/// One NPLUS1_BASE_CLASS row.
struct BaseClass {
  BaseRole Role;
  llvm::StringRef QualName;
  llvm::StringRef Label;
};

/// Every NPLUS1_BASE_CLASS row, in catalog order (callers filter by role).
llvm::ArrayRef<BaseClass> frameworkBases();
/// True when \p QualName is itself one of the \p Role rows.
bool isFrameworkBase(BaseRole Role, llvm::StringRef QualName);

/// True for a class (qualified name \p Qual) that declares fields but is never a model
/// (NPLUS1_NON_MODEL_FIELDS rows: serializers, forms, filter sets).
bool declaresNonModelFields(llvm::StringRef Qual);

/// What a modelled framework call does (NPLUS1_FRAMEWORK_CALL rows).
enum class CallRole : uint8_t {
  None,            ///< not a modelled call
  Paginator,       ///< Paginator(qs, n) / Page(qs, ...): slices of the same rows
  PrefetchObjects, ///< prefetch_related_objects(objs, *lookups)
  GetObjectOr404,  ///< get_object_or_404(Model or queryset, ...): one row
  ContextVariable, ///< a decorator: the view method's value joins the template context
};

/// The role of the framework callable with qualified name \p Qual.
CallRole frameworkCall(llvm::StringRef Qual);

/// The role a project class inherits from a modelled framework class (a project's own
/// `Paginator(django.core.paginator.Paginator)`): that of the first NPLUS1_FRAMEWORK_CALL
/// row whose qualified name \p DerivesFrom accepts.
CallRole inheritedCall(llvm::function_ref<bool(llvm::StringRef)> DerivesFrom);

/// What a graphene field class declares (NPLUS1_GRAPHQL_FIELD rows).
enum class GraphQLField : uint8_t {
  None, ///< not a modelled field class
  List, ///< a list of the type its first argument names
  Wrap, ///< Field(T) / NonNull(T): the type inside
};

/// The kind of the graphene field class with qualified name \p Qual.
GraphQLField graphqlField(llvm::StringRef Qual);

/// One NPLUS1_RENDER_HELPER row.
struct RenderHelper {
  llvm::StringRef Name;     ///< last name of the callee ("render_to_string")
  llvm::StringRef QualName; ///< exact qualified name required, or "" (any django module)
  int NameArg = -1;         ///< position of the template name
  int ContextArg = -1;      ///< position of the context; -1: returns a template object
};

/// The render helper a callee with qualified name \p Qual denotes, or null.
const RenderHelper *renderHelper(llvm::StringRef Qual);

} // namespace nplus1::index

#endif
