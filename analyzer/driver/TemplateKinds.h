#ifndef NPLUS1_DRIVER_TEMPLATEKINDS_H
#define NPLUS1_DRIVER_TEMPLATEKINDS_H

#include "discover/Discover.h"

namespace nplus1::driver {

/// Decides which engine renders each discovered template, from the settings modules'
/// TEMPLATES and the naming conventions (index::templateEngine): Jinja2 templates become
/// FileKind::JinjaTemplate, and files in `templates/` directories that no Django engine
/// reads (a Helm chart, a static site) leave the run. \p ConfiguredDirs are the template
/// directories of nplus1's own configuration (absolute).
void classifyTemplates(discover::Result &R, llvm::ArrayRef<std::string> ConfiguredDirs);

} // namespace nplus1::driver

#endif
