// NP107 generic-relation-per-row: a GenericForeignKey read on every row.
#include "rules/Rule.h"

namespace nplus1::rules {
namespace {

const RuleInfo Info{"NP107", "generic-relation-per-row",
                    "a GenericForeignKey is loaded by a separate query for each row",
                    FixAvailability::Sometimes, R"doc(## What it does
Finds a loop over a queryset whose body reads a `GenericForeignKey`
(`comment.content_object`) that the queryset did not prefetch.

## Why is this bad?
Each read runs a query for that row's target object (the ContentType itself is cached, the
object is not): N rows, N queries. `select_related()` cannot follow a generic relation;
`prefetch_related("content_object")` loads the targets with one query per content type.

## Example
```python
for comment in Comment.objects.all():
    print(comment.content_object)  # one query per comment
```

## Use instead
```python
for comment in Comment.objects.prefetch_related("content_object"):
    print(comment.content_object)
```

## Fix safety
The fix adds `prefetch_related(...)` where the queryset is created; *safe* when it is
created in the loop's function and used only there, *unsafe* otherwise.
)doc"};

/// NP107: GenericForeignKey read per row.
class GenericRelationPerRow final : public Rule {
public:
  const RuleInfo &info() const override { return Info; }

  void check(const flow::Event &E, std::vector<Diagnostic> &Out) const override {
    if (E.Kind != flow::EventKind::GenericPerRow || !E.Rel)
      return;
    FixIntent::MethodKind Method = FixIntent::PrefetchRelated;
    Diagnostic D = detail::perRowDiagnostic(Info, E, Method);
    D.Message = detail::perRowMessage(
        E, "runs", E.Rel->Owner,
        "GenericForeignKey `" + E.Rel->Owner->Name + "." + E.Rel->Name + "`", "prefetched", Method);
    D.Headline = detail::perRowHeadline(E, "one query", E.Rel->Owner, Method);
    Out.push_back(std::move(D));
  }
};

} // namespace

const Rule &getGenericRelationPerRow() {
  static const GenericRelationPerRow R;
  return R;
}

} // namespace nplus1::rules
