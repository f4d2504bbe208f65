// NP104 related-query-per-row: a related manager filtered, ordered or fetched
// from
// (`.filter()`, `.order_by()`, `.get()`, `.first()`...) on every row of a loop.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP104",
                    "related-query-per-row",
                    "a related manager is filtered or queried for each row "
                    "(bypasses prefetching)",
                    FixAvailability::Never,
                    R"doc(## What it does
Finds a loop over a queryset whose body narrows a related manager of each row —
`customer.orders.filter(paid=True)`, `.exclude()`, `.order_by()`, `.get()`, `.latest()`,
`.first()` — and reads the result.

## Why is this bad?
Every such call builds a new query for that one row. It runs even when the loop's queryset
did `prefetch_related("orders")`: the prefetch cache serves only `.all()`. N rows, N extra
queries, and a `prefetch_related` that looks like it should help but does not.

## Example
```python
for customer in Customer.objects.prefetch_related("orders"):
    paid = customer.orders.filter(paid=True)  # one query per customer anyway
```

## Use instead
```python
customers = Customer.objects.prefetch_related(
    Prefetch("orders", queryset=Order.objects.filter(paid=True), to_attr="paid_orders"))
for customer in customers:
    paid = customer.paid_orders  # a list, loaded by one query
```

## Fix safety
No automatic fix: the code that reads the relation must change too (to the `to_attr`
name), so the suggestion is display-only.
)doc",
                    /*OptIn=*/true};

/// NP104: related manager narrowed per row.
class RelatedQueryPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::FilteredPerRow || !E.Rel)
      return;
    Diagnostic D = detail::perRowDiagnostic(Info, E, FixIntent::PrefetchRelated);
    D.Fix.reset(); // the access must change as well: display-only
    D.NoFix = "the access must change as well, to read the to_attr list";
    std::string Target = E.Rel->Target ? E.Rel->Target->Name : "…";
    D.Message = "`" + detail::accessText(E) + "` is queried again for every " +
                detail::modelLabel(E.Loop->RowModel) + " row of " + detail::querysetName(E) +
                ": filtering, ordering or fetching from the " + detail::describe(E.Rel->Kind) +
                " `" + E.Rel->Owner->Name + "." + E.Rel->Name +
                "` bypasses prefetch_related; load it once with "
                ".prefetch_related(Prefetch('" +
                E.Path + "', queryset=" + Target +
                ".objects.filter(...), to_attr='...')) and read that attribute";
    D.FixTitle.clear();
    D.Headline = detail::shortAccess(E) + ": one query per " +
                 (E.Loop->RowModel ? E.Loop->RowModel->Name : "?") +
                 " row that prefetch_related cannot serve; use Prefetch('" + E.Path +
                 "', queryset=..., to_attr=...)";
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getRelatedQueryPerRow() {
  static const RelatedQueryPerRow R;
  return R;
}

} // namespace nplus1::rules
