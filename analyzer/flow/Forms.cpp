// Django forms: a ModelChoiceField / ModelMultipleChoiceField renders one option per row of
// its queryset, labelled by the field's label_from_instance() — str(obj) unless a subclass
// overrides it. A relation read there costs one query per option.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow::detail {

// Views.cpp
const Stmt *projectMethod(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);
const Expr *inheritedAttr(const index::Project &P, const index::ClassRef &C, llvm::StringRef Name,
                          index::ClassRef &Owner);

namespace {

/// The class name of a django.forms class that the qualified name \p Q denotes
/// (`django.forms.models.ModelChoiceField` -> "ModelChoiceField"), or "".
llvm::StringRef formsClass(llvm::StringRef Q) {
  if (!Q.starts_with("django.forms."))
    return "";
  return Q.rsplit('.').second;
}

/// The django.forms class \p Q denotes, directly or as the nearest django.forms base of a
/// project class; \p Project is set to that project class.
std::string formsKind(const index::Project &P, const std::string &Q, index::ClassRef &Project) {
  if (llvm::StringRef K = formsClass(Q); !K.empty())
    return K.str();
  index::ClassRef C = P.classNamed(Q);
  if (!C)
    return "";
  std::vector<index::ClassRef> Work{C};
  for (size_t I = 0; I < Work.size() && I < limits::AncestorWalk; ++I)
    for (const Expr *B : Work[I].Def->Bases) {
      std::string BQ = P.resolveExpr(*Work[I].Module, B);
      if (llvm::StringRef K = formsClass(BQ); !K.empty()) {
        Project = C;
        return K.str();
      }
      if (index::ClassRef R = P.classNamed(BQ); R && R.Def != Work[I].Def)
        Work.push_back(R);
    }
  return "";
}

bool isChoiceField(llvm::StringRef Kind) {
  return Kind == "ModelChoiceField" || Kind == "ModelMultipleChoiceField";
}

/// Widgets that render every choice (Django's select, radio and checkbox widgets).
bool rendersChoices(llvm::StringRef Widget) {
  return llvm::is_contained(
      {"Select", "SelectMultiple", "RadioSelect", "CheckboxSelectMultiple", "NullBooleanSelect"},
      Widget);
}

/// `self.fields['name']`: the field's name, or "".
llvm::StringRef fieldSubscript(const Expr *E) {
  if (!E || E->Kind != ExprKind::Subscript || !E->Index || E->Index->Kind != ExprKind::String ||
      !E->Index->Args.empty())
    return "";
  if (E->Object->Kind != ExprKind::Attribute || E->Object->Id != "fields")
    return "";
  return E->Index->Id;
}

/// One choice field of a form: its class and where its queryset is written.
struct ChoiceField {
  std::string Name;
  std::string Kind;             ///< "ModelChoiceField" / "ModelMultipleChoiceField"
  index::ClassRef Project;      ///< the project subclass, when the field is one
  const Expr *Call = nullptr;   ///< the field's constructor call, when written
  index::ClassRef Owner;        ///< the class that declares it
  const Expr *Widget = nullptr; ///< a ModelForm's `Meta.widgets` entry for it
};

/// The declared fields of a form and its project bases, nearest first.
std::map<std::string, ChoiceField> declaredFields(const index::Project &P,
                                                  const index::ClassRef &Form) {
  std::map<std::string, ChoiceField> Out;
  std::vector<index::ClassRef> Chain{Form};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I) {
    for (const Stmt *St : Chain[I].Def->Body) {
      if (St->Kind != StmtKind::Assign || !St->Value || St->Value->Kind != ExprKind::Call ||
          St->Targets.size() != 1 || St->Targets[0]->Kind != ExprKind::Name)
        continue;
      index::ClassRef Project;
      std::string Kind = formsKind(P, P.resolveExpr(*Chain[I].Module, St->Value->Object), Project);
      if (!llvm::StringRef(Kind).ends_with("Field"))
        continue;
      Out.try_emplace(St->Targets[0]->Id,
                      ChoiceField{St->Targets[0]->Id, Kind, Project, St->Value, Chain[I]});
    }
    for (const index::ClassRef &B : P.bases(Chain[I]))
      Chain.push_back(B);
  }
  return Out;
}

/// True when the field's widget renders its choices: Django's default widgets do; a
/// hidden input or an autocomplete widget renders only the selected values.
bool widgetRendersChoices(const index::Project &P, const ChoiceField &F) {
  const Expr *W = F.Call ? F.Call->keyword("widget") : F.Widget;
  const index::ModuleInfo *M = F.Owner.Module;
  index::ClassRef Owner;
  // A field class of the project that builds its bound field itself may narrow the options
  // (to the selected ones, say).
  if (F.Project && projectMethod(P, F.Project, "get_bound_field", Owner))
    return false;
  if (!W && F.Project) { // a field class of the project may set its own widget
    index::ClassRef WOwner;
    W = inheritedAttr(P, F.Project, "widget", WOwner);
    M = WOwner.Module;
  }
  if (!W)
    return true;
  // Only Django's own widgets are known to render every choice: a widget of the project or
  // of a third-party library (an autocomplete) may render the selected ones only.
  const Expr *Callee = W->Kind == ExprKind::Call ? W->Object : W;
  return rendersChoices(formsClass(P.resolveExpr(*M, Callee)));
}

/// The forward relation \p Name of a ModelForm's Meta.model (the form field Django makes for
/// it is a ModelChoiceField or ModelMultipleChoiceField), or null.
const index::Relation *metaRelation(ModuleState &S, const index::ClassRef &Form,
                                    llvm::StringRef Name, ChoiceField &F) {
  std::vector<index::ClassRef> Chain{Form};
  for (size_t I = 0; I < Chain.size() && I < limits::ClassChain; ++I) {
    for (const Stmt *St : Chain[I].Def->Body) {
      if (St->Kind != StmtKind::Class || St->Name != "Meta")
        continue;
      for (const Stmt *MSt : St->Body) // `widgets = {'name': forms.CheckboxSelectMultiple}`
        if (MSt->Kind == StmtKind::Assign && MSt->Value && !MSt->Targets.empty() &&
            MSt->Targets[0]->isName("widgets") && MSt->Value->Kind == ExprKind::Dict)
          for (size_t K = 0; K < MSt->Value->Args.size() && K < MSt->Value->Values.size(); ++K)
            if (MSt->Value->Args[K]->Kind == ExprKind::String && MSt->Value->Args[K]->Id == Name) {
              F.Widget = MSt->Value->Values[K];
              F.Owner = Chain[I];
            }
      for (const Stmt *MSt : St->Body)
        if (MSt->Kind == StmtKind::Assign && MSt->Value && !MSt->Targets.empty() &&
            MSt->Targets[0]->isName("model")) {
          const index::Model *Mo =
              S.G.modelNamed(S.P, S.P.resolveExpr(*Chain[I].Module, MSt->Value));
          const index::Relation *R = Mo ? S.G.relation(Mo, Name) : nullptr;
          if (R && (R->Kind == index::RelationKind::ForeignKey ||
                    R->Kind == index::RelationKind::OneToOne ||
                    R->Kind == index::RelationKind::ManyToMany))
            return R;
          return nullptr;
        }
    }
    for (const index::ClassRef &B : S.P.bases(Chain[I]))
      Chain.push_back(B);
  }
  return nullptr;
}

/// What `__init__` writes on its fields: the `self.fields['x'].queryset = ...` statements,
/// and per field the attributes set (`queryset`, `label_from_instance`, `widget`,
/// `choices`; "" for `self.fields['x'] = ...`), in every branch of \p Body.
struct FieldWrites {
  std::vector<const Stmt *> QuerySets;
  std::map<std::string, std::set<std::string>> Attrs;
};

void collectFieldWrites(llvm::ArrayRef<Stmt *> Body, FieldWrites &Out, unsigned Depth = 0) {
  if (Depth > limits::FormFieldWriteNesting)
    return;
  for (const Stmt *St : Body) {
    if (St->Kind == StmtKind::Assign && St->Value)
      for (const Expr *T : St->Targets) {
        if (llvm::StringRef F = fieldSubscript(T); !F.empty()) {
          Out.Attrs[F.str()].insert("");
          continue;
        }
        if (T->Kind != ExprKind::Attribute)
          continue;
        llvm::StringRef F = fieldSubscript(T->Object);
        if (F.empty())
          continue;
        Out.Attrs[F.str()].insert(T->Id);
        if (T->Id == "queryset" && St->Targets.size() == 1)
          Out.QuerySets.push_back(St);
      }
    for (auto *B : {&St->Body, &St->OrElse, &St->Finally})
      collectFieldWrites(*B, Out, Depth + 1);
    for (const auto &H : St->Handlers)
      collectFieldWrites(H, Out, Depth + 1);
  }
}

/// True when `__init__` changes how field \p Name renders its options (its label, widget or
/// choices), so what it reads per option is unknown.
bool relabelled(const FieldWrites &W, llvm::StringRef Name) {
  auto It = W.Attrs.find(Name.str());
  if (It == W.Attrs.end())
    return false;
  for (const char *A : {"", "label_from_instance", "widget", "choices", "iterator"})
    if (It->second.count(A))
      return true;
  return false;
}

} // namespace

void Interp::renderChoices(const ValueRef &QS, const index::ClassRef &FieldClass,
                           llvm::StringRef FieldName, Range Header, llvm::StringRef IterText) {
  if (!QS->is(ValueKind::QuerySet) || QS->Empty) // `.none()` until __init__ sets one
    return;
  index::ClassRef LOwner;
  const Stmt *Label =
      FieldClass ? projectMethod(S.P, FieldClass, "label_from_instance", LOwner) : nullptr;
  std::optional<unsigned> NewLoop;
  ValueRef Row = iterate(QS, Header, IterText, NewLoop);
  if (!Row || !NewLoop || !Row->Row)
    return;
  const_cast<LoopInfo &>(*Row->Row->Loop).Note =
      "the form field `" + FieldName.str() + "` renders one option per row, labelled by " +
      (Label ? "`" + FieldClass.Def->Name + ".label_from_instance()`" : std::string("str()"));
  ActiveLoops.insert(*NewLoop);
  if (Label)
    runWithRow(Label, *LOwner.Module, Row, 1);
  else
    strOf(Row, Header);
  ActiveLoops.erase(*NewLoop);
}

void analyzeForm(ModuleState &S, const index::ClassRef &C) {
  index::ClassRef Self;
  std::string Kind = formsKind(S.P, C.QualName, Self);
  if (!llvm::is_contained({"Form", "ModelForm", "BaseForm", "BaseModelForm"}, Kind) ||
      C.Module->Builtin)
    return;
  std::map<std::string, ChoiceField> Fields = declaredFields(S.P, C);
  index::ClassRef Owner;
  const Stmt *Init = projectMethod(S.P, C, "__init__", Owner);
  FieldWrites Writes;
  if (Init)
    collectFieldWrites(Init->Body, Writes);
  // Declared choice fields with their queryset in the class body, unless __init__ replaces
  // the queryset or changes how the options render.
  for (const auto &[Name, F] : Fields) {
    if (!isChoiceField(F.Kind) || !F.Call || !widgetRendersChoices(S.P, F) ||
        relabelled(Writes, Name) || Writes.Attrs[Name].count("queryset"))
      continue;
    const Expr *QE = F.Call->keyword("queryset");
    if (!QE && !F.Call->Args.empty())
      QE = F.Call->Args[0];
    if (!QE)
      continue;
    Interp W(S, *F.Owner.Module, F.Owner.Def, /*Report=*/true);
    W.ReturnEscapes = false;
    W.renderChoices(W.evalExpr(QE), F.Project, Name, QE->Where,
                    F.Owner.Module->Ast->file().slice(QE->Where));
  }
  // `self.fields['x'].queryset = ...` in __init__: evaluated with __init__'s locals.
  if (!Init || Writes.QuerySets.empty())
    return;
  Interp W(S, *Owner.Module, Init, /*Report=*/true);
  W.ReturnEscapes = false;
  W.run(Init->Body);
  for (const Stmt *St : Writes.QuerySets) {
    llvm::StringRef Name = fieldSubscript(St->Targets[0]->Object);
    if (relabelled(Writes, Name))
      continue;
    auto It = Fields.find(Name.str());
    ChoiceField F;
    if (It != Fields.end()) {
      F = It->second;
    } else if (const index::Relation *R = metaRelation(S, C, Name, F)) {
      // A ModelForm's own field for a relation of Meta.model: Django's default classes.
      F.Kind = R->isMany() ? "ModelMultipleChoiceField" : "ModelChoiceField";
      F.Name = Name.str();
    }
    if (!isChoiceField(F.Kind) || !widgetRendersChoices(S.P, F))
      continue;
    const SourceFile &File = Owner.Module->Ast->file();
    W.renderChoices(W.evalExpr(St->Value), F.Project, Name, St->Targets[0]->Where,
                    File.slice(St->Value->Where));
  }
}

} // namespace nplus1::flow::detail
