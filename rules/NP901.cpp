// NP901 syntax-error: a file that does not parse. The rest of the file is still analyzed
// where it parsed; the run goes on.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP901", "syntax-error", "a Python file does not parse", FixAvailability::Never,
                    R"doc(## What it does
Reports a Python file (or template) that does not parse.

## Why is this bad?
nplus1 cannot see querysets or loops in code it cannot read, so findings in that part of
the file may be missing. The rest of the project is still analyzed.

## Example
```python
def broken(:
    pass
```

## Use instead
Fix the syntax error; `python -m py_compile FILE` shows Python's own message.

## Fix safety
No fix is offered.
)doc"};

/// NP901: does not parse.
class SyntaxErrorRule final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }
  void check(const flow::Event &, std::vector<Diagnostic> &) const override {}
};

} // namespace

const Rule &getSyntaxError() {
  static const SyntaxErrorRule R;
  return R;
}

Diagnostic syntaxError(const SourceFile &File, Range Where, llvm::StringRef Message) {
  return detail::fileDiagnostic(Info, &File, Where,
                                "cannot parse this file: " + Message.str() +
                                    "; findings in it may be missing");
}

} // namespace nplus1::rules
