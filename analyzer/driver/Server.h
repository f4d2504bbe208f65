#ifndef NPLUS1_DRIVER_SERVER_H
#define NPLUS1_DRIVER_SERVER_H

#include "rules/Rule.h"

#include <string>

namespace nplus1::driver {

/// What `nplus1 server` was asked for.
struct ServerOptions {
  /// Quiet time after an edit before the project is analyzed again, so that typing does
  /// not start one analysis per keystroke.
  unsigned DebounceMs = 200;
  int In = 0, Out = 1; ///< file descriptors of the protocol's two directions
};

/// `nplus1 server`: a Language Server Protocol server on \p Opts.In / \p Opts.Out. It
/// analyzes the workspace as `nplus1 check ROOT` does (same settings, same incremental
/// cache), with the editor's unsaved texts in place of the files on disk, publishes the
/// findings of every file, offers their fixes as code actions and the rules' documentation
/// on hover. Returns the exit status: 0 after `shutdown` then `exit`, 1 when `exit` comes
/// without `shutdown` or the input ends first (as the protocol asks).
int runServer(const ServerOptions &Opts);

/// A rule's documentation as `nplus1 rule CODE` prints it (Markdown): a title with its name
/// and code, whether a fix is available, and its doc.
std::string ruleDocumentation(const rules::RuleInfo &Info);

} // namespace nplus1::driver

#endif
