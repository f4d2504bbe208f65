#ifndef NPLUS1_FLOW_TEMPLATECALLABLES_H
#define NPLUS1_FLOW_TEMPLATECALLABLES_H

#include "index/Project.h"

#include "llvm/ADT/StringMap.h"

namespace nplus1::flow {

/// A project function a template calls by name.
struct TemplateCallable {
  index::FunctionRef Fn;
  /// Its first parameter is the template context, not a value the template passes.
  bool TakesContext = false;
};

/// The functions the project registers for its templates, by the name templates use:
/// filters (`@register.filter`), and tags and Jinja2 globals (`@register.simple_tag`,
/// `@register.inclusion_tag`, `@register.function`, `@library.global_function`). Built
/// once per run from the frozen project, then read-only.
struct TemplateCallables {
  llvm::StringMap<TemplateCallable> Filters;
  llvm::StringMap<TemplateCallable> Functions;
  void collect(const index::Project &P);
};

} // namespace nplus1::flow

#endif
