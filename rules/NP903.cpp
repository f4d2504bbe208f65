// NP903 unused-suppression: a `# noqa: NP1xx` that silences nothing.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP903", "unused-suppression", "a `# noqa: NPxxx` comment suppresses nothing",
                    FixAvailability::Never,
                    R"doc(## What it does
Reports a suppression comment that names nplus1 codes — `# noqa: NP101`,
`# nplus1: ignore[NP101]`, `{# noqa: NP101 #}` in a template — on a line where no such
finding is reported (on the line itself or, for a queryset line, on any loop it feeds).

## Why is this bad?
Stale suppressions pile up: once the queryset is fixed or the code moves, the comment
silences nothing today but will hide the next real N+1 on that line.

## Example
```python
orders = Order.objects.select_related("customer")  # noqa: NP101
```

## Use instead
Delete the comment. A bare `# noqa` (without codes) is left alone: other linters use it too.

## Fix safety
No fix is offered.
)doc"};

/// NP903: a suppression that suppresses nothing.
class UnusedSuppressionRule final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }
  void check(const flow::Event &, std::vector<Diagnostic> &) const override {}
};

} // namespace

const Rule &getUnusedSuppression() {
  static const UnusedSuppressionRule R;
  return R;
}

Diagnostic unusedSuppression(const SourceFile &File, Range Where, llvm::StringRef Codes) {
  return detail::fileDiagnostic(
      Info, &File, Where, "this suppression (" + Codes.str() + ") silences no finding; remove it");
}

} // namespace nplus1::rules
