// NP902 unreadable-file: a file that cannot be read. Reported, and the run goes on.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP902", "unreadable-file", "a file cannot be read", FixAvailability::Never,
                    R"doc(## What it does
Reports a file nplus1 was asked to analyze but could not read (permissions, a broken
symlink, a file that is not UTF-8 text, a directory that vanished during the run).

## Why is this bad?
Nothing in that file is analyzed, and models declared in it are missing from the model
graph, so findings elsewhere may be missing too.

## Example
`chmod 000 shop/views.py` makes the file unreadable.

## Use instead
Make the file readable, or exclude it with `--extend-exclude`.

## Fix safety
No fix is offered.
)doc"};

/// NP902: cannot be read.
class UnreadableFileRule final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }
  void check(const flow::Event &, std::vector<Diagnostic> &) const override {}
};

} // namespace

const Rule &getUnreadableFile() {
  static const UnreadableFileRule R;
  return R;
}

Diagnostic unreadableFile(llvm::StringRef Path, llvm::StringRef Message) {
  Diagnostic D =
      detail::fileDiagnostic(Info, nullptr, {}, "cannot read this file: " + Message.str());
  D.Path = Path.str();
  return D;
}

} // namespace nplus1::rules
