// NP106 query-per-row: an explicit `Model.objects.get/filter(...)` read inside
// a loop over a queryset, once per row.
#include "AnalysisLimits.h"
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP106",
                    "query-per-row",
                    "a query is built and run inside a loop over a queryset, once per row",
                    FixAvailability::Never,
                    R"doc(## What it does
Finds a queryset that is created from a manager (`Customer.objects.get(pk=order.customer_id)`,
`Item.objects.filter(order=order).count()`, a nested `for` over `Model.objects...`) inside the
body of a loop over another queryset, and read there. A query that reads nothing the loop
binds or changes (`Settings.objects.get(pk=1)`) is the same query every pass: that is NP202
(loop-invariant-query), whose advice is to move it above the loop.

## Why is this bad?
The query runs once for every row of the outer loop: N rows, N queries. The relation it
looks up is usually one `select_related`/`prefetch_related`, one `__in` query, or one
`annotate()` away.

## Example
```python
for order in Order.objects.all():
    customer = Customer.objects.get(pk=order.customer_id)  # one query per order
```

## Use instead
```python
for order in Order.objects.select_related("customer"):
    customer = order.customer
```
or fetch once before the loop:
`customers = Customer.objects.in_bulk({o.customer_id for o in orders})`.

## Fix safety
No automatic fix: the loop body must change. The message says what to do.
)doc",
                    /*OptIn=*/true};

/// NP106: a query run inside a queryset loop.
class QueryPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::QueryInLoop || detail::loopInvariant(E))
      return; // the same query every pass: NP202
    Diagnostic D = detail::fileDiagnostic(Info, E.File, E.Access, "");
    D.Model = detail::modelLabel(E.Model);
    std::string Text = detail::accessText(E);
    if (Text.size() > limits::QuotedCodeWidth || Text.find('\n') != std::string::npos)
      Text = detail::clipText(Text, limits::QuotedCodeWidth - 3);
    D.Message = "`" + Text + "` queries " + detail::modelLabel(E.Model) + " once per " +
                detail::modelLabel(E.Loop->RowModel) + " row of " + detail::querysetName(E) +
                "; fetch these rows once before the loop "
                "(select_related/prefetch_related on "
                "the loop's queryset, in_bulk(), or an `__in` filter)";
    D.Headline = Text + ": one " + (E.Model ? E.Model->Name : "?") + " query per " +
                 (E.Loop->RowModel ? E.Loop->RowModel->Name : "?") +
                 " row; fetch them once before the loop";
    D.NoFix = "the loop body must change, to look the rows up in what was fetched once";
    const SourceFile *HeaderFile = E.Loop->HeaderFile ? E.Loop->HeaderFile : E.File;
    D.Notes.push_back(
        {HeaderFile, E.Loop->Header, "the loop over " + detail::querysetName(E) + " is here"});
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getQueryPerRow() {
  static const QueryPerRow R;
  return R;
}

} // namespace nplus1::rules
