// NP201 write-per-row: a save()/delete()/update() run once for every row of a loop over a
// queryset, where one batched write would do.
#include "AnalysisLimits.h"
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP201",
                    "write-per-row",
                    "a row is saved, updated or deleted by its own query inside a loop over a "
                    "queryset",
                    FixAvailability::Never,
                    R"doc(## What it does
Finds a write that runs once for every row of a loop over a queryset:
`row.save()` (with or without `update_fields=`), `row.delete()`, and
`Model.objects.filter(pk=row.pk).update(...)` / `.delete()` keyed on the loop's row. An object
read from the row (`order.customer.save()`) counts too.

Not reported:
- when the write runs the project's own code for every row, which a batched write would skip:
  the model (or a base) overrides `save()` / `delete()`, the model derives from a class
  nplus1 cannot read or from a third-party base that keeps columns itself (mptt, treebeard,
  model-utils...), or, for `save()`, a `pre_save` / `post_save` receiver for that model
  (or for every model, or a sender nplus1 cannot read) is connected in the model's app or
  beside the loop (their `models`, `signals`, `receivers`, `handlers` and `apps` modules:
  where projects put them; a receiver elsewhere is not seen). `QuerySet.delete()` still sends
  `pre_delete` / `post_delete` for each row, so delete receivers do not stop the report;
- when the write is under an `if` (or a `while`, an `except`) in the loop: how many rows take
  that branch is data, and a branch one row takes is one write;
- when the loop leaves right after the write (`row.save()` followed by `break`, `return`
  or `raise`): it writes once;
- when the write sits in a `try` with an `except`: one failing row must not stop the others,
  which one queryset-wide write would;
- for `row.pk = None` (or `row.id = None`) then `row.save()`: that inserts a copy per row
  (`bulk_create()`'s business, not an UPDATE);
- for objects the loop builds (`Model(...)` saved in the loop: that is `bulk_create()`'s
  business), and for writes to objects not read from the row.

## Why is this bad?
Each `save()` is an `UPDATE` (each `delete()` a `DELETE`, plus the queries that collect
its cascade): N rows, N round trips, and N transactions in autocommit mode. The loop gets
slower as the table grows, and holds locks longer.

## Example
```python
for order in Order.objects.filter(status="new"):
    order.status = "queued"
    order.save(update_fields=["status"])  # one UPDATE per order
```

## Use instead
When every row gets the same value, one query:
```python
Order.objects.filter(status="new").update(status="queued")
```
When each row gets its own value, collect the rows and write them once:
```python
orders = list(Order.objects.filter(status="new"))
for order in orders:
    order.total = compute_total(order)
Order.objects.bulk_update(orders, ["total"])
```
and for deletes, `Order.objects.filter(...).delete()` on the rows the loop picks.

## Fix safety
No automatic fix: `update()` and `bulk_update()` skip `save()`, the `pre_save`/`post_save`
signals and `auto_now` fields, so whether the batched write is the same depends on the
model; the message says which batched write fits.
)doc",
                    /*OptIn=*/true};

std::string fieldList(const flow::Event &E) {
  if (E.WriteFields.empty())
    return "[...]";
  std::string S = "[";
  for (size_t I = 0; I < E.WriteFields.size(); ++I)
    S += (I ? ", '" : "'") + E.WriteFields[I] + "'";
  return S + "]";
}

/// NP201: a write per row.
class WritePerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::WritePerRow || !E.Loop || !E.Model)
      return;
    // Per-row code a batched write would skip: the loop needs it (see the doc).
    if (!E.Hook.empty())
      return;
    Diagnostic D = detail::accessDiagnostic(Info, E);
    D.Model = detail::modelLabel(E.Model);
    std::string Text = detail::accessText(E);
    if (Text.size() > limits::QuotedCodeWidth || Text.find('\n') != std::string::npos)
      Text = detail::clipText(Text, limits::QuotedCodeWidth - 3);
    std::string PerRow = E.Model == E.Loop->RowModel ? "row of " + detail::querysetName(E)
                                                     : detail::modelLabel(E.Loop->RowModel) +
                                                           " row of " + detail::querysetName(E);
    std::string Name = E.Model->Name;
    if (E.Write == "delete") {
      D.Message = "`" + Text + "` deletes one " + detail::modelLabel(E.Model) + " row per " +
                  PerRow +
                  " (a DELETE and its cascade's queries each time); delete them in one go "
                  "with .delete() on a queryset of those rows";
    } else {
      std::string Verb = E.Write == "save" ? "saves" : "updates";
      std::string Same =
          E.WriteFields.empty() ? ".update(...)" : ".update(" + E.WriteFields.front() + "=...)";
      D.Message = "`" + Text + "` " + Verb + " one " + detail::modelLabel(E.Model) + " row per " +
                  PerRow + " (one UPDATE each time); write them once: " + Same +
                  " on a queryset of those rows when every row gets the same value, else "
                  "collect them and call " +
                  Name + ".objects.bulk_update(rows, " + fieldList(E) + ") after the loop";
    }
    D.Headline = Text + ": one " + (E.Write == "delete" ? "DELETE" : "UPDATE") + " per " +
                 (E.Loop->RowModel ? E.Loop->RowModel->Name : "?") + " row; " +
                 (E.Write == "delete" ? "delete them with one queryset .delete()"
                                      : "write them once with .update() or bulk_update()");
    D.NoFix = "batching the writes changes the loop body; the rewrite is not mechanical";
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getWritePerRow() {
  static const WritePerRow R;
  return R;
}

} // namespace nplus1::rules
