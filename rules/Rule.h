#ifndef NPLUS1_RULES_RULE_H
#define NPLUS1_RULES_RULE_H

#include "flow/Interpreter.h"

#include <optional>
#include <string>
#include <vector>

namespace nplus1::rules {

using parse::Range;
using parse::SourceFile;

/// How sure we are that applying a fix cannot change results.
enum class Applicability { Safe, Unsafe, DisplayOnly };

/// What a rule offers to fix.
enum class FixAvailability { Always, Sometimes, Never };

/// A fix as a rule decides it: load \p Path on the queryset created at \p Where.
struct FixIntent {
  std::shared_ptr<flow::Origin> Where;
  enum MethodKind { SelectRelated, PrefetchRelated, OnlyField, RemoveLoad } Method = SelectRelated;
  std::string Path;
  Applicability Applies = Applicability::Safe;
  std::string UnsafeWhy; ///< why the fix needs --unsafe-fixes
  /// RemoveLoad: the lookup to take out of its select_related/prefetch_related call.
  std::shared_ptr<const flow::EagerLoad> Remove;
  /// The model of the queryset's rows: where Path starts in the model graph.
  const index::Model *From = nullptr;
};

/// A secondary location shown under a diagnostic.
struct Note {
  const SourceFile *File = nullptr;
  Range Where;
  std::string Message;
};

/// An edit of a finding's fix, computed before the finding was cached (a finding read
/// back from the incremental cache has no syntax tree to plan from).
struct FrozenEdit {
  const SourceFile *File = nullptr;
  Range Where;
  std::string Text;
};

/// Another way to fix a finding, offered beside its fix and never applied by `--fix`
/// (Django 6.1's `fetch_mode(models.FETCH_PEERS)`): its edits are computed when the finding
/// is settled, so they read back from the cache like FrozenEdits.
struct Alternative {
  std::string Title;
  Applicability Applies = Applicability::Unsafe;
  std::string Why; ///< what makes it unsafe
  std::vector<FrozenEdit> Edits;
};

/// One finding.
struct Diagnostic {
  std::string Code;
  std::string Name;
  const SourceFile *File = nullptr;
  std::string Path; ///< for files that could not be read or parsed at all
  Range Where;
  std::string Message;
  /// The finding in a few words for the first line of the text report ("order.customer:
  /// one query per Order row; add select_related('customer')"); empty: Message is short.
  std::string Headline;
  std::vector<Note> Notes;
  std::optional<FixIntent> Fix;
  std::string FixTitle;
  /// Why no fix is offered, in one short clause (when Fix is empty).
  std::string NoFix;
  std::string Model, Relation; ///< for machine-readable output
  /// Where the queryset was created (a `# noqa` there also silences the finding).
  const SourceFile *QuerysetFile = nullptr;
  Range QuerysetWhere;
  /// Set on findings read from the cache: the edits of Fix (Fix->Where is then null).
  std::optional<std::vector<FrozenEdit>> FrozenEdits;
  /// Set by a rule when `fetch_mode(models.FETCH_PEERS)` on this queryset would remove the
  /// N+1 (a single-valued relation or a deferred field of the loop's own rows, whose reads
  /// do not raise): settleFixes turns it into an Alternative on Django 6.1 or later.
  std::shared_ptr<flow::Origin> PeersOn;
  std::vector<Alternative> Alternatives;
  /// For a read whose repeats on the same rows are the same N+1 (a relation, a related set,
  /// a deferred field): the loop's header and the lookup path from its rows. With Code and
  /// the queryset they are the key groupRepeatedReads() merges findings by.
  const SourceFile *LoopFile = nullptr;
  Range LoopWhere;
  std::string Lookup;
};

/// The static description of a rule; `nplus1 rule CODE` prints Doc.
struct RuleInfo {
  const char *Code;
  const char *Name;
  const char *Summary;
  FixAvailability Fixes;
  const char *Doc;
  /// Off unless a `select`/`extend-select` prefix names it (`extend-select = ["NP106"]`):
  /// on real projects most of its findings were loops a maintainer keeps on purpose.
  bool OptIn = false;
  /// The code of a rule whose finding on the same read (same loop, queryset and lookup)
  /// this rule's finding merges into, because one fix removes both: `user.memberships`
  /// fetched and tested with `.exists()` is one N+1 (NP103 into NP102).
  const char *SameFixAs = nullptr;
};

/// One rule: turns flow events into diagnostics. Rules decide policy only; they touch
/// neither files, threads nor output.
class Rule {
public:
  virtual ~Rule() = default;
  virtual const RuleInfo &info() const = 0;
  /// Appends a diagnostic for \p E when the event is this rule's.
  virtual void check(const flow::Event &E, std::vector<Diagnostic> &Out) const = 0;
};

/// Every rule, in code order (from Rules.def).
llvm::ArrayRef<const Rule *> allRules();
const Rule *findRule(llvm::StringRef Code);

/// Runs every rule over \p Events, after dropping an event whose lookup path is not a path
/// of \p G from its loop's model (validEventPath) and a relation event that a longer chain
/// on the same expression already reports (`order.customer.address` covers
/// `order.customer`).
std::vector<Diagnostic> runRules(llvm::ArrayRef<flow::Event> Events, const index::ModelGraph &G);

/// Merges the findings that report the same relation read again on the same rows: the
/// same Code (with \p AcrossCodes, the same after RuleInfo::SameFixAs), loop (LoopFile/LoopWhere),
/// queryset (QuerysetFile/QuerysetWhere) and Lookup. The first read in source order (path, offset)
/// stays, and every other read becomes an "also read here" note on it (sorted, no location twice).
/// Findings without a Lookup are left alone; the order of the rest is kept. runRules() applies it
/// to one module's findings, and the driver again to the whole run's (a loop's reads may come from
/// several modules' analyses), and once more AcrossCodes after select/ignore and
/// suppressions (a rule turned off or a `noqa` keeps the other code's finding).
void groupRepeatedReads(std::vector<Diagnostic> &Diags, bool AcrossCodes = false);

/// The message of the notes groupRepeatedReads() adds.
inline constexpr const char *AlsoReadHere = "also read here";

/// True when \p E's lookup path walks from the model of its loop's rows through relations
/// of \p G hop by hop and ends at the relation (or deferred column) the event is about.
/// An event that fails this blames a queryset for a relation its rows do not have (a read
/// on the rows of some other queryset): reporting or fixing it would be wrong.
bool validEventPath(const flow::Event &E, const index::ModelGraph &G);

/// True when \p E reads (a relation, a related set, a query) in a loop that also writes to
/// the database on every pass (save(), delete(), create(), update(), a related manager's
/// add()/set()..., not under an `if`, `while` or `except` of the loop), directly or in a
/// function it calls. The loop costs a query per row with or without the read, and judged
/// on real projects such loops were save paths, copies and repairs whose maintainers would
/// not take the report. A write only some rows take leaves the reads reported, except those
/// the write itself makes (reads inside the row's save() or delete() override, Event::InWrite).
bool readInWritingLoop(const flow::Event &E);

/// A diagnostic for a file that does not parse / cannot be read.
Diagnostic syntaxError(const SourceFile &File, Range Where, llvm::StringRef Message);
Diagnostic unreadableFile(llvm::StringRef Path, llvm::StringRef Message);
Diagnostic unusedSuppression(const SourceFile &File, Range Where, llvm::StringRef Codes);

// Shared helpers for the per-row rules.
namespace detail {
/// "customers.Customer"
std::string modelLabel(const index::Model *M);
/// Safe when the queryset is created in the loop's function and used only there.
Applicability fixApplicability(const flow::Event &E);
/// The notes pointing at the loop and at the queryset's origin.
std::vector<Note> loopNotes(const flow::Event &E);
/// "`orders` (Order.objects.filter(...))" for messages.
std::string querysetName(const flow::Event &E);
/// The source text of the access (`order.customer`), or the relation's name when the
/// access is implied by no text of its own (a serializer's `Meta` with every field).
std::string accessText(const flow::Event &E);
/// Builds the FixIntent for \p E, or nullopt when no edit can be placed (and then sets
/// \p Why, if given, to the reason).
std::optional<FixIntent> fixFor(const flow::Event &E, FixIntent::MethodKind Method,
                                std::string *Why = nullptr);
/// What to change, for messages: ".select_related('a') to the queryset", or the admin's
/// list_select_related.
std::string remedy(const flow::Event &E, FixIntent::MethodKind Method);
/// A finding of \p Info at \p Where in \p File with \p Message (file-level problems).
Diagnostic fileDiagnostic(const RuleInfo &Info, const SourceFile *File, Range Where,
                          std::string Message);
/// A finding of \p Info at \p E's access, with the loop and queryset notes.
Diagnostic accessDiagnostic(const RuleInfo &Info, const flow::Event &E);
/// The parts every per-row finding shares: location, notes, model, relation, and the fix
/// that loads `E.Path` with \p Method. The rule adds its message.
Diagnostic perRowDiagnostic(const RuleInfo &Info, const flow::Event &E,
                            FixIntent::MethodKind Method);
std::string describe(index::RelationKind K);
/// Marks \p D for the `fetch_mode(models.FETCH_PEERS)` alternative when that mode removes
/// \p E's N+1: the read is on the loop's rows or objects fetched from them (not below a
/// related manager, whose queries no mode changes) and does not raise.
void offerFetchPeers(Diagnostic &D, const flow::Event &E);
/// The message every per-row finding shares: "`order.customer` runs one query per
/// orders.Order row: ForeignKey `Order.customer` (to customers.Customer) is not loaded by
/// `orders`; add .select_related('customer') to the queryset". \p Verb: "runs" / "counts
/// in"; \p Relation: what is not loaded (relationText()); \p Loaded: "loaded" /
/// "prefetched".
std::string perRowMessage(const flow::Event &E, llvm::StringRef Verb, const index::Model *PerRow,
                          llvm::StringRef Relation, llvm::StringRef Loaded,
                          FixIntent::MethodKind Method);
/// The headline of a per-row finding: "order.customer: one query per Order row; add
/// select_related('customer')" (\p What: "one query", "raises FieldFetchBlocked").
std::string perRowHeadline(const flow::Event &E, llvm::StringRef What, const index::Model *PerRow,
                           FixIntent::MethodKind Method);
/// \p Text cut before its first newline and to at most \p Max bytes (never inside a UTF-8
/// sequence), with "..." when anything was cut.
std::string clipText(llvm::StringRef Text, size_t Max);
/// The access for a headline: its text, cut to one line of at most 60 bytes.
std::string shortAccess(const flow::Event &E);
/// "ForeignKey `Order.customer`", with " (to customers.Customer)" when \p WithTarget.
std::string relationText(const index::Relation &R, bool WithTarget);
/// True when \p E (a QueryInLoop event) is the same query in every pass: it reads nothing
/// its loops change, and none of them writes to the database (NP202; NP106 otherwise).
bool loopInvariant(const flow::Event &E);
} // namespace detail

} // namespace nplus1::rules

#endif
