// Django REST framework serializers: each field of a serializer read on every row.
#include "AnalysisLimits.h"
#include "flow/Interp.h"

namespace nplus1::flow::detail {

bool Interp::isSerializer(const index::ClassRef &C) const {
  for (const index::BaseClass &B : index::frameworkBases())
    if (B.Role == index::BaseRole::Serializer && S.P.derivesFrom(C, B.QualName))
      return true;
  return false;
}

namespace {

/// True for a project serializer class \p C that builds its output or its fields itself
/// (to_representation(), get_fields(), a Meta.list_serializer_class, ...).
bool buildsItself(const index::ClassRef &C) {
  if (C.Module->Builtin || index::isFrameworkModule(C.Module->Name))
    return false;
  for (const Stmt *St : C.Def->Body) {
    if (St->Kind == StmtKind::Function &&
        llvm::is_contained({"to_representation", "get_fields", "get_attribute", "__init__",
                            "many_init", "get_field_names"},
                           St->Name))
      return true;
    if (St->Kind == StmtKind::Class && St->Name == "Meta")
      for (const Stmt *MSt : St->Body)
        if (MSt->Kind == StmtKind::Assign && !MSt->Targets.empty() &&
            MSt->Targets[0]->isName("list_serializer_class"))
          return true;
  }
  return false;
}

/// What a serializer's Meta says: Meta.fields (or `__all__`), exclude and write-only
/// extra_kwargs, depth.
struct SerializerMeta {
  std::vector<std::pair<std::string, const Expr *>> Fields;
  bool All = false;
  const Expr *AllExpr = nullptr;
  std::set<std::string> Excluded;
  int MetaDepth = 0;
};

SerializerMeta readSerializerMeta(const Stmt *Meta) {
  SerializerMeta Out;
  auto &[Fields, All, AllExpr, Excluded, MetaDepth] = Out;
  for (const Stmt *St : Meta->Body) {
    if (St->Kind != StmtKind::Assign || St->Targets.empty() || !St->Value)
      continue;
    llvm::StringRef N = St->Targets[0]->Kind == ExprKind::Name ? llvm::StringRef(St->Targets[0]->Id)
                                                               : llvm::StringRef();
    const Expr *V = St->Value;
    if (N == "fields" && V->Kind == ExprKind::String && V->Id == "__all__") {
      All = true;
      AllExpr = V;
    }
    if ((N == "fields" || N == "exclude") &&
        (V->Kind == ExprKind::List || V->Kind == ExprKind::Tuple))
      for (const Expr *F : V->Args)
        if (F->Kind == ExprKind::String) {
          if (N == "fields")
            Fields.push_back({F->Id, F});
          else
            Excluded.insert(F->Id);
        }
    if (N == "depth" && V->Kind == ExprKind::Number)
      llvm::StringRef(V->Id).getAsInteger(10, MetaDepth);
    // extra_kwargs = {'location': {'write_only': True}}: an input only, never serialized.
    if (N == "extra_kwargs" && V->Kind == ExprKind::Dict)
      for (size_t I = 0; I < V->Args.size() && I < V->Values.size(); ++I) {
        const Expr *Opts = V->Values[I];
        if (V->Args[I]->Kind != ExprKind::String || !Opts || Opts->Kind != ExprKind::Dict)
          continue;
        for (size_t J = 0; J < Opts->Args.size() && J < Opts->Values.size(); ++J)
          if (Opts->Args[J]->Kind == ExprKind::String && Opts->Args[J]->Id == "write_only" &&
              Opts->Values[J]->Kind == ExprKind::Constant && Opts->Values[J]->Id == "True")
            Excluded.insert(V->Args[I]->Id);
      }
  }
  return Out;
}

/// Every forward relation of \p Mo, M2M included (what `__all__` serializes), in name
/// order: a hash map's order would differ between runs of the same code.
std::vector<std::string> forwardRelations(const index::Model &Mo) {
  std::vector<std::string> Forward;
  for (const auto &Rel : Mo.Relations)
    if (!Rel.second.ParentLink && (Rel.second.Kind == index::RelationKind::ForeignKey ||
                                   Rel.second.Kind == index::RelationKind::OneToOne ||
                                   Rel.second.Kind == index::RelationKind::ManyToMany))
      Forward.push_back(Rel.first().str());
  llvm::sort(Forward);
  return Forward;
}

} // namespace

void Interp::walkSerializer(const index::ClassRef &Ser, const ValueRef &Row, unsigned Depth) {
  if (Depth > limits::SerializerNesting || !Row->is(ValueKind::Instance) || !Row->Model) {
    lose(Row);
    return;
  }
  // Declared fields, base classes first so subclasses override.
  std::vector<index::ClassRef> Chain{Ser};
  for (size_t I = 0; I < Chain.size() && I < limits::SerializerClassChain; ++I)
    for (const index::ClassRef &B : S.P.bases(Chain[I]))
      Chain.push_back(B);
  // A project serializer that builds its output or fields itself may read anything.
  if (llvm::any_of(Chain, buildsItself))
    lose(Row);
  std::map<std::string, std::pair<const Expr *, index::ClassRef>> Declared;
  std::vector<std::string> Order;
  const Stmt *Meta = nullptr;
  index::ClassRef MetaOwner;
  for (auto It = Chain.rbegin(); It != Chain.rend(); ++It)
    for (const Stmt *St : It->Def->Body) {
      if (St->Kind == StmtKind::Class && St->Name == "Meta") {
        Meta = St;
        MetaOwner = *It;
      }
      if (St->Kind != StmtKind::Assign || !St->Value || St->Value->Kind != ExprKind::Call)
        continue;
      for (const Expr *T : St->Targets)
        if (T->Kind == ExprKind::Name) {
          if (!Declared.count(T->Id))
            Order.push_back(T->Id);
          Declared[T->Id] = {St->Value, *It};
        }
    }
  // Meta.fields / exclude / depth.
  SerializerMeta MetaOpts;
  if (Meta)
    MetaOpts = readSerializerMeta(Meta);
  auto &[Fields, All, AllExpr, Excluded, MetaDepth] = MetaOpts;
  if (!Meta || (Fields.empty() && !All)) {
    for (const std::string &N : Order)
      Fields.push_back({N, nullptr});
    All = All || (Meta && Fields.empty());
  }
  if (All) {
    for (const std::string &N : Order)
      Fields.push_back({N, nullptr});
    for (std::string &N : forwardRelations(*Row->Model)) // `__all__` / exclude
      Fields.push_back({std::move(N), nullptr});
  }
  std::set<std::string> Seen;
  const SourceFile *Saved = EvFile;
  for (const auto &[Name, Where] : Fields) {
    if (Excluded.count(Name) || !Seen.insert(Name).second)
      continue;
    auto D = Declared.find(Name);
    if (D != Declared.end()) {
      EvFile = &D->second.second.Module->Ast->file();
      serializeDeclared(D->second.second, Name, D->second.first, Row, Depth);
      continue;
    }
    // A model field implied by Meta.fields: relations become PrimaryKeyRelatedFields
    // (a forward FK reads its `_id` column), nested when Meta.depth says so.
    const index::Relation *Rel = S.G.relation(Row->Model, Name);
    EvFile = &MetaOwner.Module->Ast->file();
    const Expr *Named = Where ? Where : AllExpr; // `__all__` stands for the field
    Range At = Named ? stringContent(Named) : Range{Meta->Where.Begin, Meta->Where.Begin};
    if (!Rel && !S.G.isColumn(Row->Model, Name) && Name != "pk" && Name != "url") {
      // A property or method of the model (DRF's ReadOnlyField reads it, calling a
      // method): what it reads is read on every row. Anything else may read relations.
      index::ClassRef Owner;
      if (const Stmt *Def = modelMethod(Row->Model, Name, Owner);
          Def && Def->Params.size() <= 1 && Where)
        attributeOrCall(Row, Name, At, At);
      else
        lose(Row);
    }
    if (!Rel)
      continue;
    if (Rel->isMany()) {
      ValueRef RM = instanceAttribute(Row, Name, At, At);
      if (RM->is(ValueKind::RelatedManager)) {
        ValueRef Q = relatedAll(RM, At);
        if (MetaDepth > 0) {
          std::optional<unsigned> NewLoop;
          iterate(Q, At, Name, NewLoop);
        } else {
          evaluateRelated(Q);
        }
      }
    } else if (MetaDepth > 0) {
      instanceAttribute(Row, Name, At, At);
    }
  }
  EvFile = Saved;
}

Range Interp::stringContent(const Expr *Str) const {
  llvm::StringRef T = EvFile->slice(Str->Where);
  size_t Q = T.find_first_of("'\"");
  if (Q == llvm::StringRef::npos)
    return Str->Where;
  bool Triple = T.substr(Q).starts_with("'''") || T.substr(Q).starts_with("\"\"\"");
  uint32_t Begin = Str->Where.Begin + Q + (Triple ? 3 : 1);
  return {Begin, uint32_t(Begin + Str->Id.size())};
}

void Interp::serializeDeclared(const index::ClassRef &Owner, llvm::StringRef Name, const Expr *Call,
                               const ValueRef &Row, unsigned Depth) {
  std::string Callee = S.P.resolveExpr(*Owner.Module, Call->Object);
  if (Callee.empty())
    Callee = Call->Object->dotted();
  llvm::StringRef Kind = llvm::StringRef(Callee).rsplit('.').second;
  if (Kind.empty())
    Kind = Callee;
  // `write_only=True`: an input only, DRF never reads it to serialize a row.
  if (const Expr *W = Call->keyword("write_only");
      W && W->Kind == ExprKind::Constant && W->Id == "True")
    return;
  const Expr *ManyE = Call->keyword("many");
  bool Many = ManyE && ManyE->Kind == ExprKind::Constant && ManyE->Id == "True";
  if (Kind == "SerializerMethodField") {
    std::string Method = "get_" + Name.str();
    if (const Expr *MN = Call->keyword("method_name"); MN && MN->Kind == ExprKind::String)
      Method = MN->Id;
    index::ClassRef MOwner;
    if (const Stmt *Def = S.P.findMethod(Owner, Method, &MOwner))
      runWithRow(Def, *MOwner.Module, Row, 1);
    else
      lose(Row);
    return;
  }
  if (Kind == "HyperlinkedIdentityField" || Kind == "SerializerMethodField")
    return;
  // The path the field reads, and where to point at.
  std::string Source = Name.str();
  Range At{Call->Where.Begin, Call->Where.Begin};
  const Expr *SourceE = Call->keyword("source");
  if (SourceE && SourceE->Kind == ExprKind::String) {
    if (SourceE->Id == "*") {
      lose(Row); // the field gets the whole row
      return;
    }
    Source = SourceE->Id;
    At = stringContent(SourceE);
  } else {
    // Point at the field's name in `name = Field(...)`.
    for (const Stmt *St : Owner.Def->Body)
      if (St->Kind == StmtKind::Assign && St->Value == Call)
        At = St->Targets[0]->Where;
  }
  index::ClassRef Nested = S.P.classFor(*Owner.Module, Call->Object);
  bool IsNested = Nested && isSerializer(Nested);
  // DRF reads only the key when the field needs nothing but the pk.
  const Expr *Lookup = Call->keyword("lookup_field");
  bool PkOnly = Kind == "PrimaryKeyRelatedField" ||
                (Kind == "HyperlinkedRelatedField" &&
                 (!Lookup || (Lookup->Kind == ExprKind::String && Lookup->Id == "pk")));
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  llvm::StringRef(Source).split(Parts, '.');
  ValueRef Cur = Row;
  uint32_t Offset = SourceE ? At.Begin : 0;
  for (size_t I = 0; I < Parts.size(); ++I) {
    bool Last = I + 1 == Parts.size();
    Range NameAt = SourceE ? Range{Offset, uint32_t(Offset + Parts[I].size())} : At;
    Range ExprAt = SourceE ? Range{At.Begin, NameAt.End} : At;
    Offset = NameAt.End + 1;
    if (!Cur->is(ValueKind::Instance) || !Cur->Model)
      return;
    const index::Relation *Rel = S.G.relation(Cur->Model, Parts[I]);
    // A related field that needs only the key reads the `_id` column.
    if (Last && PkOnly && !Many && Rel && Rel->isSelectable() &&
        Rel->Kind != index::RelationKind::ReverseOneToOne)
      return;
    Cur = attributeOrCall(Cur, Parts[I], NameAt, ExprAt);
    if (Cur->is(ValueKind::RelatedManager)) {
      ValueRef Q = relatedAll(Cur, ExprAt);
      if (!Last)
        return;
      if (IsNested) {
        std::optional<unsigned> NewLoop;
        ValueRef Inner = iterate(Q, ExprAt, Parts[I], NewLoop);
        if (Inner && NewLoop)
          ActiveLoops.insert(*NewLoop);
        if (Inner)
          walkSerializer(Nested, Inner, Depth + 1);
        if (NewLoop)
          ActiveLoops.erase(*NewLoop);
      } else {
        evaluateRelated(Q);
      }
      return;
    }
  }
  if (IsNested && !Many)
    walkSerializer(Nested, Cur, Depth + 1);
  if (Kind == "StringRelatedField")
    strOf(Cur, At);
}

void Interp::serializeRows(const index::ClassRef &Ser, const ValueRef &QS, Range Header,
                           llvm::StringRef IterText, const std::string &Note, bool SingleObject,
                           const SourceFile *HeaderFile) {
  std::optional<unsigned> NewLoop;
  ValueRef Row = iterate(QS, Header, IterText, NewLoop);
  if (!Row || !NewLoop || !Row->Row)
    return;
  auto &Loop = const_cast<LoopInfo &>(*Row->Row->Loop);
  Loop.Note = Note;
  if (HeaderFile)
    Loop.HeaderFile = HeaderFile;
  Row->Row->Loop->SingleObject = SingleObject;
  ActiveLoops.insert(*NewLoop);
  walkSerializer(Ser, Row, 0);
  ActiveLoops.erase(*NewLoop);
}

} // namespace nplus1::flow::detail
