#ifndef NPLUS1_INDEX_PROJECT_H
#define NPLUS1_INDEX_PROJECT_H

#include "parse/Ast.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <map>

#include <memory>
#include <string>
#include <vector>

namespace nplus1::index {

namespace py = parse::py;

/// One Python module of the project (or of the built-in Django catalog) with its
/// top-level symbols.
struct ModuleInfo {
  std::string Name; ///< dotted module name
  bool IsPackage = false;
  bool Builtin = false;                  ///< from the built-in catalog, never reported on
  std::shared_ptr<const py::Module> Ast; ///< shared: a run may rebuild the index over it
  llvm::StringMap<const py::Stmt *> Classes;
  llvm::StringMap<const py::Stmt *> Functions;
  llvm::StringMap<std::string> Imports;      ///< local name -> qualified name it refers to
  llvm::StringMap<const py::Expr *> Globals; ///< module-level `NAME = value`
  std::vector<std::string> StarImports;      ///< modules imported with `*`

  /// The package a relative import in this module starts from.
  std::string packageName() const;
};

/// A class of the project together with the module that defines it.
struct ClassRef {
  const py::Stmt *Def = nullptr;
  const ModuleInfo *Module = nullptr;
  std::string QualName;
  explicit operator bool() const { return Def != nullptr; }
};

/// A function (module level) of the project with its module.
struct FunctionRef {
  const py::Stmt *Def = nullptr;
  const ModuleInfo *Module = nullptr;
  std::string QualName;
  explicit operator bool() const { return Def != nullptr; }
};

/// All modules and their symbols; name resolution across imports and re-exports.
/// Built once, then read-only (shared by the per-file passes on every thread).
class Project {
public:
  /// Adds a parsed module; call before freeze().
  ModuleInfo &addModule(std::shared_ptr<const py::Module> Ast, std::string Name, bool IsPackage,
                        bool Builtin);
  /// The second module names (uniqueTails) computed over every module of the project,
  /// including those not loaded in this run; without it freeze() computes them over the
  /// modules added. Call before freeze().
  void setModuleTails(std::map<std::string, std::string> T) {
    Tails = std::move(T);
    TailsGiven = true;
  }
  /// Indexes every module's symbols. No module may be added afterwards.
  void freeze();

  const ModuleInfo *module(llvm::StringRef Name) const;
  llvm::ArrayRef<std::unique_ptr<ModuleInfo>> modules() const { return Modules; }
  /// The module parsed from \p File, or null (a template, or a file of no module).
  const ModuleInfo *moduleOfFile(const parse::SourceFile *File) const {
    auto It = ByFile.find(File);
    return It == ByFile.end() ? nullptr : It->second;
  }

  /// The qualified name a local name of \p M refers to ("" when it is unbound there).
  std::string resolveName(const ModuleInfo &M, llvm::StringRef Name) const;
  /// The qualified name of a dotted expression (`models.ForeignKey`) in \p M, or "".
  std::string resolveExpr(const ModuleInfo &M, const py::Expr *E) const;
  /// The class a qualified name denotes, following re-exports (`from .a import X`).
  ClassRef classNamed(llvm::StringRef QualName) const;
  /// The module-level function a qualified name denotes, following re-exports.
  FunctionRef functionNamed(llvm::StringRef QualName) const;
  /// The value of the module-level assignment a qualified name denotes, following
  /// re-exports (`User = get_user_model()`); sets \p Owner to its module. Null if none.
  const py::Expr *globalNamed(llvm::StringRef QualName, const ModuleInfo *&Owner) const;
  /// What an import statement inside a function of \p M binds: local name -> qualified.
  std::vector<std::pair<std::string, std::string>> importBindings(const ModuleInfo &M,
                                                                  const py::Stmt &Import) const;
  /// The class a name or dotted expression in \p M denotes.
  ClassRef classFor(const ModuleInfo &M, const py::Expr *E) const;
  /// A method defined on \p C or inherited from one of the project's base classes.
  const py::Stmt *findMethod(const ClassRef &C, llvm::StringRef Name,
                             ClassRef *Owner = nullptr) const;
  /// The project classes \p C derives from, in declaration order (one level).
  std::vector<ClassRef> bases(const ClassRef &C) const;
  /// \p C's method resolution order over project classes (C3 linearization, as Python
  /// computes `C.__mro__`; classes outside the project are left out). \p C comes first.
  /// Falls back to breadth-first order when the bases admit no consistent order.
  std::vector<ClassRef> mro(const ClassRef &C) const;
  /// True when \p C is, or derives from, the class named \p QualName (or a class whose
  /// qualified name ends with "." + the last part of QualName, for bases outside the
  /// project).
  bool derivesFrom(const ClassRef &C, llvm::StringRef QualName) const;

  /// True when `from M import *` binds \p Name: listed in `__all__` when M has one,
  /// otherwise any name without a leading underscore.
  static bool exportsByStar(const ModuleInfo &M, llvm::StringRef Name);

private:
  std::vector<std::unique_ptr<ModuleInfo>> Modules;
  llvm::StringMap<ModuleInfo *> ByName;
  llvm::DenseMap<const parse::SourceFile *, ModuleInfo *> ByFile;
  llvm::StringMap<ModuleInfo *> ByTail; ///< unique dotted tails (null: not loaded)
  std::map<std::string, std::string> Tails;
  bool TailsGiven = false;

  std::string resolveNameAt(const ModuleInfo &M, llvm::StringRef Name, unsigned Depth) const;
  /// Splits "a.b.C" into the longest known module prefix and the rest, following
  /// re-exports; fills \p Out with the resolved qualified name.
  bool resolveQual(llvm::StringRef QualName, const ModuleInfo *&M, std::string &Symbol,
                   unsigned Depth) const;
};

/// Second names of modules for projects that put a source folder on sys.path: every
/// dotted tail of two or more parts of a name in \p Names (`forums.models` of
/// `kitsune.apps.forums.models`) that is not itself a name and ends one name only,
/// mapped to that name. The index and the cache's name-to-file map both use it.
std::map<std::string, std::string> uniqueTails(const llvm::StringSet<> &Names);

} // namespace nplus1::index

#endif
