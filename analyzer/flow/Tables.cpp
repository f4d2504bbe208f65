// django-tables2: a Table renders every row of its data, one cell per visible column. A
// cell resolves the column's accessor on the row (`customer__name` reads row.customer), then
// renders it: str(value), a TemplateColumn's template with `record`, a render_<column>()
// method of the table, a ManyToManyColumn's related objects. Ordering by an accessor runs in
// the database (queryset.order_by), so `order_by=` reads nothing per row.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

#include "parse/Template.h"

namespace nplus1::flow::detail {

// Views.cpp
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);
const Expr *inheritedAttr(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);
const Expr *classAttr(const Stmt *Class, llvm::StringRef Name);

namespace {

/// The class name of a django_tables2 class that the qualified name \p Q denotes
/// (`django_tables2.columns.TemplateColumn` -> "TemplateColumn"), or "".
llvm::StringRef tables2Class(llvm::StringRef Q) {
  if (!Q.starts_with("django_tables2."))
    return "";
  return Q.rsplit('.').second;
}

/// The django_tables2 classes \p C derives from, directly or through project classes,
/// nearest first.
std::vector<std::string> tables2Bases(const index::Project &P, const index::ClassRef &C) {
  std::vector<std::string> Out;
  std::vector<index::ClassRef> Work{C};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I)
    for (const Expr *B : Work[I].Def->Bases) {
      std::string Q = P.resolveExpr(*Work[I].Module, B);
      if (llvm::StringRef K = tables2Class(Q); !K.empty()) {
        Out.push_back(K.str());
        continue;
      }
      if (index::ClassRef R = P.classNamed(Q); R && R.Def != Work[I].Def)
        Work.push_back(R);
    }
  return Out;
}

bool hasBase(const std::vector<std::string> &Bases, std::initializer_list<llvm::StringRef> Any) {
  for (const std::string &B : Bases)
    if (llvm::is_contained(Any, llvm::StringRef(B)))
      return true;
  return false;
}

/// \p C and its project bases, nearest first (method resolution order, breadth first).
std::vector<index::ClassRef> classChain(const index::Project &P, const index::ClassRef &C) {
  std::vector<index::ClassRef> Chain{C};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I)
    for (const index::ClassRef &B : P.bases(Chain[I]))
      Chain.push_back(B);
  return Chain;
}

/// The string a column argument names: `'a__b'`, `A('a__b')`, `Accessor('a.b')`; null
/// otherwise.
const Expr *accessorString(const Expr *E) {
  if (!E)
    return nullptr;
  if (E->Kind == ExprKind::String && E->Args.empty())
    return E;
  if (E->Kind == ExprKind::Call && E->Args.size() == 1 && E->Args[0]->Kind == ExprKind::String &&
      E->Args[0]->Args.empty()) {
    llvm::StringRef Callee = E->Object->Id; // `A(...)`, `tables.A(...)`
    if (Callee == "A" || Callee == "Accessor")
      return E->Args[0];
  }
  return nullptr;
}

/// Every `A('...')` / `Accessor('...')` inside \p E (a LinkColumn's args, a linkify dict):
/// each is resolved on the row to build the link.
void linkAccessors(const Expr *E, std::vector<const Expr *> &Out, unsigned Depth = 0) {
  if (!E || Depth > limits::LinkAccessorNesting)
    return;
  if (E->Kind == ExprKind::Call)
    if (const Expr *S = accessorString(E)) {
      Out.push_back(S);
      return;
    }
  for (const auto *List : {&E->Args, &E->Values})
    for (const Expr *A : *List)
      linkAccessors(A, Out, Depth + 1);
  for (const py::Keyword &K : E->Keywords)
    linkAccessors(K.Value, Out, Depth + 1);
}

/// The names in a `fields` / `exclude` / `sequence` tuple or list of strings.
std::vector<const Expr *> stringItems(const Expr *E) {
  std::vector<const Expr *> Out;
  if (E && (E->Kind == ExprKind::Tuple || E->Kind == ExprKind::List))
    for (const Expr *A : E->Args)
      if (A->Kind == ExprKind::String && A->Args.empty())
        Out.push_back(A);
  return Out;
}

/// An attribute of the table's `class Meta`, looked up through the Meta classes of the
/// table's project bases (`class Meta(BaseTable.Meta)` inherits them).
const Expr *metaAttr(const std::vector<index::ClassRef> &Chain, llvm::StringRef Name,
                     index::ClassRef &Owner) {
  for (const index::ClassRef &C : Chain)
    for (const Stmt *St : C.Def->Body)
      if (St->Kind == StmtKind::Class && St->Name == "Meta")
        if (const Expr *E = classAttr(St, Name)) {
          Owner = C;
          return E;
        }
  return nullptr;
}

/// True when a project class of the table loads relations for its rows itself (its
/// `__init__` calls select_related / prefetch_related on the data): what it loads depends
/// on the columns at run time, so nothing is said about the table.
bool loadsItself(const std::vector<index::ClassRef> &Chain) {
  for (const index::ClassRef &C : Chain) {
    if (C.Module->Builtin)
      continue;
    for (const Stmt *St : C.Def->Body) {
      if (St->Kind != StmtKind::Function ||
          !llvm::is_contained({"__init__", "before_render", "paginate"}, St->Name))
        continue;
      llvm::StringRef Text = C.Module->Ast->file().slice(St->Where);
      if (Text.contains("select_related") || Text.contains("prefetch_related"))
        return true;
    }
  }
  return false;
}

/// The range of a string literal's contents, quotes and prefix excluded.
Range literalContent(const SourceFile &F, const Expr *Str) {
  llvm::StringRef T = F.slice(Str->Where);
  size_t Q = T.find_first_of("'\"");
  if (Q == llvm::StringRef::npos)
    return Str->Where;
  bool Triple = T.substr(Q).starts_with("'''") || T.substr(Q).starts_with("\"\"\"");
  unsigned Quote = Triple ? 3 : 1;
  if (T.size() < Q + 2 * Quote)
    return Str->Where;
  return {uint32_t(Str->Where.Begin + Q + Quote), uint32_t(Str->Where.End - Quote)};
}

} // namespace

bool Interp::isTable(const index::ClassRef &C) const {
  return hasBase(tables2Bases(S.P, C), {"Table"});
}

void Interp::renderTableRows(const index::ClassRef &Table, const ValueRef &QS, Range Header,
                             llvm::StringRef IterText, const std::string &Note) {
  std::vector<index::ClassRef> Chain = classChain(S.P, Table);
  if (loadsItself(Chain))
    return;
  std::optional<unsigned> NewLoop;
  ValueRef Row = iterate(QS, Header, IterText, NewLoop);
  if (!Row || !NewLoop || !Row->Row)
    return;
  const_cast<LoopInfo &>(*Row->Row->Loop).Note = Note;
  ActiveLoops.insert(*NewLoop);
  walkTableRow(Table, Row);
  ActiveLoops.erase(*NewLoop);
}

namespace {

/// A column of a django_tables2 table.
struct Column {
  const Expr *Call = nullptr; ///< the declared column, or null for a generated one
  index::ClassRef Owner;      ///< where it is written
  Range NameAt;               ///< the column's name (declaration target or Meta string)
  std::string Kind;           ///< the django_tables2 column class ("Column"...)
  index::ClassRef Project;    ///< a project column class, when it is one
};

/// The columns of the table with class chain \p Chain by name, declared ones (nearest
/// class wins), then those Meta.model generates, minus Meta.exclude; \p Order gets their
/// names in declaration order.
std::map<std::string, Column> tableColumns(const index::Project &P, const index::ModelGraph &G,
                                           const std::vector<index::ClassRef> &Chain,
                                           std::vector<std::string> &Order) {
  std::map<std::string, Column> Columns;
  for (const index::ClassRef &C : Chain)
    for (const Stmt *St : C.Def->Body) {
      if (St->Kind != StmtKind::Assign || !St->Value || St->Value->Kind != ExprKind::Call ||
          St->Targets.size() != 1 || St->Targets[0]->Kind != ExprKind::Name)
        continue;
      std::string Q = P.resolveExpr(*C.Module, St->Value->Object);
      Column Col{St->Value, C, St->Targets[0]->Where, tables2Class(Q).str(), {}};
      if (Col.Kind.empty()) {
        index::ClassRef PC = P.classNamed(Q);
        std::vector<std::string> Bases = PC ? tables2Bases(P, PC) : std::vector<std::string>{};
        if (Bases.empty())
          continue;
        Col.Kind = Bases.front();
        Col.Project = PC;
      }
      if (!llvm::StringRef(Col.Kind).ends_with("Column"))
        continue;
      if (Columns.try_emplace(St->Targets[0]->Id, Col).second)
        Order.push_back(St->Targets[0]->Id);
    }
  index::ClassRef MetaOwner;
  const Expr *ModelE = metaAttr(Chain, "model", MetaOwner);
  const Model *MetaModel =
      ModelE ? G.modelNamed(P, P.resolveExpr(*MetaOwner.Module, ModelE)) : nullptr;
  if (MetaModel) {
    index::ClassRef FieldsOwner;
    if (const Expr *Fields = metaAttr(Chain, "fields", FieldsOwner)) {
      for (const Expr *F : stringItems(Fields))
        if (Columns
                .try_emplace(F->Id, Column{nullptr,
                                           FieldsOwner,
                                           literalContent(FieldsOwner.Module->Ast->file(), F),
                                           "Column",
                                           {}})
                .second)
          Order.push_back(F->Id);
    } else {
      // No `fields`: a column for every concrete field, foreign keys included.
      std::vector<std::string> Names;
      for (const auto &R : MetaModel->Relations)
        if (R.second.Kind == index::RelationKind::ForeignKey ||
            R.second.Kind == index::RelationKind::OneToOne)
          if (!R.second.ParentLink)
            Names.push_back(R.first().str());
      llvm::sort(Names);
      for (const std::string &N : Names)
        if (Columns.try_emplace(N, Column{nullptr, MetaOwner, ModelE->Where, "Column", {}}).second)
          Order.push_back(N);
    }
  }
  index::ClassRef ExcludeOwner;
  for (const Expr *X : stringItems(metaAttr(Chain, "exclude", ExcludeOwner)))
    Columns.erase(X->Id);
  return Columns;
}

} // namespace

void Interp::walkTableRow(const index::ClassRef &Table, const ValueRef &Row) {
  if (!Row->is(ValueKind::Instance) || !Row->Model)
    return;
  std::vector<index::ClassRef> Chain = classChain(S.P, Table);
  // Columns by name: declared ones (nearest class wins), then those Meta.model generates.
  std::vector<std::string> Order;
  std::map<std::string, Column> Columns = tableColumns(S.P, S.G, Chain, Order);
  const SourceFile *Saved = EvFile;
  for (const std::string &Name : Order) {
    auto It = Columns.find(Name);
    if (It == Columns.end())
      continue;
    const Column &Col = It->second;
    const Expr *Call = Col.Call;
    if (Call)
      if (const Expr *V = Call->keyword("visible");
          V && V->Kind == ExprKind::Constant && V->Id == "False")
        continue; // a hidden column renders no cell
    EvFile = &Col.Owner.Module->Ast->file();
    // The column's value: its accessor (the column's name by default) read on the row.
    const Expr *AccE = Call ? accessorString(Call->keyword("accessor")) : nullptr;
    std::string Path = AccE ? AccE->Id : Name;
    Range At = AccE ? literalContent(*EvFile, AccE) : Col.NameAt;
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    llvm::StringRef(Path).split(Parts, llvm::StringRef(Path).contains("__") ? "__" : ".");
    ValueRef Val = Row;
    bool Many = false;
    for (llvm::StringRef Part : Parts) {
      if (!Val->is(ValueKind::Instance)) {
        Val = Value::unknown();
        break;
      }
      Val = attributeOrCall(Val, Part, At, At);
      if (Val->is(ValueKind::RelatedManager)) {
        Many = true;
        break;
      }
    }
    // Links built from accessors (LinkColumn args, linkify=(viewname, [A('x')])).
    if (Call) {
      std::vector<const Expr *> Links;
      for (const Expr *A : Call->Args)
        linkAccessors(A, Links);
      for (const py::Keyword &K : Call->Keywords)
        if (K.Name != "order_by" && K.Name != "accessor")
          linkAccessors(K.Value, Links);
      for (const Expr *L : Links)
        readPath(Row, L->Id, literalContent(*EvFile, L));
    }
    // How the cell renders the value.
    index::ClassRef MOwner;
    if (const Stmt *Render = projectMethod(S.P, Table, "render_" + Name, MOwner)) {
      runTableMethod(Render, *MOwner.Module, Row, Val);
      continue;
    }
    if (Col.Project)
      if (const Stmt *Render = projectMethod(S.P, Col.Project, "render", MOwner)) {
        runTableMethod(Render, *MOwner.Module, Row, Val);
        continue;
      }
    if (Col.Kind == "TemplateColumn" && Call) {
      auto Ctx = std::make_shared<Value>();
      Ctx->Kind = ValueKind::Dict;
      Ctx->Entries.push_back({"record", Row});
      Ctx->Entries.push_back({"value", Val});
      const Expr *Code = Call->keyword("template_code");
      if (!Code && !Call->Args.empty())
        Code = Call->Args[0];
      if (Code && Code->Kind == ExprKind::String && Code->Args.empty())
        renderInlineTemplate(*Col.Owner.Module, Code, Ctx);
      else if (const Expr *TN = Call->keyword("template_name");
               TN && TN->Kind == ExprKind::String && TN->Args.empty())
        renderTemplate(TN->Id, Ctx);
      continue;
    }
    if (Many) {
      if (Col.Kind == "ManyToManyColumn" ||
          (!Call && Val->Relation && Val->Relation->Kind == index::RelationKind::ManyToMany))
        evaluateRelated(relatedAll(Val, At));
      continue;
    }
    if (llvm::is_contained({"Column", "LinkColumn", "RelatedLinkColumn"}, Col.Kind))
      strOf(Val, At); // the cell shows str(value)
  }
  EvFile = Saved;
}

void Interp::runTableMethod(const Stmt *Def, const index::ModuleInfo &Owner, const ValueRef &Row,
                            const ValueRef &Val) {
  Interp Sub(S, Owner, Def, Report);
  Sub.ActiveLoops = ActiveLoops;
  Sub.CondLoops = CondLoops;
  Sub.BranchLoops = BranchLoops;
  // django-tables2 passes the arguments a render_* method names: record, value, ...
  bool Bound = false;
  for (const py::Param &Par : Def->Params) {
    if (Par.Name == "record")
      Sub.bind(Par.Name, Row), Bound = true;
    else if (Par.Name == "value")
      Sub.bind(Par.Name, Val);
    else if (Par.IsDoubleStar)
      Bound = false; // **kwargs: the record may leave by name
  }
  Sub.run(Def->Body);
  if (!Bound || Sub.closuresMention("record"))
    lose(Row);
}

void Interp::renderInlineTemplate(const index::ModuleInfo &Owner, const Expr *Code,
                                  const ValueRef &Ctx) {
  if (!Report)
    return;
  // The template is parsed in place: everything but the string's contents is blanked, so
  // every node keeps its offset in the Python file and findings point into it.
  const SourceFile &F = Owner.Ast->file();
  Range In = literalContent(F, Code);
  std::string Text(F.text().size(), ' ');
  for (size_t I = 0; I < Text.size(); ++I)
    if (F.text()[I] == '\n' || (I >= In.Begin && I < In.End))
      Text[I] = F.text()[I];
  index::TemplateFile T;
  T.Name = "<template_code>";
  T.File = std::shared_ptr<const SourceFile>(Owner.Ast, &F);
  T.Tree = parse::tpl::parseTemplate(Text, S.DjangoVersion);
  Scope Vars;
  for (const auto &[K, V] : Ctx->Entries)
    Vars[K] = V;
  TemplateBudget = MaxTemplateWalks;
  walkTemplate(T, Vars, nullptr, 0);
}

void analyzeTableView(ModuleState &S, const index::ClassRef &C) {
  std::vector<std::string> Bases = tables2Bases(S.P, C);
  if (!hasBase(Bases, {"SingleTableMixin", "SingleTableView"}))
    return;
  index::ClassRef TOwner;
  const Expr *TableE = inheritedAttr(S.P, C, "table_class", TOwner);
  index::ClassRef Table = TableE ? S.P.classFor(*TOwner.Module, TableE) : index::ClassRef{};
  if (!Table)
    return;
  index::ClassRef Owner;
  // get_table() / get_table_data() of the project build the table or its rows themselves.
  if (projectMethod(S.P, C, "get_table", Owner) || projectMethod(S.P, C, "get_table_data", Owner))
    return;
  if (inheritedAttr(S.P, C, "table_data", Owner))
    return;
  ViewRows Rows = viewRows(S, C);
  if (!Rows.QS->is(ValueKind::QuerySet) || !Rows.W->isTable(Table))
    return;
  Rows.W->renderTableRows(Table, Rows.QS, C.Def->NameWhere, "queryset",
                          "the view `" + C.Def->Name + "` renders every row of its queryset in `" +
                              Table.Def->Name + "` (django-tables2)");
}

} // namespace nplus1::flow::detail
