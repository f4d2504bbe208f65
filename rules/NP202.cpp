// NP202 loop-invariant-query: a query inside a loop over a queryset that reads nothing the
// loop changes: the same query, run again in every pass.
#include "AnalysisLimits.h"
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP202", "loop-invariant-query",
                    "the same query runs again in every pass of a loop over a queryset",
                    FixAvailability::Never, R"doc(## What it does
Finds a query built and run inside a loop over a queryset (`Settings.objects.get(pk=1)`,
`Customer.objects.count()`, a nested `for` over `Tag.objects.all()`) that reads no name the
loop binds or changes: the loop's row, names assigned in the loop, locals the loop
mutates (`seen.append(x)`). It is the same query in every pass. Inside nested loops it runs
once per row of each: N x M times.

Reported as NP106 instead when the query uses the row (`Customer.objects.get(pk=
order.customer_id)`), when it is built across several statements, and when the loop writes
to the database (its result may then change from one pass to the next).

## Why is this bad?
N rows, N identical round trips. Django does not cache a query's result between two
querysets, so nothing but moving the query saves them.

## Example
```python
for order in Order.objects.all():
    rate = Settings.objects.get(pk=1).vat_rate  # the same query for every order
    order.total_with_vat = order.total * rate
```

## Use instead
```python
rate = Settings.objects.get(pk=1).vat_rate  # once, above the loop
for order in Order.objects.all():
    order.total_with_vat = order.total * rate
```
For a nested loop over a queryset, evaluate it once above the outer loop
(`tags = list(Tag.objects.all())`) and iterate the list.

## Fix safety
No automatic fix: the query moves, and the code may rely on it running late (after an
earlier pass's side effects that nplus1 cannot see). The message says where it goes.
)doc"};

/// NP202: a loop-invariant query.
class LoopInvariantQuery final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::QueryInLoop || !detail::loopInvariant(E))
      return;
    Diagnostic D = detail::fileDiagnostic(Info, E.File, E.Access, "");
    D.Model = detail::modelLabel(E.Model);
    std::string Text = detail::accessText(E);
    if (Text.size() > limits::QuotedCodeWidth || Text.find('\n') != std::string::npos)
      Text = detail::clipText(Text, limits::QuotedCodeWidth - 3);
    std::string Rows;
    for (size_t I = 0; I < E.Loops.size(); ++I) {
      if (I)
        Rows += I + 1 == E.Loops.size() ? " and " : ", ";
      Rows += "`" + E.Loops[I]->SourceText + "`";
    }
    D.Message = "`" + Text + "` runs the same " + detail::modelLabel(E.Model) +
                " query once per row of " + Rows +
                ": it reads nothing the loop changes; run it once above the " +
                (E.Loops.size() > 1 ? "outer loop" : "loop") + " and reuse the result";
    D.Headline = Text + ": the same " + (E.Model ? E.Model->Name : "?") +
                 " query every pass; run it once above the loop";
    D.NoFix = "the query must move above the loop";
    for (const auto &L : E.Loops) {
      const SourceFile *HeaderFile = L->HeaderFile ? L->HeaderFile : E.File;
      D.Notes.push_back({HeaderFile, L->Header, "the loop over `" + L->SourceText + "` is here"});
    }
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getLoopInvariantQuery() {
  static const LoopInvariantQuery R;
  return R;
}

} // namespace nplus1::rules
