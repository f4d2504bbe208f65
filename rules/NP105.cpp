// NP105 deferred-field-per-row: a field left out by only() / defer() read on every row.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP105", "deferred-field-per-row",
                    "a field deferred by only()/defer() is loaded by a query for each row",
                    FixAvailability::Sometimes, R"doc(## What it does
Finds a loop over a queryset built with `only(...)` or `defer(...)` whose body reads a field
that the queryset left out.

## Why is this bad?
Django loads a deferred field on first access with `SELECT field FROM ... WHERE id = %s`: one
query per row, usually more expensive than having loaded the column in the first place.

## Example
```python
for order in Order.objects.only("id", "number"):
    print(order.total)  # one query per order
```

## Use instead
```python
for order in Order.objects.only("id", "number", "total"):
    print(order.total)
```

On Django 6.1, `fetch_mode(models.FETCH_PEERS)` loads a deferred field for all the rows at
once (no finding); with the raise mode (`FETCH_RAISE`/`RAISE`) the read raises
`FieldFetchBlocked`, and the finding says so. On a project pinned to 6.1 or later the
finding offers `.fetch_mode(models.FETCH_PEERS)` as an unsafe alternative (see NP101): one
more query for all the rows, better than `only()` when the field is read on few rows.

## Fix safety
When the queryset has an `only(...)` call in its chain, the fix adds the field to it: *safe*
when the queryset is created in the loop's function and used only there. A field named in
`defer(...)` must be removed from it by hand (display-only).
)doc"};

/// NP105: deferred field read per row.
class DeferredFieldPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::DeferredPerRow)
      return;
    Diagnostic D = detail::accessDiagnostic(Info, E);
    D.Model = detail::modelLabel(E.Loop->RowModel);
    D.Relation = E.Path;
    const flow::Origin *O = E.Loop->Source.get();
    bool ViaOnly = O && O->Only;
    D.Message =
        "`" + detail::accessText(E) + "` " +
        (E.Raises
             ? "raises FieldFetchBlocked on every " + detail::modelLabel(E.Loop->RowModel) +
                   " row: the queryset's fetch mode is RAISE and it defers `" + E.Path + "`, in " +
                   detail::querysetName(E)
             : "loads the deferred field `" + E.Path + "` with one query per " +
                   detail::modelLabel(E.Loop->RowModel) + " row of " + detail::querysetName(E)) +
        "; " +
        (ViaOnly ? "add '" + E.Path + "' to its only(...)"
                 : "stop deferring it (defer/only) on the queryset");
    D.Headline = detail::shortAccess(E) + ": " +
                 (E.Raises ? "raises FieldFetchBlocked on every " : "one query per ") +
                 (E.Loop->RowModel ? E.Loop->RowModel->Name : "?") + " row for a deferred field; " +
                 (ViaOnly ? "add '" + E.Path + "' to only(...)" : "stop deferring it");
    if (ViaOnly && O->Fixable) {
      FixIntent F;
      F.Where = E.Loop->Source;
      F.Method = FixIntent::OnlyField;
      F.Path = E.Path;
      F.Applies = detail::fixApplicability(E);
      D.Fix = F;
      D.FixTitle = "Add '" + E.Path + "' to only(...)";
    } else {
      D.NoFix = !ViaOnly
                    ? "defer(), or an only() written apart from the queryset, must change by hand"
                    : "the queryset is not written where an edit could load the field";
    }
    detail::offerFetchPeers(D, E);
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getDeferredFieldPerRow() {
  static const DeferredFieldPerRow R;
  return R;
}

} // namespace nplus1::rules
