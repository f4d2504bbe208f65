// NP301 unused-eager-load: a select_related()/prefetch_related() lookup that no consumer
// of the queryset reads, so every row pays for a JOIN or an extra query for nothing.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP301", "unused-eager-load",
                    "a select_related/prefetch_related lookup that nothing reads",
                    FixAvailability::Sometimes,
                    R"doc(## What it does
Finds a `select_related(...)` or `prefetch_related(...)` lookup on a queryset whose
consumers never read that relation: not in the loops over it, not in the templates or
serializers it is passed to, not in the model methods, properties or `__str__` they call.

It reports only querysets created in a plain function whose every use is visible there:
iterated in that function, rendered by a template we walk, or serialized by a serializer
we walk. A queryset (or one of its rows) that is returned, stored, yielded, passed to
another function, or used in any way the analyzer cannot follow is left alone, because an
unseen consumer might read the relation. Reading any part of the path counts as a use:
`select_related("customer__address")` is used by `order.customer`. Reading the column
`order.customer_id` does not use `customer`.

A `select_related("workspace")` on a queryset that also filters or excludes through a
field of that relation (`filter(workspace__slug=slug)`) is not reported: the query joins
that table anyway and Django reuses the join, so only a few columns are saved.
`filter(workspace=w)` and `workspace__id` compare the FK's own column and join nothing.

## Why is this bad?
`select_related("customer")` adds a JOIN and the customer's columns to every row;
`prefetch_related("items")` runs one more query and builds a cache for every row. When
nothing reads the relation, that is work and memory spent for nothing, often left behind
after the code that needed it changed.

## Example
```python
orders = Order.objects.select_related("customer")
for order in orders:
    print(order.number)  # the customer is never read
```

## Use instead
```python
orders = Order.objects.all()
for order in orders:
    print(order.number)
```

## Fix safety
The fix removes the lookup from its call (or the whole call when it is the only
argument; `Order.objects.select_related("customer")` becomes `Order.objects.all()`). It is
*unsafe*: another consumer outside the analyzed code (a signal handler, a template tag, a
custom manager method) may read the relation, and removing it would then cost one query
per row. No fix is offered when the call has keyword arguments or comments that an edit
would have to cross.
)doc"};

/// NP301: a select_related/prefetch_related lookup no consumer reads.
class UnusedEagerLoad final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::UnusedLoad || !E.Load || !E.Loop || !E.Loop->Source)
      return;
    const flow::EagerLoad &L = *E.Load;
    std::string Method = L.Prefetch ? "prefetch_related" : "select_related";
    std::string Call = Method + "(" + E.File->slice(L.Literal).str() + ")";
    std::string Rows = "`" + E.Loop->SourceText + "`";
    Diagnostic D = detail::fileDiagnostic(Info, E.File, E.Access, "");
    D.Message = "`" + Call + "` " +
                (L.Prefetch ? "runs one more query to load `" + L.Path + "` for the rows of "
                            : "joins `" + L.Path + "` into every row of ") +
                Rows + ", but nothing reads it: drop it from the queryset";
    for (const auto &C : E.Consumers)
      D.Notes.push_back(
          {C->HeaderFile ? C->HeaderFile : E.File, C->Header,
           (C->Note.empty() ? "the loop over `" + C->SourceText + "` is here" : C->Note) +
               ", and reads no `" + llvm::StringRef(L.Path).split("__").first.str() + "`"});
    D.Headline = Call + ": `" + L.Path + "` is " + (L.Prefetch ? "prefetched" : "joined") +
                 " but never read; drop it";
    D.Model = detail::modelLabel(E.Loop->RowModel);
    D.Relation = L.Path;
    D.QuerysetFile = E.Loop->Source->File;
    D.QuerysetWhere = E.Loop->Source->Chain;
    bool Whole = L.Args.size() == 1;
    D.FixTitle = Whole ? "Remove ." + Call
                       : "Remove " + E.File->slice(L.Literal).str() + " from " + Method + "(...)";
    if (!L.HasKeywords) {
      FixIntent F;
      F.Where = E.Loop->Source;
      F.Method = FixIntent::RemoveLoad;
      F.Path = L.Path;
      F.Applies = Applicability::Unsafe;
      F.UnsafeWhy = "another consumer outside the analyzed code may read it";
      F.Remove = E.Load;
      D.Fix = std::move(F);
    } else {
      D.NoFix = "the call also has keyword arguments";
    }
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getUnusedEagerLoad() {
  static const UnusedEagerLoad R;
  return R;
}

} // namespace nplus1::rules
