// Django templates: render() and friends pass a context into a template, which is walked
// like a function body ({% for %} loops, variable lookups, includes, extends/blocks).
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow::detail {

std::string Interp::calleeName(const Expr *F) {
  const Expr *Base = F;
  while (Base->Kind == ExprKind::Attribute)
    Base = Base->Object;
  if (Base->Kind != ExprKind::Name || Env.count(Base->Id))
    return "";
  return S.P.resolveExpr(M, F);
}

ValueRef Interp::renderCall(const Expr *E) {
  const index::RenderHelper *H = index::renderHelper(calleeName(E->Object));
  if (!H)
    return nullptr;
  if (H->ContextArg < 0) { // get_template(name): a template object
    auto T = make(ValueKind::TemplateRef);
    if (!E->Args.empty())
      T->TemplateName = templateName(E->Args[0]);
    return T;
  }
  int NameAt = H->NameArg, CtxAt = H->ContextArg;
  const Expr *NameE = NameAt < int(E->Args.size()) ? E->Args[NameAt] : nullptr;
  if (const Expr *K = E->keyword("template_name"))
    NameE = K;
  if (const Expr *K = E->keyword("template"))
    NameE = K;
  ValueRef Ctx = Value::unknown();
  const Expr *CtxE = nullptr;
  for (size_t I = 0; I < E->Args.size(); ++I) {
    ValueRef V = eval(E->Args[I]);
    if (int(I) == CtxAt)
      Ctx = V, CtxE = E->Args[I];
  }
  for (const py::Keyword &K : E->Keywords) {
    ValueRef V = eval(K.Value);
    if (K.Name == "context" || K.Name == "dictionary") // `dictionary`: Django < 1.10
      Ctx = V, CtxE = K.Value;
  }
  // Django < 1.10: `render_to_response(name, RequestContext(request, {...}))` or a
  // `Context({...})`: the dict inside is the context.
  if (CtxE && CtxE->Kind == ExprKind::Call && !Ctx->is(ValueKind::Dict)) {
    std::string CQ = calleeName(CtxE->Object);
    size_t DictAt = llvm::StringRef(CQ).ends_with(".RequestContext") ? 1 : 0;
    if ((llvm::StringRef(CQ).ends_with(".RequestContext") ||
         llvm::StringRef(CQ).ends_with(".Context")) &&
        index::isDjangoModule(CQ) && DictAt < CtxE->Args.size())
      if (ValueRef D = eval(CtxE->Args[DictAt]); D->is(ValueKind::Dict))
        Ctx = D, CtxE = CtxE->Args[DictAt];
  }
  // The context is consumed by the template only when we walked it.
  if (NameE && renderTemplate(templateName(NameE), Ctx) && CtxE)
    consume(CtxE, Ctx);
  return Value::unknown();
}

namespace {

/// \p Name without its str.format() fields: `questions/{mobile/}questions.html` gives
/// `questions/questions.html`, the name with every field empty.
std::string withoutFormatFields(llvm::StringRef Name) {
  std::string Out;
  for (size_t I = 0; I < Name.size(); ++I) {
    if (Name[I] != '{') {
      Out += Name[I];
      continue;
    }
    size_t Close = Name.find('}', I);
    if (Close == llvm::StringRef::npos)
      return Name.str();
    I = Close;
  }
  return Out;
}

/// The template a decorator of \p Def passes to its parameter \p Par
/// (`@mobile_template('questions/{mobile/}questions.html')` over
/// `def questions(request, template)`): a parameter named for a template, with no default,
/// and a decorator call whose one argument is the name of a template of the project, its
/// str.format() fields (a variant the decorator picks per request) left empty.
std::string decoratorTemplate(const Stmt *Def, const py::Param &Par,
                              const index::TemplateIndex *Templates) {
  if (!Templates || Par.Default || !llvm::StringRef(Par.Name).contains("template"))
    return "";
  for (const Expr *D : Def->Decorators) {
    if (D->Kind != ExprKind::Call || D->Args.size() != 1 || !D->Keywords.empty() ||
        D->Args[0]->Kind != ExprKind::String || !D->Args[0]->Args.empty())
      continue;
    std::string Name = withoutFormatFields(D->Args[0]->Id);
    if (Templates->find(Name))
      return Name;
  }
  return "";
}

} // namespace

std::string Interp::templateName(const Expr *E) {
  if (E->Kind == ExprKind::String && E->Args.empty())
    return E->Id;
  // A local assigned a literal, or a parameter whose default is one
  // (`def history(request, template_name='plan/history.html')`), or that a decorator
  // passes.
  if (E->Kind == ExprKind::Name) {
    if (auto It = StringNames.find(E->Id); It != StringNames.end())
      return It->second ? templateName(It->second) : "";
    if (Fn)
      for (const py::Param &Par : Fn->Params) {
        if (Par.Name != E->Id)
          continue;
        if (Par.Default && Par.Default->Kind == ExprKind::String)
          return templateName(Par.Default);
        return decoratorTemplate(Fn, Par, S.Templates);
      }
    return "";
  }
  if ((E->Kind == ExprKind::List || E->Kind == ExprKind::Tuple) && S.Templates)
    for (const Expr *A : E->Args)
      if (A->Kind == ExprKind::String && S.Templates->find(A->Id))
        return A->Id;
  return "";
}

bool Interp::renderTemplate(llvm::StringRef Name, const ValueRef &Ctx) {
  if (Name.empty() || !S.Templates || !Report)
    return false;
  const index::TemplateFile *T = S.Templates->find(Name);
  if (!T)
    return false;
  Scope Vars;
  if (Ctx->is(ValueKind::Dict))
    for (const auto &[K, V] : Ctx->Entries)
      Vars[K] = V;
  TemplateBudget = MaxTemplateWalks;
  walkTemplate(*T, Vars, nullptr, 0);
  return true;
}

void Interp::collectBlocks(const index::TemplateFile &T, const std::vector<parse::tpl::Node> &Nodes,
                           Overrides &Out) {
  for (const parse::tpl::Node &N : Nodes) {
    if (N.Kind == parse::tpl::NodeKind::Block)
      Out.try_emplace(N.BlockName, &T, &N);
    collectBlocks(T, N.Children, Out);
    collectBlocks(T, N.ElseChildren, Out);
    for (const auto &B : N.Branches)
      collectBlocks(T, B, Out);
  }
}

void Interp::walkTemplate(const index::TemplateFile &T, const Scope &Vars, const Overrides *Child,
                          unsigned Depth) {
  // Includes may fan out (a template including two others, each including two more...):
  // depth and a budget per render keep the walk linear in the input.
  if (Depth > limits::TemplateIncludeDepth || TemplateBudget == 0) {
    loseScope(Vars);
    return;
  }
  --TemplateBudget;
  // `{% extends %}`: walk the parent with this template's blocks in place of its own.
  for (const parse::tpl::Node &N : T.Tree.Nodes) {
    if (N.Kind != parse::tpl::NodeKind::Extends)
      continue;
    Overrides Blocks = Child ? *Child : Overrides{};
    collectBlocks(T, T.Tree.Nodes, Blocks);
    const SourceFile *Saved = EvFile;
    EvFile = T.File.get();
    std::string Parent = N.Value.IsLiteral ? unquote(N.Value.Var) : "";
    EvFile = Saved;
    const index::TemplateFile *P = Parent.empty() ? nullptr : S.Templates->find(Parent);
    if (P && P != &T) {
      walkTemplate(*P, Vars, &Blocks, Depth + 1);
    } else {
      // The parent is not the project's (a package's or a theme's base template): Django
      // still renders the child's blocks inside it.
      loseScope(Vars);
      walkUnplacedBlocks(Blocks, {}, Vars, Depth);
    }
    return;
  }
  const SourceFile *Saved = EvFile;
  bool SavedJinja = InJinja;
  EvFile = T.File.get();
  InJinja = T.IsJinja2;
  Scope Local = Vars;
  walkNodes(T.Tree.Nodes, Local, Child, Depth);
  EvFile = Saved;
  InJinja = SavedJinja;
  // The top of the chain extends further through a tag of its own (`{% theme_extends
  // "default.html" %}`): the blocks it does not hold are placed in a template we do not see.
  if (Child && llvm::any_of(T.Tree.Nodes, [](const parse::tpl::Node &N) {
        return N.Kind == parse::tpl::NodeKind::Other &&
               llvm::StringRef(N.TagName).ends_with("extends");
      })) {
    Overrides Own;
    collectBlocks(T, T.Tree.Nodes, Own);
    walkUnplacedBlocks(*Child, Own, Vars, Depth);
  }
}

void Interp::walkUnplacedBlocks(const Overrides &Blocks, const Overrides &Placed, const Scope &Vars,
                                unsigned Depth) {
  const SourceFile *Saved = EvFile;
  bool SavedJinja = InJinja;
  for (const auto &[Name, At] : Blocks) {
    if (Placed.count(Name))
      continue;
    EvFile = At.first->File.get();
    InJinja = At.first->IsJinja2;
    Scope Local = Vars;
    walkNodes(At.second->Children, Local, &Blocks, Depth);
  }
  EvFile = Saved;
  InJinja = SavedJinja;
}

std::string Interp::unquote(llvm::StringRef S) {
  if (S.size() >= 2 && (S.front() == '"' || S.front() == '\'') && S.back() == S.front())
    return S.drop_front().drop_back().str();
  return "";
}

void Interp::walkNodes(const std::vector<parse::tpl::Node> &Nodes, Scope &Vars,
                       const Overrides *Child, unsigned Depth) {
  for (const parse::tpl::Node &N : Nodes)
    walkNode(N, Vars, Child, Depth);
}

void Interp::walkNode(const parse::tpl::Node &N, Scope &Vars, const Overrides *Child,
                      unsigned Depth) {
  using parse::tpl::NodeKind;
  switch (N.Kind) {
  case NodeKind::Var:
    // Inside {% blocktranslate %} a variable is a plain context key: no attributes.
    if (N.TagName.empty()) {
      ValueRef V = resolveTpl(N.Value, Vars, /*Evaluates=*/false);
      strOf(V, range(N.Value.VarWhere));
      if (!V->is(ValueKind::Instance))
        lose(V); // `{{ orders }}` prints every row's repr
    } else if (auto It = Vars.find(N.Value.Var); It != Vars.end()) {
      lose(It->second);
    }
    return;
  case NodeKind::For: {
    ValueRef It = resolveTpl(N.Iter, Vars, false);
    std::optional<unsigned> NewLoop;
    ValueRef Row = iterate(It, range(N.TagWhere), N.Iter.Var, NewLoop);
    Scope Inner = Vars;
    for (size_t I = 0; I < N.LoopVars.size(); ++I)
      Inner[N.LoopVars[I]] = N.LoopVars.size() == 1 && Row ? Row
                             : Row && Row->is(ValueKind::Tuple) && I < Row->Elements.size()
                                 ? Row->Elements[I]
                                 : Value::unknown();
    Inner["forloop"] = Value::unknown();
    if (NewLoop)
      ActiveLoops.insert(*NewLoop);
    walkNodes(N.Children, Inner, Child, Depth);
    if (NewLoop)
      ActiveLoops.erase(*NewLoop);
    walkNodes(N.ElseChildren, Vars, Child, Depth);
    return;
  }
  case NodeKind::If:
    for (const parse::tpl::Expr &C : N.Conditions)
      resolveTpl(C, Vars, /*Evaluates=*/true);
    for (const auto &B : N.Branches)
      walkNodes(B, Vars, Child, Depth);
    return;
  case NodeKind::With: {
    Scope Inner = Vars;
    for (const auto &[Name, X] : N.Bindings)
      Inner[Name] = resolveTpl(X, Vars, false);
    walkNodes(N.Children, Inner, Child, Depth);
    return;
  }
  case NodeKind::Include: {
    Scope Inner = N.Only ? Scope{} : Vars;
    for (const auto &[Name, X] : N.Bindings)
      Inner[Name] = resolveTpl(X, Vars, false);
    std::string Name = N.Value.IsLiteral ? unquote(N.Value.Var) : "";
    if (const index::TemplateFile *T = Name.empty() ? nullptr : S.Templates->find(Name))
      walkTemplate(*T, Inner, nullptr, Depth + 1);
    else
      loseScope(Inner);
    return;
  }
  case NodeKind::Block: {
    if (Child) {
      auto It = Child->find(N.BlockName);
      if (It != Child->end() && It->second.second != &N) {
        const SourceFile *Saved = EvFile;
        bool SavedJinja = InJinja;
        EvFile = It->second.first->File.get();
        InJinja = It->second.first->IsJinja2;
        walkNodes(It->second.second->Children, Vars, Child, Depth);
        EvFile = Saved;
        InJinja = SavedJinja;
        return;
      }
    }
    walkNodes(N.Children, Vars, Child, Depth);
    return;
  }
  case NodeKind::Extends:
  case NodeKind::Text:
  case NodeKind::Comment:
  case NodeKind::Verbatim:
  case NodeKind::Empty:
    return;
  case NodeKind::Other:
    // A project's tag or Jinja2 global given rows: its body reads on them once per row.
    callTemplateFunction(N, Vars);
    // A tag we do not model may read anything on the values it is given, and a custom
    // tag may take the whole context.
    if (!isPlainTag(N.TagName) && !(InJinja && isJinjaStatement(N.TagName)))
      loseScope(Vars);
    for (const parse::tpl::Expr &X : N.Args)
      lose(resolveTpl(X, Vars, false));
    for (const auto &B : N.Bindings)
      lose(resolveTpl(B.second, Vars, false));
    if (!N.AsVar.empty())
      Vars[N.AsVar] = Value::unknown();
    walkNodes(N.Children, Vars, Child, Depth);
    walkNodes(N.ElseChildren, Vars, Child, Depth);
    for (const auto &B : N.Branches)
      walkNodes(B, Vars, Child, Depth);
    return;
  }
}

void Interp::callTemplateFunction(const parse::tpl::Node &N, const Scope &Vars) {
  if (!S.Callables)
    return;
  // `{{ link_user(r.user) }}` (Jinja2: a "call" node named by its Value), `{% member_item
  // user %}` (Django: the tag itself).
  bool JinjaCall = InJinja && N.TagName == "call";
  llvm::StringRef Name = JinjaCall ? llvm::StringRef(N.Value.Var) : llvm::StringRef(N.TagName);
  if (Name.empty() || (JinjaCall && N.Value.IsLiteral))
    return;
  auto It = S.Callables->Functions.find(Name);
  if (It == S.Callables->Functions.end())
    return;
  std::vector<ValueRef> Args;
  for (const parse::tpl::Expr &X : N.Args)
    Args.push_back(resolveTpl(X, Vars, false));
  // Keywords bind by name: each goes to its parameter's position.
  const Stmt *Def = It->second.Fn.Def;
  size_t First = It->second.TakesContext ? 1 : 0;
  for (const auto &[Key, X] : N.Bindings)
    for (size_t I = First; I < Def->Params.size(); ++I) {
      const py::Param &Par = Def->Params[I];
      if (Par.IsStar || Par.IsDoubleStar)
        break;
      if (Par.Name != Key)
        continue;
      if (Args.size() <= I - First)
        Args.resize(I - First + 1, Value::unknown());
      Args[I - First] = resolveTpl(X, Vars, false);
      break;
    }
  Range Where = JinjaCall ? range(N.Value.VarWhere) : range(N.TagWhere);
  callFromTemplate(It->second, Args, Where, Name);
}

bool Interp::isPlainTag(llvm::StringRef Tag) {
  return llvm::StringSwitch<bool>(Tag)
      .Cases("url", "csrf_token", "load", "static", "trans", "translate", "now", true)
      .Cases("cycle", "firstof", "spaceless", "autoescape", "ifchanged", "widthratio", true)
      .Cases("templatetag", "lorem", "resetcycle", "blocktrans", "blocktranslate", true)
      .Cases("get_current_language", "localize", "localtime", "timezone", "language", true)
      .Default(false);
}

bool Interp::isJinjaStatement(llvm::StringRef Tag) {
  return llvm::StringSwitch<bool>(Tag)
      .Cases("set", "do", "call", "macro", "filter", "import", "from", "trans", true)
      .Default(false);
}

ValueRef Interp::resolveTpl(const parse::tpl::Expr &X, const Scope &Vars, bool Evaluates) {
  ValueRef Cur = X.IsLiteral ? Value::unknown() : resolvePath(X.Var, range(X.VarWhere), Vars);
  for (const parse::tpl::Filter &F : X.Filters) {
    ValueRef Arg = F.HasArg && !F.ArgIsLiteral ? resolvePath(F.Arg, range(F.ArgWhere), Vars)
                                               : Value::unknown();
    lose(Arg);
    // A filter of the project's (`{{ user|profile }}`): its body reads on the value, and
    // what it returns is what the template goes on with.
    if (S.Callables)
      if (auto It = S.Callables->Filters.find(F.Name); It != S.Callables->Filters.end()) {
        llvm::SmallVector<ValueRef, 2> Args{Cur};
        if (F.HasArg)
          Args.push_back(Arg);
        ValueRef R = callFromTemplate(It->second, Args, range(F.Where), F.Name);
        lose(Cur);
        Cur = R ? R : Value::unknown();
        continue;
      }
    // Filters that read no attribute of a row; any other may (`dictsort:"customer.name"`).
    if (!llvm::StringSwitch<bool>(F.Name)
             .Cases("length", "length_is", "pluralize", "yesno", "default", true)
             .Cases("default_if_none", "safe", "escape", "force_escape", true)
             .Default(false))
      lose(Cur);
    if (Cur->is(ValueKind::QuerySet) && Cur->Row && evaluatingFilter(F.Name))
      evaluateRelated(Cur);
    if (F.Name != "default" && F.Name != "default_if_none" && F.Name != "safe" &&
        F.Name != "escape" && F.Name != "force_escape")
      Cur = Value::unknown();
  }
  if (Evaluates && Cur->is(ValueKind::QuerySet) && Cur->Row)
    evaluateRelated(Cur);
  return Cur;
}

bool Interp::evaluatingFilter(llvm::StringRef F) {
  return llvm::StringSwitch<bool>(F)
      .Cases("length", "first", "last", "join", "dictsort", "dictsortreversed", true)
      .Cases("slice", "random", "unordered_list", "length_is", "make_list", true)
      .Default(false);
}

ValueRef Interp::resolvePath(llvm::StringRef Var, Range Where, const Scope &Vars) {
  llvm::SmallVector<llvm::StringRef, 6> Parts;
  Var.split(Parts, '.');
  auto It = Vars.find(Parts[0]);
  if (It == Vars.end())
    return Value::unknown();
  ValueRef Cur = It->second;
  uint32_t Offset = Where.Begin + Parts[0].size();
  for (size_t I = 1; I < Parts.size(); ++I) {
    llvm::StringRef Part = Parts[I];
    Range NameWhere{Offset + 1, uint32_t(Offset + 1 + Part.size())};
    Range ExprWhere{Where.Begin, NameWhere.End};
    Offset = NameWhere.End;
    Cur = templateLookup(Cur, Part, NameWhere, ExprWhere);
  }
  return Cur;
}

ValueRef Interp::templateLookup(const ValueRef &Cur, llvm::StringRef Part, Range NameWhere,
                                Range ExprWhere) {
  bool Counts = index::queryMethodOf(Part).has(index::qm::Counts); // {{ x.count }}
  switch (Cur->Kind) {
  case ValueKind::Dict: {
    ValueRef V = Cur->entry(Part);
    return V ? V : Value::unknown();
  }
  case ValueKind::Instance:
    if (!Part.empty() && llvm::isDigit(Part[0]))
      return Value::unknown();
    // `{% for f in entry.ordered_fields %}` on one object (not a loop's row): the
    // queryset the model method returns is what the template loops over.
    if (Cur->Model && !Cur->Row && !S.G.relation(Cur->Model, Part) &&
        !S.G.isColumn(Cur->Model, Part)) {
      index::ClassRef Owner;
      if (const Stmt *Def = modelMethod(Cur->Model, Part, Owner); Def && Def->Params.size() <= 1)
        if (ValueRef R = summarize(Def, *Owner.Module, Cur); R->is(ValueKind::QuerySet))
          return R;
    }
    return attributeOrCall(Cur, Part, NameWhere, ExprWhere);
  case ValueKind::RelatedManager:
    if (Part == "all")
      return relatedAll(Cur, ExprWhere);
    if (Counts)
      evaluateRelated(relatedAll(Cur, ExprWhere), EventKind::AggregatePerRow);
    return Value::unknown();
  case ValueKind::QuerySet:
    if (Part != "all" && Part != "object_list" && !Counts)
      lose(Cur); // `orders.0`, `orders.first`: a row we do not follow
    if (Part == "all" || Part == "object_list")
      return Cur;
    if (Counts && Cur->Row)
      evaluateRelated(Cur, EventKind::AggregatePerRow);
    if (!Cur->Row && !Cur->ValuesMode &&
        (Part == "first" || Part == "last" || (!Part.empty() && llvm::isDigit(Part[0]))))
      return make(ValueKind::Instance, Cur->Model);
    return Value::unknown();
  default:
    return Value::unknown();
  }
}

} // namespace nplus1::flow::detail
