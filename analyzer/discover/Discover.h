#ifndef NPLUS1_DISCOVER_DISCOVER_H
#define NPLUS1_DISCOVER_DISCOVER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nplus1::discover {

/// What a discovered file is read as: Python, a Django template, a Jinja2 template, or
/// a Jade template compiled by pyjade/pypugjs to Django's or Jinja2's syntax.
/// discover() finds templates; which engine renders one is decided later, from the
/// settings (driver::classifyTemplates).
enum class FileKind { Python, Template, JinjaTemplate, JadeTemplate, JadeJinjaTemplate };

/// One file of the project.
struct File {
  std::string Path;         ///< as shown to the user: relative to the working directory
  std::string AbsPath;      ///< absolute, normalized
  std::string ModuleName;   ///< dotted Python module name ("orders.models"); "" for templates
  std::string TemplateName; ///< templates: name relative to its `templates/` or `jinja2/` dir
  bool IsPackage = false;   ///< an `__init__.py`
  bool IsTarget = false;    ///< inside the paths the user asked about (report findings here)
  FileKind Kind = FileKind::Python;
  /// Replaces the file's content on disk for this run (`--stdin-filename`).
  std::optional<std::string> Text;
};

/// What to look at.
struct Options {
  std::vector<std::string> Paths;         ///< files or directories; empty means "."
  std::vector<std::string> Exclude;       ///< replaces the default excludes when non-empty
  std::vector<std::string> ExtendExclude; ///< added to the excludes
  bool ParseOnly = false; ///< stop after parsing (benchmarks: the floor of a run's cost)
  std::vector<std::string> TemplateDirs; ///< extra template roots (absolute)
  /// Files named one by one: also check the modules importing a target module, and report
  /// the findings pointing into the targets (a view's template findings), not only those
  /// located there.
  bool WithDependents = false;
  /// Absolute path -> the text that replaces that file's content on disk for the run
  /// (`--stdin-filename`); the file is read from nowhere else.
  std::map<std::string, std::string> Contents;
};

/// A path that could not be used, with the reason.
struct Problem {
  std::string Path;
  std::string Message;
};

/// The files of a run: every Python file of the project (the model graph needs them all),
/// with IsTarget set on the ones under the requested paths.
struct Result {
  std::string Root; ///< the project root (absolute)
  std::vector<File> Files;
  std::vector<Problem> Problems;
};

/// Directory names skipped unless the user replaces the excludes.
llvm::ArrayRef<const char *> defaultExcludes();

/// Finds the project root for \p Paths: the nearest common ancestor holding `manage.py`,
/// `pyproject.toml`, `setup.cfg`, `setup.py` or `.git`; else the common ancestor itself.
std::string findProjectRoot(llvm::ArrayRef<std::string> AbsPaths);

/// Walks the project and returns its files in a stable (sorted) order: Python files, and
/// the templates under every directory named `templates` or `jinja2` (app directories and
/// the usual `DIRS` entries alike) and the configured template directories.
Result discover(const Options &Opts);

/// Dotted module name of a Python file: its name joined to every enclosing directory that
/// holds an `__init__.py`.
std::string moduleNameFor(llvm::StringRef AbsPath, bool &IsPackage);

} // namespace nplus1::discover

#endif
