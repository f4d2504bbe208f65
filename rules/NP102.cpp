// NP102 related-manager-per-row: a reverse-FK or many-to-many manager evaluated
// on every row of a loop, each evaluation one query.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP102", "related-manager-per-row",
                    "a reverse ForeignKey / ManyToMany manager is queried for each row",
                    FixAvailability::Sometimes,
                    R"doc(## What it does
Finds a loop over a queryset whose body evaluates a related manager — a reverse
ForeignKey (`customer.orders`), a ManyToManyField or its reverse side — with `.all()`,
iteration, `len()`, `list()` or a truth test, when the queryset did not
`prefetch_related()` it.

## Why is this bad?
Each evaluation runs `SELECT ... WHERE customer_id = %s` for that one row: N rows, N
extra queries. `prefetch_related()` loads the related rows of all N objects in one
query and serves `.all()` from that cache.

## Example
```python
customers = Customer.objects.all()
for customer in customers:
    for order in customer.orders.all():  # one query per customer
        print(order.total)
```

## Use instead
```python
customers = Customer.objects.prefetch_related("orders").all()
for customer in customers:
    for order in customer.orders.all():  # served from the prefetch cache
        print(order.total)
```
Note that `.filter()`, `.order_by()`, `.count()` or `.first()` on the manager build a new
query and bypass the prefetch cache; use `Prefetch("orders", queryset=..., to_attr=...)`
for those.

Django 6.1's `fetch_mode(models.FETCH_PEERS)` does not help here: fetch modes never change
a related manager's queries (docs: topics/db/fetch-modes), so this stays one query per row.

## Fix safety
The fix adds `prefetch_related(...)` where the queryset is created; *safe* when the
queryset is created in the loop's function and used only there, *unsafe* otherwise. No fix
is offered after `.iterator()` without `chunk_size`, which ignores prefetching.
)doc"};

/// NP102: related manager evaluated per row.
class RelatedManagerPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::ManagerPerRow || !E.Rel)
      return;
    FixIntent::MethodKind Method = FixIntent::PrefetchRelated;
    Diagnostic D = detail::perRowDiagnostic(Info, E, Method);
    D.Message = detail::perRowMessage(E, "runs", E.Loop->RowModel,
                                      detail::relationText(*E.Rel, true), "prefetched", Method);
    D.Headline = detail::perRowHeadline(E, "one query", E.Loop->RowModel, Method);
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getRelatedManagerPerRow() {
  static const RelatedManagerPerRow R;
  return R;
}

} // namespace nplus1::rules
