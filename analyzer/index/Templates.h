#ifndef NPLUS1_INDEX_TEMPLATES_H
#define NPLUS1_INDEX_TEMPLATES_H

#include "index/Lookups.h"
#include "parse/Source.h"
#include "parse/Template.h"

#include "llvm/ADT/StringMap.h"

#include <memory>

namespace nplus1::index {

/// One parsed template.
struct TemplateFile {
  std::string Name; ///< "customers/list.html"
  std::shared_ptr<const parse::SourceFile> File;
  parse::tpl::Template Tree;
  /// Rendered by Jinja2, not Django: Tree comes from the Jinja2 front end (parse/Jinja.h)
  /// and is never checked against Django's template syntax.
  bool IsJinja2 = false;
};

/// Every template of the project by name. When two template directories hold the same
/// name, the first in path order wins (Django's own order depends on settings we read
/// only partly). Built once, then read-only.
class TemplateIndex {
public:
  void add(std::shared_ptr<const TemplateFile> T) {
    ByName.try_emplace(T->Name, T.get());
    All.push_back(std::move(T));
  }
  const TemplateFile *find(llvm::StringRef Name) const {
    noteTemplateLookup(Name);
    auto It = ByName.find(Name);
    return It == ByName.end() ? nullptr : It->second;
  }
  size_t size() const { return All.size(); }

private:
  std::vector<std::shared_ptr<const TemplateFile>> All;
  llvm::StringMap<const TemplateFile *> ByName;
};

} // namespace nplus1::index

#endif
