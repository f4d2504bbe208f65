// Lookups over the framework catalog of Framework.def.
#include "index/Framework.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

namespace nplus1::index {

namespace {

constexpr llvm::StringLiteral Packages[] = {
#define NPLUS1_FRAMEWORK_PACKAGE(Package) Package,
#include "index/Framework.def"
};

/// True when \p Module is \p Package or one of its submodules (or names inside them).
bool inPackage(llvm::StringRef Module, llvm::StringRef Package) {
  return Module.consume_front(Package) && (Module.empty() || Module.front() == '.');
}

using namespace qm;
constexpr QueryMethod QueryMethods[] = {
#define NPLUS1_QUERYSET_METHOD(Name, Kind, Flags) {Name, QueryMethodKind::Kind, Flags},
#include "index/Framework.def"
};

struct ModelMethodRow {
  llvm::StringLiteral Name;
  unsigned Flags;
};
using namespace mm;
constexpr ModelMethodRow ModelMethods[] = {
#define NPLUS1_MODEL_METHOD(Name, Flags) {Name, Flags},
#include "index/Framework.def"
};

constexpr BaseClass Bases[] = {
#define NPLUS1_BASE_CLASS(Role, QualName, Label) {BaseRole::Role, QualName, Label},
#include "index/Framework.def"
};

constexpr llvm::StringLiteral NonModelFields[] = {
#define NPLUS1_NON_MODEL_FIELDS(Prefix) Prefix,
#include "index/Framework.def"
};

struct CallRow {
  CallRole Role;
  llvm::StringLiteral QualName;
};
constexpr CallRow Calls[] = {
#define NPLUS1_FRAMEWORK_CALL(Role, QualName) {CallRole::Role, QualName},
#include "index/Framework.def"
};

struct GraphQLFieldRow {
  GraphQLField Kind;
  llvm::StringLiteral QualName;
};
constexpr GraphQLFieldRow GraphQLFields[] = {
#define NPLUS1_GRAPHQL_FIELD(Kind, QualName) {GraphQLField::Kind, QualName},
#include "index/Framework.def"
};

constexpr RenderHelper RenderHelpers[] = {
#define NPLUS1_RENDER_HELPER(Name, QualName, NameArg, ContextArg)                                  \
  {Name, QualName, NameArg, ContextArg},
#include "index/Framework.def"
};

constexpr llvm::StringLiteral FrameworkParameters[] = {
#define NPLUS1_FRAMEWORK_PARAMETER(Name) Name,
#include "index/Framework.def"
};

} // namespace

bool isFrameworkModule(llvm::StringRef Module) {
  for (llvm::StringRef P : Packages)
    if (inPackage(Module, P))
      return true;
  return false;
}

bool isDjangoModule(llvm::StringRef Module) { return Module.starts_with("django."); }

bool isFrameworkParameter(llvm::StringRef Name) {
  return llvm::is_contained(FrameworkParameters, Name);
}

QueryMethod queryMethodOf(llvm::StringRef Name) {
  static const llvm::StringMap<const QueryMethod *> ByName = [] {
    llvm::StringMap<const QueryMethod *> M;
    for (const QueryMethod &Q : QueryMethods)
      M.try_emplace(Q.Name, &Q);
    return M;
  }();
  auto It = ByName.find(Name);
  return It == ByName.end() ? QueryMethod{Name} : *It->second;
}

unsigned modelMethodFlags(llvm::StringRef Name) {
  for (const ModelMethodRow &R : ModelMethods)
    if (R.Name == Name)
      return R.Flags;
  return 0;
}

llvm::ArrayRef<BaseClass> frameworkBases() { return Bases; }

bool isFrameworkBase(BaseRole Role, llvm::StringRef QualName) {
  for (const BaseClass &B : Bases)
    if (B.Role == Role && B.QualName == QualName)
      return true;
  return false;
}

bool declaresNonModelFields(llvm::StringRef Qual) {
  for (llvm::StringRef P : NonModelFields)
    if (Qual.starts_with(P))
      return true;
  return false;
}

CallRole frameworkCall(llvm::StringRef Qual) {
  for (const CallRow &C : Calls)
    if (C.QualName == Qual)
      return C.Role;
  return CallRole::None;
}

GraphQLField graphqlField(llvm::StringRef Qual) {
  for (const GraphQLFieldRow &F : GraphQLFields)
    if (F.QualName == Qual)
      return F.Kind;
  return GraphQLField::None;
}

CallRole inheritedCall(llvm::function_ref<bool(llvm::StringRef)> DerivesFrom) {
  for (const CallRow &C : Calls)
    if (DerivesFrom(C.QualName))
      return C.Role;
  return CallRole::None;
}

const RenderHelper *renderHelper(llvm::StringRef Qual) {
  bool Django = isDjangoModule(Qual);
  llvm::StringRef Last = Qual.rsplit('.').second;
  for (const RenderHelper &H : RenderHelpers)
    if (H.QualName.empty() ? Django && H.Name == Last : H.QualName == Qual)
      return &H;
  return nullptr;
}

} // namespace nplus1::index
