// django.contrib.syndication feeds: Django renders one entry per element of `items()`,
// calling the feed's item_* methods with each item — a loop over the items queryset.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow::detail {

// Views.cpp
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);
const Expr *inheritedAttr(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);

namespace {

/// True when \p C derives, directly or through project classes, from Django's Feed.
bool isFeed(const index::Project &P, const index::ClassRef &C) {
  std::vector<index::ClassRef> Work{C};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I)
    for (const Expr *B : Work[I].Def->Bases) {
      std::string Q = P.resolveExpr(*Work[I].Module, B);
      for (const index::BaseClass &FB : index::frameworkBases())
        if (FB.Role == index::BaseRole::Feed && Q == FB.QualName)
          return true;
      if (index::ClassRef R = P.classNamed(Q); R && R.Def != Work[I].Def)
        Work.push_back(R);
    }
  return false;
}

/// A project method Django calls with the item: `def item_x(self, item)` (Django passes
/// the item only when the function takes exactly two positional parameters).
const Stmt *itemMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                       index::ClassRef &Owner) {
  const Stmt *Def = projectMethod(P, C, Name, Owner);
  if (!Def || !Def->Decorators.empty() || Def->Params.size() != 2)
    return nullptr;
  for (const py::Param &Par : Def->Params)
    if (Par.IsStar || Par.IsDoubleStar)
      return nullptr;
  return Def;
}

/// True when the feed sets \p Name itself (a method or a class attribute), so Django's
/// default is not used.
bool overrides(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name) {
  index::ClassRef Owner;
  return projectMethod(P, C, Name, Owner) || inheritedAttr(P, C, Name, Owner);
}

} // namespace

void analyzeFeed(ModuleState &S, const index::ClassRef &C) {
  if (!isFeed(S.P, C))
    return;
  index::ClassRef Owner;
  const Stmt *Items = projectMethod(S.P, C, "items", Owner);
  if (!Items)
    return;
  Interp W(S, *Owner.Module, Items, /*Report=*/true);
  W.CbvClass = C;
  W.ReturnEscapes = false;
  auto Self = std::make_shared<Value>();
  Self->Kind = ValueKind::Dict;
  ValueRef QS = W.runMethod(Items, Self);
  if (!QS->is(ValueKind::QuerySet))
    return;
  unsigned LoopId = 0;
  ValueRef Row = W.openLoop(QS, Items->NameWhere, "items()",
                            "the feed `" + C.Def->Name +
                                "` renders one entry per item, calling its item_* methods",
                            LoopId);
  if (!Row)
    return;
  Range Header = C.Def->NameWhere;
  auto RunItem = [&](llvm::StringRef Name) {
    index::ClassRef MOwner;
    if (const Stmt *M = itemMethod(S.P, C, Name, MOwner)) {
      W.runWithRow(M, *MOwner.Module, Row, 1);
      return true;
    }
    return false;
  };
  // Title and description: a template named by title_template / description_template,
  // rendered with {'obj': item}; else item_title / item_description; else str(item).
  for (llvm::StringRef Part : {"title", "description"}) {
    index::ClassRef TOwner;
    const Expr *Tpl = inheritedAttr(S.P, C, (Part + "_template").str(), TOwner);
    if (Tpl && Tpl->Kind == ExprKind::String) {
      auto Ctx = std::make_shared<Value>();
      Ctx->Kind = ValueKind::Dict;
      Ctx->Entries.push_back({"obj", Row});
      if (W.renderTemplate(Tpl->Id, Ctx))
        continue;
      // A template Django cannot find is skipped: the item_* method renders instead.
    }
    std::string Method = ("item_" + Part).str();
    if (RunItem(Method) || overrides(S.P, C, Method))
      continue;
    W.strOf(Row, Header); // Django's default: str(item)
  }
  // item_link: Django's default calls item.get_absolute_url().
  if (!RunItem("item_link") && !overrides(S.P, C, "item_link") && Row->Model) {
    index::ClassRef MOwner;
    if (const Stmt *Abs = W.modelMethod(Row->Model, "get_absolute_url", MOwner))
      W.replayMethod(Row, Abs, MOwner, Header, Header);
  }
  // item_enclosures: Django's default reads item_enclosure_url/_length/_mime_type.
  if (!RunItem("item_enclosures") && !overrides(S.P, C, "item_enclosures"))
    for (const char *N :
         {"item_enclosure_url", "item_enclosure_length", "item_enclosure_mime_type"})
      RunItem(N);
  for (const char *N : {"item_author_name", "item_author_email", "item_author_link", "item_pubdate",
                        "item_updateddate", "item_guid", "item_guid_is_permalink", "item_comments",
                        "item_categories", "item_copyright", "item_extra_kwargs"})
    RunItem(N);
}

} // namespace nplus1::flow::detail
