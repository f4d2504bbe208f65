#ifndef NPLUS1_FLOW_INTERP_H
#define NPLUS1_FLOW_INTERP_H

// The interpreter behind flow::Analyzer, shared by its parts: Interpreter.cpp,
// Expressions.cpp, QuerySets.cpp, Calls.cpp, RowAccess.cpp and LoadUses.cpp (Python
// semantics), Templates.cpp (Django templates), Serializers.cpp (DRF) and Views.cpp
// (class-based views, DRF views, the admin). Not part of the flow stage's interface.

#include "AnalysisLimits.h"
#include "flow/Interpreter.h"

#include "index/Framework.h"
#include "index/Templates.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <set>

namespace nplus1::flow::detail {

namespace py = parse::py;
using index::Model;
using index::Relation;
using py::Expr;
using py::ExprKind;
using py::Stmt;
using py::StmtKind;

/// Queryset methods of one family of the catalog (index::QueryMethodKind): another
/// queryset over the same rows, one row, values rather than rows, a scalar.
bool isChainMethod(llvm::StringRef N);
bool isSingleMethod(llvm::StringRef N);
bool isValuesMethod(llvm::StringRef N);
bool isScalarMethod(llvm::StringRef N);
/// Builtins that consume an iterable right away.
bool isIterConsumer(llvm::StringRef N);
/// Adds to \p Into the lookups of \p From below relation \p Rel (`rel__x` as `x`): what
/// a single object's queryset loaded for the objects reached through Rel.
void mergeBelow(Loaded &Into, const Loaded &From, llvm::StringRef Rel);

/// A pre_save/post_save receiver of the project (`@receiver(post_save, sender=Order)`,
/// `post_save.connect(fn, sender=Order)`): it runs for every saved row of Sender.
struct SaveReceiver {
  const Model *Sender = nullptr; ///< null: every model (no sender, or one we cannot read)
  std::string Signal;            ///< "post_save"
  const SourceFile *File = nullptr;
  Range Where;
};

/// Per-module state shared by the function interpreters: summaries and events.
struct ModuleState {
  const index::Project &P;
  const index::ModelGraph &G;
  const index::TemplateIndex *Templates = nullptr;
  unsigned DjangoVersion = 502;
  std::vector<Event> Events;
  /// (file, offset, kind, queryset): one access reached from two querysets is two findings.
  /// (file, offset, kind, queryset, path): one access reached from two querysets is two
  /// findings; a method call reading two relations is two findings at the call.
  std::set<std::tuple<const SourceFile *, uint32_t, int, const Origin *, std::string>> EventKeys;
  std::map<const Stmt *, ValueRef> Summaries;
  std::set<const Stmt *> InProgress;
  std::map<const index::ManagerInfo *, Loaded> ManagerLoads;
  unsigned NextLoop = 1;
  std::map<const SourceFile *, char> Quotes;
  std::map<unsigned, std::shared_ptr<const LoopInfo>> Loops;
  /// What each model method / property / __str__ reads on `self` (events relative to it),
  /// per call shape (CallShape::key(): which arguments the call passes).
  std::map<std::pair<const Stmt *, std::string>, std::vector<Event>> MethodReads;
  /// Which attributes each of those reads on `self`, and whether `self` got away (NP301).
  std::map<std::pair<const Stmt *, std::string>, std::shared_ptr<LoadUse>> MethodUses;
  /// The pre_save/post_save receivers of each module read for them (LoopShapes.cpp).
  std::map<const index::ModuleInfo *, std::vector<SaveReceiver>> SaveReceivers;
  /// Django 6.1 fetch modes apply: the project runs 6.1 or later, or its version is unknown.
  bool FetchModes = true;
  /// The project's template filters, tags and Jinja2 globals (null: no templates).
  const TemplateCallables *Callables = nullptr;
};

/// Interprets one function body over abstract values.

class Interp {
public:
  Interp(ModuleState &S, const index::ModuleInfo &M, const Stmt *Fn, bool Report)
      : S(S), M(M), File(&M.Ast->file()), EvFile(File), Fn(Fn), Report(Report) {}

  void bind(llvm::StringRef Name, ValueRef V) { Env[Name] = std::move(V); }
  /// The module whose names this interpreter resolves.
  const index::ModuleInfo &module() const { return M; }

  /// Runs \p Body; returns the first queryset/instance value returned.
  ValueRef run(llvm::ArrayRef<Stmt *> Body);

private:
  ModuleState &S;
  const index::ModuleInfo &M;
  const SourceFile *File;
  const SourceFile *EvFile; ///< where accesses happen: File, or the template being walked
  const Stmt *Fn;
  bool Report;
  llvm::StringMap<ValueRef> Env;
  /// Names a `from x import f` inside this function bound to something other than a
  /// model, with the qualified name and the value bound then (a later assignment to the
  /// name replaces that value, and the name is a local again).
  llvm::StringMap<std::pair<std::string, ValueRef>> LocalImports;
  llvm::DenseSet<unsigned> ActiveLoops;
  /// The active loops the statement being visited does not run on every pass of: it is
  /// under an `if`, a `while` or an `except` inside them (or in a function called there).
  llvm::DenseSet<unsigned> CondLoops;
  /// The same, minus branches that only test that a value is there (`if self.parent:`,
  /// `if x is not None:`): what they guard is read whenever the value exists.
  llvm::DenseSet<unsigned> BranchLoops;
  /// While alive, the statements visited run on some passes of the active loops only.
  struct ConditionalScope {
    Interp &I;
    llvm::DenseSet<unsigned> Saved, SavedBranch;
    ConditionalScope(Interp &I, bool PresenceTest)
        : I(I), Saved(I.CondLoops), SavedBranch(I.BranchLoops) {
      I.CondLoops.insert(I.ActiveLoops.begin(), I.ActiveLoops.end());
      if (!PresenceTest)
        I.BranchLoops.insert(I.ActiveLoops.begin(), I.ActiveLoops.end());
    }
    ConditionalScope(const ConditionalScope &) = delete;
    ConditionalScope &operator=(const ConditionalScope &) = delete;
    ~ConditionalScope() {
      I.CondLoops = std::move(Saved);
      I.BranchLoops = std::move(SavedBranch);
    }
  };
  /// The `for` loops of this function's own body around the statement being visited,
  /// innermost last (a `return` / `break` leaves them).
  llvm::SmallVector<unsigned, 4> OwnLoops;
  /// Running a project function the rows were passed to: the outermost call site.
  const SourceFile *CallFile = nullptr;
  Range CallWhere;
  std::string CallName;
  ValueRef Returned;

public:
  /// Class-based views: what `super().get_queryset()` / `super().get_context_data()` give,
  /// and whether a returned queryset counts as escaping (it does not from get_queryset:
  /// the view itself consumes it).
  ValueRef CbvQuerySet, CbvContext;
  /// The class-based view being interpreted: `self.method(qs)` runs its own methods.
  index::ClassRef CbvClass;
  bool ReturnEscapes = true;
  bool AnchorSuper = false; ///< super().get_queryset() starts a chain of its own (admin)
  /// A template view: super() reaching a project method we cannot follow gives nothing
  /// known rather than the view's `model` default (DRF views keep the default).
  bool StrictSuper = false;
  /// Templates one render may still walk (includes can fan out exponentially).
  static constexpr unsigned MaxTemplateWalks = limits::TemplateWalks;
  unsigned TemplateBudget = MaxTemplateWalks;
  bool InJinja = false; ///< the template being walked is a Jinja2 one
  /// An event at \p Access in the file being walked; callers fill in the rest.
  Event event(EventKind K, Range Access, Range AccessExpr) const;
  /// Set while summarizing a model method: events go here, relative to `self`.
  std::vector<Event> *Collect = nullptr;
  /// While summarizing: the loop `self` is a row of (reads on other loops' rows are not
  /// the caller's).
  unsigned SelfLoop = 0;

  // ---- NP301: are all the uses of a queryset seen? --------------------------
  /// Querysets created here are checked for lookups no consumer reads (plain functions).
  bool TrackLoads = false;
  /// After run(): one UnusedLoad event per lookup of a queryset created here that none
  /// of its (all visible) consumers reads.
  void reportUnusedLoads();
  bool joinedByFilter(const Model *Mo, llvm::StringRef Path,
                      llvm::ArrayRef<std::string> Keys) const;
  /// The use record \p V stands for: a tracked queryset or one of its rows (path "").
  static LoadUse *useOf(const ValueRef &V);
  /// Every use record \p V holds, containers (tuples, dicts) included.
  static void usesOf(const ValueRef &V, llvm::SmallVectorImpl<LoadUse *> &Out);
  /// \p V (the value of \p E) is used in a way the interpreter understands.
  void consume(const Expr *E, const ValueRef &V);
  /// \p V goes where the interpreter cannot follow: anything may read its rows.
  static void lose(const ValueRef &V);
  /// Every tracked value of a template scope is lost (a tag or template we cannot walk).
  static void loseScope(const llvm::StringMap<ValueRef> &Vars);
  /// True when a lambda or nested def seen by this interpreter mentions \p Name.
  bool closuresMention(llvm::StringRef Name) const;
  /// Ranges of the lambdas and nested defs/classes met (they run out of our sight).
  std::vector<Range> Closures;
  /// The querysets created here while TrackLoads is set.
  std::vector<std::shared_ptr<Origin>> TrackedOrigins;

  /// Replays what model method \p Def (of \p Owner) reads on `self` for the row \p Obj,
  /// as accesses at \p NameWhere / \p ExprWhere (`order.label()`, `{{ order }}`).
  /// \p Call: the call expression, whose arguments decide which guarded branches of the
  /// method can run (null: called without arguments, as a property or by a template).
  void replayMethod(const ValueRef &Obj, const Stmt *Def, const index::ClassRef &Owner,
                    Range NameWhere, Range ExprWhere, const Expr *Call = nullptr);
  /// What method \p Def reads on `self` for the call shape \p ShapeKey, summarized once by
  /// \p Sub with `self` a row of a loop of its own; null while it is being summarized.
  const std::vector<Event> *methodReads(const ValueRef &Obj, const Stmt *Def, Interp &Sub,
                                        const std::pair<const Stmt *, std::string> &ShapeKey);
  /// A query the replayed method runs, reported at the call on \p Row.
  void replayQueryInLoop(const Event &Read, const RowInfo &Row, const Stmt *Def,
                         const index::ClassRef &Owner, Range NameWhere, Range ExprWhere);
  /// Binds what a call of \p Def with \p Call's arguments (null: none) says about its
  /// parameters: a parameter the call leaves at a None/False default is falsy, and so is a
  /// `kwargs.pop('k', None)` / `kwargs.get('k')` of a keyword it does not pass (unless it
  /// passes `*args`/`**kwargs`). Returns the summary key of that call shape.
  std::string bindCallShape(const Stmt *Def, const Expr *Call);
  /// Local names known to be falsy here (true: they are None), from bindCallShape.
  llvm::StringMap<bool> Falsy;
  /// The `**kwargs` parameter of the replayed method and the keywords the call passes to
  /// it; KwargsOpen when the call's keywords are not all known.
  std::string KwargsName;
  std::vector<std::string> PassedKeywords;
  bool KwargsOpen = true;
  /// 1 when \p E is known falsy here (a Falsy name, a `kwargs.get/pop` of a keyword the
  /// call does not pass, `'k' in kwargs`), 2 when known None, 0 otherwise.
  int falsyExpr(const Expr *E) const;
  /// Django templates, DRF sources and admin columns call a method without arguments:
  /// `{{ order.label }}` runs `Order.label()`.
  ValueRef attributeOrCall(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                           Range ExprWhere);
  /// The code writes to the database inside the active loops (and so inside the caller's
  /// loops, when summarizing a method).
  void markWrites(bool EveryPassHere = true);
  // ---- loop shapes beyond loads (LoopShapes.cpp) -----------------------------
  /// NP201: \p Call, a save()/delete()/update() on \p Recv, writes once per row of an
  /// active loop (a loop row's save()/delete(), `Model.objects.filter(pk=row.pk).update()`).
  void writePerRow(const ValueRef &Recv, const Expr *Call);
  /// The loop whose row a queryset write \p Call on \p Recv is narrowed to
  /// (`Model.objects.filter(pk=row.pk).update(...)`), or null.
  std::shared_ptr<const LoopInfo> loopOfFilteredRow(const ValueRef &Recv, const Expr *Call) const;
  /// True when write \p Call runs on every pass of \p Loop: not under an `if`, in no
  /// `except` branch, not followed by an exit, not a paced or row-copying loop.
  bool writesEveryPass(const LoopInfo &Loop, const Expr *Call, llvm::StringRef Name);
  /// NP202: sets E.Invariant and E.Loops for a QueryInLoop event of queryset \p Q when the
  /// query is one expression that reads no name the enclosing loops bind or change.
  void classifyInvariant(Event &E, const ValueRef &Q) const;
  /// The statement or comprehension of this function that is the loop \p L, or nulls.
  void findLoop(const LoopInfo &L, const Stmt *&For, const Expr *&Comp) const;
  /// Fills E.Hook for a write \p Write of a row of \p Mo: an override, a receiver, or a
  /// third-party base that may run code per row.
  void writeHook(Event &E, const Model *Mo, llvm::StringRef Write);
  /// Reads, once per module, the pre_save/post_save receivers \p Mod registers into
  /// S.SaveReceivers.
  void readSaveReceivers(const index::ModuleInfo *Mod);

  // ---- Django 6.1 fetch modes (FetchModes.cpp) --------------------------------
  /// The mode a `fetch_mode(...)` call \p Call sets.
  static Loaded::FetchMode fetchModeOf(const Expr *Call);
  /// True when an event of kind \p K on \p Row raises FieldFetchBlocked (mode RAISE)
  /// instead of running its query.
  static bool raisesOnRead(EventKind K, const RowInfo &Row);
  /// Kinds a fetch mode applies to: single-valued relations and deferred fields.
  static bool singleValued(EventKind K);

  // ---- parameters (Parameters.cpp) --------------------------------------------
  /// Binds the parameters of \p Def (analyzed on its own, no caller in sight) that hold
  /// one model object: annotated with a model (`user: User`).
  void bindParameters(const Stmt *Def);
  /// Binds what the class \p C around method \p Def says of its parameters: `cls` of a
  /// model's classmethod is the model (`cls.objects.filter(...)` is a queryset of it).
  void bindMethodParameters(const index::ClassRef &C, const Stmt *Def);
  /// The model an annotation names (`User`, `models.User`, `"User"`,
  /// `Optional[User]`), or null.
  const Model *annotatedModel(const Expr *A);

  /// `str(obj)`, f-strings, `{{ obj }}`: the model's __str__ read on a row.
  void strOf(const ValueRef &Obj, Range Where);
  /// A project-defined method of \p Mo's class (not Django's own), or null.
  const Stmt *modelMethod(const Model *Mo, llvm::StringRef Name, index::ClassRef &Owner);

private:
  // ---- helpers -------------------------------------------------------------
  static std::shared_ptr<Value> copy(const ValueRef &V) { return std::make_shared<Value>(*V); }
  static std::shared_ptr<Value> make(ValueKind K, const Model *Mo = nullptr);
  std::string text(Range R) const { return File->slice(R).str(); }

  /// The quote character the file uses most for string arguments (fixes follow it).
  char quote();

  void escape(const ValueRef &V);

  void emit(EventKind K, const RowInfo &Row, const std::string &Path, bool ThroughMany,
            const Relation *Rel, Range Access, Range AccessExpr);

  /// NP106: a queryset created inside a queryset loop is read there: one query per row.
  void queryInLoop(const ValueRef &Q, Range Access, Range AccessExpr);

  unsigned innermostLoop() const;
  /// \p L, or when L runs over one row (SingleObject), the innermost active loop over many
  /// rows around it; null when none repeats the body.
  std::shared_ptr<const LoopInfo> repeatingLoop(const std::shared_ptr<const LoopInfo> &L) const;

  const Model *modelForName(llvm::StringRef Name);

  /// The model a module-qualified name denotes (`models.Order`, `m.Order`), when its root
  /// is a module-level name rather than a local.
  const Model *modelForDotted(const Expr *E);
  /// Runs the project function \p FR with the call's rows and querysets bound to its
  /// parameters (reporting what it reads per row, against our querysets); null when no
  /// argument carries rows or the function is already running.
  ValueRef callBound(const index::FunctionRef &FR, const Expr *Call, llvm::ArrayRef<ValueRef> Args,
                     llvm::ArrayRef<ValueRef> KwArgs, ValueRef Self = nullptr);
  /// A template hands \p Args to the project function \p C (a filter, tag or Jinja2
  /// global named \p Name, called at \p Where): run as callBound does; null when it ran not.
  ValueRef callFromTemplate(const TemplateCallable &C, llvm::ArrayRef<ValueRef> Args, Range Where,
                            llvm::StringRef Name);
  /// The qualified name of a dotted callee rooted at a module-level name (`helpers.fn`,
  /// `apps.get_model`), when it denotes a project function or class, a model or a loader.
  std::string moduleQualified(const Expr *F);
  /// A call of the qualified name \p Q (a project function, a model class, a loader,
  /// a Django shortcut, a serializer); \p Args and \p KwArgs are already evaluated.
  ValueRef callNamed(const Expr *E, const std::string &Q, llvm::ArrayRef<ValueRef> Args,
                     llvm::ArrayRef<ValueRef> KwArgs);
  /// `prefetch_related_objects(objs, *lookups)`: the names holding those objects (or rows)
  /// are rebound with the lookups loaded.
  void prefetchObjects(const Expr *E);

  // ---- summaries -----------------------------------------------------------
  /// Evaluates a function/method of the project with \p Self bound to its first parameter
  /// and everything else unknown; caches the returned value.
  ValueRef summarize(const Stmt *Def, const index::ModuleInfo &Owner, ValueRef Self);

  /// What a manager's get_queryset() already loads.
  Loaded managerLoad(const index::ManagerInfo *MI, const Model *Mo);

  /// The default manager's loads of \p Mo (what a related manager's querysets start with).
  Loaded defaultLoad(const Model *Mo);

  /// The QuerySet class whose methods manager \p MI of \p Mo offers: the one as_manager()
  /// or from_queryset() names, else the class the manager's get_queryset() instantiates
  /// (`return OrderQuerySet(self.model)`, `return self.model.QuerySet(self.model).filter()`,
  /// a class nested in the model). \p OnManager: the method is called on the manager itself,
  /// which offers the queryset's methods only when its __getattr__ delegates to
  /// get_queryset() (the "QuerySetManager" recipe). Empty when there is none.
  index::ClassRef querySetClassOf(const index::ManagerInfo &MI, const Model *Mo, bool OnManager);

  ValueRef newOrigin(const Expr *ManagerExpr, const Model *Mo, const index::ManagerInfo *MI);

  /// The queryset a manager value stands for (`Order.objects` used as `.all()`).
  ValueRef managerQuerySet(const ValueRef &Mgr);

  // ---- evaluation ----------------------------------------------------------
  ValueRef evalAll(llvm::ArrayRef<Expr *> Es);

  ValueRef eval(const Expr *E);
  ValueRef evalRaw(const Expr *E);

  /// A dict literal with string keys (and `**dict` splats) as a Dict value; null when a
  /// key is not a string.
  ValueRef evalDictLiteral(const Expr *E);
  /// `a if c else b`: the branch we can follow (the first when both are known).
  ValueRef evalConditional(const Expr *E);
  /// `qs1 | qs2`, `qs1 & qs2` (QuerySet.__or__/__and__): the left queryset combined with
  /// the right one; unknown unless the left operand is a queryset of model rows.
  ValueRef evalCombined(const Expr *E, const index::QueryMethod &M);

  ValueRef evalName(const Expr *E);

  ValueRef evalAttribute(const Expr *E);

  /// A property of one object (not a loop row): the queryset or object it builds from
  /// `self` (`event.current_schedule`, a `.first()` of a related set) is ours to follow,
  /// as a method's result is; null when \p Attr is no such property.
  ValueRef objectProperty(const ValueRef &Obj, const Model *Mo, llvm::StringRef Attr);
  ValueRef instanceAttribute(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere,
                             Range ExprWhere);
  /// Replays the model property \p Attr of row \p Obj (`@property`, or
  /// `name = property(getter)`); false when \p Attr is none.
  bool replayProperty(const ValueRef &Obj, llvm::StringRef Attr, Range NameWhere, Range ExprWhere);
  /// The rows a `Prefetch(..., to_attr=...)` left at \p Path below \p Row, or unknown.
  ValueRef toAttrRows(const RowInfo &Row, const std::string &Path);

  static bool nullableOnPath(const ValueRef &Obj, const Relation *Rel);

  /// Evaluating a related manager's queryset for each row: the NP102 event (NP103 for
  /// `.count()` / `.exists()`).
  void evaluateRelated(const ValueRef &QS, EventKind K = EventKind::ManagerPerRow);

  /// The rows of iterating \p V, or null when V is not a model queryset.
  ValueRef iterate(const ValueRef &V, Range Header, llvm::StringRef IterText,
                   std::optional<unsigned> &NewLoop);

  void bindTarget(const Expr *T, const ValueRef &V);

  ValueRef evalComprehension(const Expr *E);

  ValueRef evalSubscript(const Expr *E);

  ValueRef evalCall(const Expr *E);
  /// evalCall()'s parts: `super().method(...)`, and `obj.method(...)` / `module.f(...)`.
  ValueRef superCall(const Expr *E);
  /// `super().<Name>(Args)` in a class-based view: the next project method \p Name of the
  /// view's MRO (Project::mro) after the running method's class, run with the same class
  /// queryset. Null when there is none, it is the framework's, or it returns what we
  /// cannot follow (unknown instead in a StrictSuper template view).
  ValueRef parentMethodCall(llvm::StringRef Name, const ValueRef &Self,
                            llvm::ArrayRef<ValueRef> Args);
  ValueRef attributeCall(const Expr *E);

  /// The qualified name of a called function written as a name or a dotted name of a
  /// module-level symbol (`render`, `loader.render_to_string`); "" otherwise.
  std::string calleeName(const Expr *F);

  /// `render(request, "x.html", ctx)`, `TemplateResponse(...)`, `render_to_string(...)`,
  /// `get_template(...)`: walks the template with the context. Null when \p E is none of
  /// these.
  ValueRef renderCall(const Expr *E);

  /// A template name: a string, or the first of a list/tuple of strings that exists.
  std::string templateName(const Expr *E);

public:
  // ---- DRF serializers -----------------------------------------------------
  /// True when \p C is a DRF serializer class of the project.
  bool isSerializer(const index::ClassRef &C) const;

  /// Serializes \p Row (one row of a loop) with \p Ser: every field's source path is read
  /// on the row, nested serializers recurse, SerializerMethodFields run with the row.
  void walkSerializer(const index::ClassRef &Ser, const ValueRef &Row, unsigned Depth);

  /// The text range inside a string literal's quotes.
  Range stringContent(const Expr *Str) const;

  void serializeDeclared(const index::ClassRef &Owner, llvm::StringRef Name, const Expr *Call,
                         const ValueRef &Row, unsigned Depth);

  /// Serializes every row of \p QS with \p Ser (a list response, `many=True`).
  /// \p Header lies in \p HeaderFile when that is given (a view whose get_queryset() is
  /// inherited from another module), else in the current file.
  void serializeRows(const index::ClassRef &Ser, const ValueRef &QS, Range Header,
                     llvm::StringRef IterText, const std::string &Note, bool SingleObject = false,
                     const SourceFile *HeaderFile = nullptr);

  // ---- django-tables2 (Tables.cpp) -------------------------------------------
  /// True when \p C is a django-tables2 Table class of the project.
  bool isTable(const index::ClassRef &C) const;
  /// Renders every row of \p QS in \p Table: each visible column's accessor is read on the
  /// row and rendered (str(), a TemplateColumn's template, render_<column>()).
  void renderTableRows(const index::ClassRef &Table, const ValueRef &QS, Range Header,
                       llvm::StringRef IterText, const std::string &Note);
  /// The cells of one row \p Row of \p Table.
  void walkTableRow(const index::ClassRef &Table, const ValueRef &Row);
  /// Runs a table's render_<column>() (or a column's render()) with the arguments
  /// django-tables2 passes by name: `record` (\p Row) and `value` (\p Val).
  void runTableMethod(const Stmt *Def, const index::ModuleInfo &Owner, const ValueRef &Row,
                      const ValueRef &Val);
  /// Walks the template written in the string literal \p Code of \p Owner (a
  /// TemplateColumn's template_code) with \p Ctx; findings point into the Python file.
  void renderInlineTemplate(const index::ModuleInfo &Owner, const Expr *Code, const ValueRef &Ctx);

  // ---- graphene (Graphene.cpp) ----------------------------------------------
  /// Resolves row \p Row of a GraphQL list with object type \p Type: each of its
  /// resolve_<field>() runs with the row as root; a nested list field's rows in turn.
  void resolveGraphQLRow(const index::ClassRef &Type, const ValueRef &Row, unsigned Depth);

  // ---- forms (Forms.cpp) ----------------------------------------------------
  /// A model choice field \p FieldName (of project class \p FieldClass, when it is one)
  /// renders one option per row of \p QS, labelled by label_from_instance() or str().
  void renderChoices(const ValueRef &QS, const index::ClassRef &FieldClass,
                     llvm::StringRef FieldName, Range Header, llvm::StringRef IterText);

  // ---- admin changelists ---------------------------------------------------
  /// Starts a loop over the rows of \p QS (a changelist page); returns the row, or null.
  ValueRef openLoop(const ValueRef &QS, Range Header, llvm::StringRef IterText,
                    const std::string &Note, unsigned &Id);

  /// Runs a function or method with \p Row bound to its parameter \p RowParam, inside the
  /// loops active here (admin `list_display` callables, SerializerMethodFields).
  /// Returns what the function returns.
  ValueRef runWithRow(const Stmt *Def, const index::ModuleInfo &Owner, const ValueRef &Row,
                      size_t RowParam);

  /// Reads the lookup path `a__b` (or `a.b`) on \p Row, pointing every access at \p At.
  void readPath(const ValueRef &Row, llvm::StringRef Path, Range At);

  /// Evaluates a class-level expression (`queryset = Order.objects.all()`).
  ValueRef evalExpr(const Expr *E) { return eval(E); }
  /// Returns the queryset that \p Def (a view's get_queryset) returns.
  ValueRef runMethod(const Stmt *Def, ValueRef Self);

  /// Walks template \p Name with \p Ctx; false when it could not (unknown template).
  bool renderTemplate(llvm::StringRef Name, const ValueRef &Ctx);

private:
  // ---- templates -----------------------------------------------------------
  using Scope = llvm::StringMap<ValueRef>;
  /// Blocks a child template overrides: name -> (its template, its node).
  using Overrides =
      std::map<std::string, std::pair<const index::TemplateFile *, const parse::tpl::Node *>>;

  static Range range(parse::tpl::Range R) { return {R.Begin, R.End}; }

  void collectBlocks(const index::TemplateFile &T, const std::vector<parse::tpl::Node> &Nodes,
                     Overrides &Out);

  void walkTemplate(const index::TemplateFile &T, const Scope &Vars, const Overrides *Child,
                    unsigned Depth);

  /// Walks the blocks of \p Blocks that \p Placed does not hold: a chain whose top
  /// template we do not see still renders them.
  void walkUnplacedBlocks(const Overrides &Blocks, const Overrides &Placed, const Scope &Vars,
                          unsigned Depth);

  static std::string unquote(llvm::StringRef S);

  void walkNodes(const std::vector<parse::tpl::Node> &Nodes, Scope &Vars, const Overrides *Child,
                 unsigned Depth);

  void walkNode(const parse::tpl::Node &N, Scope &Vars, const Overrides *Child, unsigned Depth);

  /// Resolves a template variable the way Django does (dict key, attribute, index; a
  /// callable without arguments is called), then its filters. \p Evaluates: the result is
  /// truth-tested (`{% if %}`), which runs a queryset.
  ValueRef resolveTpl(const parse::tpl::Expr &X, const Scope &Vars, bool Evaluates);
  /// \p N calls a tag or Jinja2 global of the project's by name: runs it on the values
  /// given (callFromTemplate).
  void callTemplateFunction(const parse::tpl::Node &N, const Scope &Vars);

  static bool evaluatingFilter(llvm::StringRef F);
  /// Built-in tags that read only the arguments they are given.
  static bool isPlainTag(llvm::StringRef Tag);
  /// Jinja2 statements (and the front end's "call" nodes) that read only their arguments.
  static bool isJinjaStatement(llvm::StringRef Tag);

  ValueRef resolvePath(llvm::StringRef Var, Range Where, const Scope &Vars);

  ValueRef templateLookup(const ValueRef &Cur, llvm::StringRef Part, Range NameWhere,
                          Range ExprWhere);

  ValueRef callMethod(const ValueRef &Recv, const Expr *E);

  static bool isLoadMethod(llvm::StringRef N);
  /// Django Model methods that read no relation of the row.
  static bool isHarmlessRowMethod(llvm::StringRef N);

  ValueRef relatedMethod(const ValueRef &RM, const Expr *E, llvm::ArrayRef<ValueRef> Args);
  /// get_or_create()/update_or_create() on queryset \p Q: the (object, created) tuple.
  ValueRef objectPair(const ValueRef &Q) const;

  /// `.get()`, `.first()`, ... on a related set of a row. Django 3.2+: first() is served
  /// from a prefetch cache only when that queryset is ordered (Meta.ordering), last()
  /// never is (it reverses or orders, a new query); get/latest/earliest always query.
  void singleOnRelated(const ValueRef &Q, llvm::StringRef Name);

  /// A related set narrowed by filter()/order_by()/...: Django runs a new query for it.
  ValueRef bypassed(const ValueRef &Q, bool Values) const;

  /// `obj.related.all()`: rows of a loop's row stay rows of that loop; a single object's
  /// related set is a queryset of its own, created at \p Chain.
  ValueRef relatedAll(const ValueRef &RM, Range Chain);

  ValueRef customMethod(const ValueRef &Recv, const ValueRef &Base, const Expr *E);

  /// Records that \p Call continues the chain its queryset was created in.
  static void extendChain(const std::shared_ptr<Value> &Q, const Expr *Call);

  ValueRef queryMethod(const ValueRef &Recv, const Expr *E, llvm::ArrayRef<ValueRef> Args,
                       bool OnManager = false);
  /// queryMethod()'s parts, by the method's kind in the catalog: a chain method (filter(),
  /// exclude(), ...), select_related/prefetch_related, only/defer, iterator().
  ValueRef chainMethod(const ValueRef &Recv, const Expr *E, const index::QueryMethod &M);
  ValueRef loadRelated(const ValueRef &Recv, const Expr *E, llvm::ArrayRef<ValueRef> Args,
                       bool OnManager, bool SameChain);
  ValueRef loadFields(const ValueRef &Recv, const Expr *E, bool SameChain);
  ValueRef iteratorMethod(const ValueRef &Recv, const Expr *E);
  /// Records the string lookups of a select_related/prefetch_related call \p E on a
  /// tracked queryset.
  void recordLoads(const ValueRef &Recv, const Expr *E, bool Select, bool OnManager);

  // ---- statements ----------------------------------------------------------
  /// What a condition says about rows loaded from the database, which have a primary key
  /// and `_state.adding == False`: Unsaved when it is false for every such row
  /// (`not self.pk`, `self.pk is None`, `self._state.adding`, a local flag set from one),
  /// Saved when it is true for every such row, Unknown otherwise.
  enum class RowTest { Unknown, Unsaved, Saved };
  RowTest rowTest(const Expr *Cond) const;
  /// True when attribute \p Name is missing on a row of \p Mo fresh from the database: a
  /// private name (`_pending_cluster`) that is no field, no class attribute or method of the
  /// model's classes, and that neither __init__, from_db nor refresh_from_db sets.
  bool missingOnLoadedRow(const Model *Mo, llvm::StringRef Name) const;
  /// Local names bound to a RowTest of a row (`is_new = self.pk is None`).
  llvm::StringMap<RowTest> RowFlags;
  /// Local names last assigned a string literal (null: last assigned something else).
  llvm::StringMap<const Expr *> StringNames;

  /// Local names bound from a cache lookup (`x = cache.get(key)`, `key, val =
  /// context_cache.get_cached_value(...)`): a test of one decides whether the code after it
  /// computes the value or a cached one is used.
  llvm::StringSet<> CacheNames;
  /// Hit when \p Cond is true on a cache hit (`x`, `x is not None`), Miss when true on a
  /// miss (`not x`, `x is None`), None otherwise.
  enum class CacheTest { None, Hit, Miss };
  CacheTest cacheTest(const Expr *Cond) const;
  /// Runs \p Body as code that runs on a cache miss only: it computes what later rows read
  /// from the cache, so its queries are not per row of the loops already running.
  void visitColdOnly(llvm::ArrayRef<Stmt *> Body);
  /// The loops active where code that runs on a cache miss only began: reads in that code
  /// are not per row of them (loops the code opens itself still count).
  llvm::DenseSet<unsigned> ColdLoops;

  void visitBody(llvm::ArrayRef<Stmt *> Body);

  /// Related-set names whose queries run here only for rows that did not prefetch them
  /// (the fallback of code that checks `_prefetched_objects_cache`; PrefetchGuards.cpp).
  llvm::StringSet<> PrefetchFallback;
  /// Runs \p Body as the fallback for rows that did not prefetch \p Key.
  void visitPrefetchFallback(llvm::ArrayRef<Stmt *> Body, llvm::StringRef Key);
  /// A `try` whose body reads the prefetch cache: its handlers are the fallback. False
  /// (nothing visited) for any other `try`.
  bool visitPrefetchTry(const Stmt *Try);
  /// An `if` that tests the prefetch cache: visits it with its fallback branch, and
  /// \p Rest (the statements after it, \p RestVisited set) as the fallback of an `if` that
  /// returns. False and nothing visited when the test is not about the prefetch cache.
  bool visitPrefetchBranch(const Stmt *If, llvm::ArrayRef<Stmt *> Rest, bool &RestVisited);

  void visit(const Stmt *St);
  /// visit()'s parts: an assignment (bindings, row flags, cache lookups), a for loop (which
  /// may open a LoopInfo), an if/while (branches a saved row or a cache hit never takes).
  void visitAssign(const Stmt *St);
  void visitFor(const Stmt *St);
  /// True when the body of loop \p For sleeps (directly or in a function of this module
  /// it calls): it runs at the pace it chose, so a query per row is not what slows it.
  bool pacedLoop(const Stmt *For) const;
  void visitBranch(const Stmt *St);
};

/// Where a class-based view takes its rows: `queryset`, `model` or get_queryset(), with the
/// interpreter that evaluated them (fixes go where the queryset is written).
struct ViewRows {
  std::unique_ptr<Interp> W;
  ValueRef QS; ///< the queryset, or Unknown
  const index::Model *Model = nullptr;
  std::shared_ptr<Value> Self; ///< the view's `self` (model, queryset)
};
/// The rows of class-based view \p C (Views.cpp); \p StrictSuper as Interp::StrictSuper.
ViewRows viewRows(ModuleState &S, const index::ClassRef &C, bool StrictSuper = false);

/// Class-based views and DRF list views of a module: their querysets into templates and
/// serializers.
void analyzeView(ModuleState &S, const index::ClassRef &C);
/// A django-tables2 view (SingleTableMixin, SingleTableView): its table renders every row
/// of the view's queryset (Tables.cpp).
void analyzeTableView(ModuleState &S, const index::ClassRef &C);
/// A Django form: every ModelChoiceField / ModelMultipleChoiceField renders one label per
/// row of its queryset (Forms.cpp).
void analyzeForm(ModuleState &S, const index::ClassRef &C);
/// A graphene root object type: each list field's resolver returns rows that its object
/// type resolves one by one (Graphene.cpp).
void analyzeGraphQL(ModuleState &S, const index::ClassRef &C);
/// A django.contrib.syndication Feed: its item_* methods run for every item of items().
void analyzeFeed(ModuleState &S, const index::ClassRef &C);
/// Admin changelists registered in \p M.
void analyzeAdmins(ModuleState &S, const index::ModuleInfo &M);
/// The classes of a module (top level).
void collectClasses(const index::ModuleInfo &M, std::vector<index::ClassRef> &Out);

} // namespace nplus1::flow::detail

#endif
