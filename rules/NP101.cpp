// NP101 fk-access-per-row: a forward ForeignKey / OneToOne (or reverse
// one-to-one) read on every row of a loop, each read one query.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP101", "fk-access-per-row",
                    "a ForeignKey/OneToOne relation is loaded by a separate query for each row",
                    FixAvailability::Sometimes,
                    R"doc(## What it does
Finds a loop over a queryset whose body reads a ForeignKey or OneToOneField (or the
reverse side of a OneToOneField) that the queryset did not load with `select_related()`.

## Why is this bad?
Django loads a related object lazily: the first time `order.customer` is read on a row,
it runs `SELECT ... FROM customer WHERE id = %s`. In a loop over N orders that is N extra
queries (the "N+1" problem), and a chain such as `order.customer.address` costs one more
query per hop. The page gets slower as the table grows.

## Example
```python
orders = Order.objects.all()
for order in orders:
    print(order.customer.name)  # one query per order
```

## Use instead
```python
orders = Order.objects.select_related("customer").all()
for order in orders:
    print(order.customer.name)  # loaded by the same JOIN
```
`order.customer_id` reads the column and costs nothing; `order.customer.id` still loads
the customer. When the path crosses a many-valued relation
(`customer.orders.all()` → `order.product`), the fix is
`prefetch_related("orders__product")` instead.

On Django 6.1 or later (or when the version is not pinned), a queryset's
`fetch_mode(models.FETCH_PEERS)` loads a missing ForeignKey/OneToOne (either side) for all
the rows of the batch at once, on first access, and the mode is copied to every object
fetched from them: no finding. `FETCH_ONE` is the default and changes nothing. With the raise
mode (`models.FETCH_RAISE`, first spelled `models.RAISE`) the read raises
`FieldFetchBlocked`: the finding says it raises, and the fix is the same. A manager whose
`get_queryset()` sets a mode counts like any other load.

`select_related("customer")` is one JOIN, decided where the queryset is built: best when
the loop always reads the relation. `fetch_mode(models.FETCH_PEERS)` is one extra query,
only if some row reads it, and it follows the objects wherever they go (templates,
serializers, helpers): better when what is read is not known where the queryset is built,
or when only some rows read it. On a project pinned to Django 6.1 or later, each finding on
the loop's own rows (not below a related manager: no mode changes those queries) offers it
as an *alternative*, marked unsafe because it changes when the queries run: the call
written where the queryset is created, with the module's `models` import or a new
`from django.db.models import FETCH_PEERS`. `--fix` never applies an alternative; it is in
the text output, in `--format json` (`alternatives`) and in the editor's code actions.

## Fix safety
The fix adds `select_related(...)` (or `prefetch_related(...)`) where the queryset is
created. It is *safe* when the queryset is created in the same function as the loop and
used only there; otherwise it is *unsafe* (the queryset is shared, and loading more may
cost elsewhere) and needs `--unsafe-fixes`.
)doc"};

/// NP101: forward FK/O2O (or reverse O2O) read per row.
class FkAccessPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::RelationPerRow || !E.Rel)
      return;
    FixIntent::MethodKind Method =
        E.ThroughMany ? FixIntent::PrefetchRelated : FixIntent::SelectRelated;
    Diagnostic D = detail::perRowDiagnostic(Info, E, Method);
    // Below a many relation the query runs once per row of that relation.
    const index::Model *PerRow = E.ThroughMany ? E.Rel->Owner : E.Loop->RowModel;
    D.Message = detail::perRowMessage(E, "runs", PerRow, detail::relationText(*E.Rel, true),
                                      "loaded", Method);
    detail::offerFetchPeers(D, E);
    D.Headline = detail::perRowHeadline(E, "one query", PerRow, Method);
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getFkAccessPerRow() {
  static const FkAccessPerRow R;
  return R;
}

} // namespace nplus1::rules
