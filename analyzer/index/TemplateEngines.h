//===- index/TemplateEngines.h - Which engine renders a template -*- C++ -*-===//
//
// A Django project may render templates with Django's engine, with Jinja2
// (Django's own `django.template.backends.jinja2.Jinja2` backend or
// django-jinja's), or not at all: a `templates/` directory of a Helm chart or
// a static site generator is no Django template directory. The settings'
// `TEMPLATES` say which directory belongs to which engine; naming conventions
// (`.jinja` files, `jinja2/` directories) say the rest.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_INDEX_TEMPLATEENGINES_H
#define NPLUS1_INDEX_TEMPLATEENGINES_H

#include "parse/Python.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace nplus1::index {

/// What renders a template file.
enum class TemplateEngineKind { Django, Jinja2, NotTemplate };

/// One entry of the settings' TEMPLATES list.
struct TemplateBackend {
  bool Jinja2 = false;      ///< a Jinja2 backend (Django's or django-jinja's)
  bool DjangoJinja = false; ///< django-jinja: only names passing its match rules
  bool AppDirs = false;
  std::string AppDirname = "templates"; ///< the directory looked up in each app
  /// Each DIRS entry as the absolute directories it may denote (a relative entry is
  /// relative to the working directory: the root, or a directory holding manage.py).
  std::vector<std::vector<std::string>> Dirs;
  /// django-jinja's OPTIONS: the endings a name must have (none: any name) and the
  /// regular expression it must match from its start.
  std::vector<std::string> MatchExtensions;
  std::string MatchRegex;
  bool HasMatchRegex = false;
};

/// The template settings of a project, from every settings module that assigns
/// TEMPLATES.
struct TemplateSettings {
  std::vector<TemplateBackend> Backends;
  /// Some settings module assigns TEMPLATES.
  bool Found = false;
  /// Every entry was read in full: no DIRS entry, backend or list we could not
  /// evaluate, no custom template loader. Only then is a directory the settings do not
  /// name known not to be a Django template directory.
  bool Complete = true;
  /// Some settings module names pyjade's (or pypugjs's) Django loader, or its Jinja2
  /// extension: `.jade`/`.pug` files are templates, compiled to that engine's syntax.
  bool JadeDjango = false, JadeJinja2 = false;
};

/// Notes in \p S whether the settings module text \p Source names pyjade's or
/// pypugjs's Django loader (`pyjade.ext.django.Loader`) or Jinja2 extension
/// (`pyjade.ext.jinja.PyJadeExtension`) in a string, on a line that is no comment.
void notePyjade(TemplateSettings &S, llvm::StringRef Source);

/// A settings module, parsed, with where it lives.
struct SettingsSource {
  std::string ModuleName; ///< "shop.settings.base"
  std::string AbsPath;    ///< its file, for `__file__`
  bool IsPackage = false;
  const parse::py::Module *Ast = nullptr;
};

/// Reads TEMPLATES from \p Modules: literal lists and dicts, names bound to them, and
/// DIRS entries built from `__file__` with os.path/pathlib calls (`os.path.join(BASE_DIR,
/// "templates")`, `BASE_DIR / "templates"`, `Path(__file__).resolve().parent`...),
/// names followed through `from .base import *` and `from .x import NAME` among \p
/// Modules. Relative DIRS entries are taken against each of \p WorkingDirs.
TemplateSettings readTemplateSettings(llvm::ArrayRef<SettingsSource> Modules,
                                      llvm::ArrayRef<std::string> WorkingDirs);

/// Where a template file lies.
struct TemplatePlace {
  std::string AbsPath; ///< the file
  std::string Root;    ///< the `templates`, `jinja2` or configured directory it is under
  /// Root's parent directory is a Python package (an app's templates directory).
  bool RootInApp = false;
  /// Some directory above Root (up to the project root) is a Python package.
  bool InPackage = false;
  /// Root's parent directory holds Python files (a project's top-level templates
  /// next to manage.py or the settings).
  bool NextToPython = false;
  /// Root is a template directory named in nplus1's own configuration.
  bool Configured = false;
};

/// Which engine renders the file at \p P: the first backend of \p S whose DIRS or app
/// directories hold it and whose match rules accept its name, as Django's loaders try
/// the engines in order; else its naming (`.jinja`/`.jinja2`/`.j2`, a `jinja2`
/// directory); else Django for an app's `templates/` (or any when the settings could not
/// be read in full), and NotTemplate for a `templates/` directory outside any Python
/// code (a Helm chart, a static site) or inside a cookiecutter template.
TemplateEngineKind templateEngine(const TemplateSettings &S, const TemplatePlace &P);

/// Whether django-jinja's match rules accept template name \p Name (the name relative
/// to its template directory): it ends with one of the extensions (or there are none)
/// and the regex, if any, matches at its start. A regex we cannot compile accepts.
bool djangoJinjaMatches(const TemplateBackend &B, llvm::StringRef Name);

} // namespace nplus1::index

#endif
