// NP103 related-aggregate-per-row: `.count()` / `.exists()` on a related
// manager for every row of a loop, each call one query.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP103",
                    "related-aggregate-per-row",
                    "a related manager is counted or tested for existence for each row",
                    FixAvailability::Sometimes,
                    R"doc(## What it does
Finds a loop over a queryset whose body calls `.count()` or `.exists()` on a reverse
ForeignKey or ManyToMany manager of each row (`customer.orders.count()`, or
`{{ customer.orders.count }}` in a template), when the queryset did not prefetch it.

## Why is this bad?
Each call runs `SELECT COUNT(*) ... WHERE customer_id = %s` for that one row: N rows, N
extra queries.

## Example
```python
for customer in Customer.objects.all():
    print(customer.orders.count())  # one COUNT query per customer
```

## Use instead
```python
for customer in Customer.objects.prefetch_related("orders"):
    print(customer.orders.count())  # counted from the prefetch cache
```
or, when the rows themselves are not needed,
`Customer.objects.annotate(order_count=Count("orders"))` and read `customer.order_count`
(this changes the code that reads it, so it is not offered as an automatic fix).

## Fix safety
The fix adds `prefetch_related(...)` where the queryset is created: Django answers
`.count()` and `.exists()` from the prefetch cache. *Safe* when the queryset is created in
the loop's function and used only there, *unsafe* otherwise.

A set both fetched and counted on each row (`memberships = user.memberships.all()` then
`memberships.exists()`) is one N+1 with one fix: it is reported once, as NP102.
)doc",
                    /*OptIn=*/false,
                    /*SameFixAs=*/"NP102"};

/// NP103: related manager counted per row.
class RelatedAggregatePerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::AggregatePerRow || !E.Rel)
      return;
    FixIntent::MethodKind Method = FixIntent::PrefetchRelated;
    Diagnostic D = detail::perRowDiagnostic(Info, E, Method);
    D.Message = detail::perRowMessage(E, "counts in", E.Loop->RowModel,
                                      detail::relationText(*E.Rel, false), "prefetched", Method) +
                " (or annotate a Count)";
    D.Headline = detail::perRowHeadline(E, "one query", E.Loop->RowModel, Method);
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getRelatedAggregatePerRow() {
  static const RelatedAggregatePerRow R;
  return R;
}

} // namespace nplus1::rules
