// nplus1: finds N+1 query problems in Django projects and writes the fixes.
#include "driver/Baseline.h"
#include "driver/Models.h"
#include "driver/Pipeline.h"
#include "driver/Server.h"
#include "fix/Apply.h"
#include "parse/Python.h"
#include "report/Formats.h"
#include "report/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/BuryPointer.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

using namespace nplus1;
namespace cl = llvm::cl;

namespace {

cl::SubCommand CheckCmd("check", "Analyze a Django project (default: the current directory)");
cl::SubCommand RuleCmd("rule", "Print a rule's documentation (`nplus1 rule NP101`)");
cl::SubCommand ModelsCmd("models", "Print the models, relations and managers nplus1 understood");
cl::SubCommand ServerCmd("server", "Run as a Language Server Protocol server on stdin/stdout "
                                   "(for editors)");

cl::OptionCategory Cat("nplus1 check options");
cl::list<std::string> Paths(cl::Positional, cl::desc("[PATH...]"), cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> Fix("fix", cl::desc("Apply safe fixes to the files"), cl::sub(CheckCmd),
                  cl::cat(Cat));
cl::opt<bool> Diff("diff", cl::desc("Print fixes as a unified diff; change nothing"),
                   cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> UnsafeFixes("unsafe-fixes", cl::desc("Also apply (or show) unsafe fixes"),
                          cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> Verify("verify", cl::desc("Compare findings with `# expect: NPxxx` comments (tests)"),
                     cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> Format("format",
                            cl::desc("Output format: text (default), json, sarif, github, junit "
                                     "(alias: --output-format)"),
                            cl::init("text"), cl::sub(CheckCmd), cl::cat(Cat));
cl::alias OutputFormat("output-format", cl::desc("Alias for --format"), cl::aliasopt(Format));
cl::list<std::string> Select("select",
                             cl::desc("Rule codes or prefixes to report, comma-separated; "
                                      "the configuration's selection no longer counts"),
                             cl::value_desc("CODES"), cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string>
    ExtendSelect("extend-select",
                 cl::desc("Rule codes or prefixes to report besides the selection"),
                 cl::value_desc("CODES"), cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string> Ignore("ignore",
                             cl::desc("Rule codes or prefixes not to report, comma-separated "
                                      "(over the configuration's selection)"),
                             cl::value_desc("CODES"), cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string> ExtendIgnore("extend-ignore", cl::desc("Same as --ignore"),
                                   cl::value_desc("CODES"), cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string> PerFileIgnores("per-file-ignores",
                                     cl::desc("GLOB:CODES, codes not reported in the files the "
                                              "glob matches (replaces the configuration's)"),
                                     cl::value_desc("GLOB:CODES"), cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> ExitZero("exit-zero", cl::desc("Exit 0 even when there are findings"),
                       cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string>
    ConfigFile("config",
               cl::desc("Read the settings from this pyproject.toml ([tool.nplus1]) "
                        "or nplus1.toml instead of the project root's"),
               cl::value_desc("FILE"), cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> Isolated("isolated", cl::desc("Ignore all configuration files"), cl::sub(CheckCmd),
                       cl::cat(Cat));
cl::opt<std::string> StdinFilename(
    "stdin-filename",
    cl::desc("Read this file's text from stdin (it replaces the file's content on disk for the "
             "run) and report its findings; never writes a file"),
    cl::value_desc("PATH"), cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> ShowFixes("show-fixes",
                        cl::desc("List the fixes applied (with --fix) or available in the summary"),
                        cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> Verbose("verbose", cl::desc("Print progress and timing lines on stderr (alias: -v)"),
                      cl::sub(CheckCmd), cl::cat(Cat));
cl::alias VerboseShort("v", cl::desc("Alias for --verbose"), cl::aliasopt(Verbose));
// How long a run goes before its progress line shows (on a terminal only); tests set 0.
cl::opt<unsigned> ProgressDelay("progress-delay", cl::desc("Milliseconds before the progress line"),
                                cl::init(1000), cl::Hidden, cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> NoColor("no-color", cl::desc("Never color the output"), cl::sub(CheckCmd),
                      cl::cat(Cat));
cl::opt<unsigned> Jobs("j", cl::desc("Threads to use (default: all cores)"), cl::init(0),
                       cl::Prefix, cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string> Exclude("exclude", cl::desc("Glob to exclude (replaces the defaults)"),
                              cl::sub(CheckCmd), cl::cat(Cat));
cl::list<std::string> ExtendExclude("extend-exclude",
                                    cl::desc("Glob to exclude, added to the defaults"),
                                    cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> Baseline("baseline",
                              cl::desc("Report only findings not recorded in this baseline file"),
                              cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> WriteBaseline("write-baseline",
                                   cl::desc("Record today's findings in this file and exit 0"),
                                   cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> OutputFile("output-file", cl::desc("Write the report to this file"),
                                cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> IncludeTests(
    "include-tests",
    cl::desc("Also read and report test code (unread by default: tests/ directories, "
             "test/, testing/, *_tests/, test_*.py, *_tests.py, tests.py, conftest.py)"),
    cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> IncludeCommands(
    "include-commands",
    cl::desc("Also report findings in management commands (<app>/management/commands/)"),
    cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> Quiet("quiet", cl::desc("Print findings only, no summary line (alias: -q)"),
                    cl::sub(CheckCmd), cl::cat(Cat));
cl::alias QuietShort("q", cl::desc("Alias for --quiet"), cl::aliasopt(Quiet));
cl::opt<bool> Statistics("statistics", cl::desc("Print the number of findings per rule"),
                         cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> ChangedSince("changed-since",
                                  cl::desc("Check the files changed since this git revision: "
                                           "their findings and those pointing into them (a "
                                           "view's template findings)"),
                                  cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> ShowSettings("show-settings",
                           cl::desc("Print the resolved settings, with where each value came "
                                    "from, and exit"),
                           cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> ParseOnly("parse-only", cl::desc("Stop after parsing (for benchmarks)"), cl::Hidden,
                        cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> NoCache("no-cache", cl::desc("Neither read nor write the incremental cache"),
                      cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> CacheDir("cache-dir",
                              cl::desc("Where to keep the cache (default: <root>/.nplus1_cache)"),
                              cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<bool> CacheStats("cache-stats",
                         cl::desc("Print what the run parsed, analyzed and reused (stderr)"),
                         cl::Hidden, cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> Shard("shard",
                           cl::desc("Report only shard I of N (`--shard 2/4`): the files are dealt "
                                    "to N shards; the N outputs together are one whole run"),
                           cl::sub(CheckCmd), cl::cat(Cat));
cl::opt<std::string> RuleCode(cl::Positional, cl::desc("CODE"), cl::sub(RuleCmd));
cl::opt<bool> RuleAll("all", cl::desc("List every rule"), cl::sub(RuleCmd));

cl::OptionCategory ModelsCat("nplus1 models options");
cl::opt<std::string> ModelsPath(cl::Positional, cl::desc("[PATH]"), cl::init("."),
                                cl::sub(ModelsCmd), cl::cat(ModelsCat));
cl::opt<std::string> ModelsFormat("format", cl::desc("Output format: text (default) or json"),
                                  cl::init("text"), cl::sub(ModelsCmd), cl::cat(ModelsCat));
cl::list<std::string> ModelsExclude("exclude", cl::desc("Glob to exclude (replaces the defaults)"),
                                    cl::sub(ModelsCmd), cl::cat(ModelsCat));
cl::list<std::string> ModelsExtendExclude("extend-exclude",
                                          cl::desc("Glob to exclude, added to the defaults"),
                                          cl::sub(ModelsCmd), cl::cat(ModelsCat));
cl::opt<unsigned> ModelsJobs("j", cl::desc("Threads to use (default: all cores)"), cl::init(0),
                             cl::Prefix, cl::sub(ModelsCmd), cl::cat(ModelsCat));

cl::OptionCategory ServerCat("nplus1 server options");
cl::opt<unsigned> ServerDebounce("debounce-ms",
                                 cl::desc("Quiet time after an edit before analyzing again "
                                          "(default: 200)"),
                                 cl::init(200), cl::sub(ServerCmd), cl::cat(ServerCat));
cl::opt<unsigned> ServerJobs("j", cl::desc("Threads to use (default: all cores)"), cl::init(0),
                             cl::Prefix, cl::sub(ServerCmd), cl::cat(ServerCat));

int runRule() {
  llvm::raw_ostream &OS = llvm::outs();
  if (RuleAll || RuleCode.empty()) {
    for (const rules::Rule *R : rules::allRules())
      OS << R->info().Code << "  " << R->info().Name << "  " << R->info().Summary
         << (R->info().OptIn ? " (off by default)" : "") << "\n";
    return 0;
  }
  const rules::Rule *R = rules::findRule(RuleCode);
  if (!R) {
    llvm::errs() << "nplus1: unknown rule '" << RuleCode << "' (see `nplus1 rule --all`)\n";
    return 2;
  }
  OS << driver::ruleDocumentation(R->info());
  return 0;
}

/// The files changed since \p Rev (committed, staged or not), as paths from here.
llvm::Expected<std::vector<std::string>> gitChangedFiles(llvm::StringRef Rev) {
  llvm::ErrorOr<std::string> Git = llvm::sys::findProgramByName("git");
  if (!Git)
    return llvm::createStringError(Git.getError(), "--changed-since needs git on PATH");
  llvm::SmallString<128> Out;
  if (std::error_code EC = llvm::sys::fs::createTemporaryFile("nplus1-git", "txt", Out))
    return llvm::createStringError(EC, "cannot create a temporary file");
  std::optional<llvm::StringRef> Redirects[] = {std::nullopt, llvm::StringRef(Out), std::nullopt};
  std::string RevStr = Rev.str();
  llvm::StringRef Args[] = {"git",        "diff", "--name-only", "--diff-filter=ACMR",
                            "--relative", RevStr};
  std::string Err;
  int Status = llvm::sys::ExecuteAndWait(*Git, Args, std::nullopt, Redirects, 0, 0, &Err);
  auto Buf = llvm::MemoryBuffer::getFile(Out);
  llvm::sys::fs::remove(Out);
  if (Status != 0 || !Buf)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "git diff %s failed (is this a git checkout, and the "
                                   "revision known?)",
                                   RevStr.c_str());
  std::vector<std::string> Files;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  (*Buf)->getBuffer().split(Lines, '\n', -1, false);
  for (llvm::StringRef L : Lines) {
    L = L.trim();
    llvm::StringRef Ext = llvm::sys::path::extension(L);
    if ((Ext == ".py" || Ext == ".html" || Ext == ".htm" || Ext == ".txt") &&
        llvm::sys::fs::exists(L))
      Files.push_back(L.str());
  }
  return Files;
}

/// The check options that are settings (ruff's names), as typed.
driver::CommandLine commandLineSettings() {
  driver::CommandLine CL;
  if (Select.getNumOccurrences())
    CL.Select = std::vector<std::string>(Select.begin(), Select.end());
  CL.Ignore.assign(Ignore.begin(), Ignore.end());
  CL.ExtendSelect.assign(ExtendSelect.begin(), ExtendSelect.end());
  CL.ExtendIgnore.assign(ExtendIgnore.begin(), ExtendIgnore.end());
  if (PerFileIgnores.getNumOccurrences())
    CL.PerFileIgnores = std::vector<std::string>(PerFileIgnores.begin(), PerFileIgnores.end());
  if (UnsafeFixes.getNumOccurrences())
    CL.UnsafeFixes = bool(UnsafeFixes);
  if (IncludeTests.getNumOccurrences())
    CL.IncludeTests = bool(IncludeTests);
  if (IncludeCommands.getNumOccurrences())
    CL.IncludeCommands = bool(IncludeCommands);
  return CL;
}

/// Why --stdin-filename cannot be used with the other options given, or "".
std::string stdinConflict() {
  if (Fix)
    return "--stdin-filename cannot be combined with --fix: nplus1 writes no file in this mode "
           "(--diff shows the fixes)";
  if (!WriteBaseline.empty() || !OutputFile.empty())
    return "--stdin-filename cannot be combined with --write-baseline or --output-file: nplus1 "
           "writes no file in this mode";
  if (!Paths.empty() || !ChangedSince.empty())
    return "--stdin-filename checks the one file it names: give no PATH and no --changed-since";
  if (!llvm::sys::fs::is_regular_file(StdinFilename))
    return "--stdin-filename " + StdinFilename +
           ": no such file (the text read from stdin takes the place of this file in its "
           "project)";
  return "";
}

/// Milliseconds since \p Start, for --verbose.
double millisSince(std::chrono::steady_clock::time_point Start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - Start)
      .count();
}

/// `--show-fixes`: one line per fix, under \p Title ("Fixed 2 finding(s):").
void printFixList(llvm::raw_ostream &OS, llvm::StringRef Title,
                  llvm::ArrayRef<const rules::Diagnostic *> Diags) {
  if (Diags.empty())
    return;
  OS << Title << "\n";
  for (const rules::Diagnostic *D : Diags) {
    llvm::StringRef Kind = D->Fix->Applies == rules::Applicability::Safe     ? "safe"
                           : D->Fix->Applies == rules::Applicability::Unsafe ? "unsafe"
                                                                             : "display-only";
    parse::LineCol At = D->File->lineCol(D->Where.Begin);
    OS << "  " << D->File->path() << ":" << At.Line << ":" << At.Column << " " << D->Code << " "
       << D->FixTitle << " (" << Kind << ")\n";
  }
}

/// `--shard I/N`, as given (1/1 without it).
struct ShardSpec {
  unsigned Index = 1, Count = 1;
};

/// Checks the options that cannot go together, and reads --shard into \p S. Says why and
/// returns false when they cannot be used.
bool validOptions(ShardSpec &S) {
  if (Format != "text" && Format != "json" && Format != "sarif" && Format != "github" &&
      Format != "junit") {
    llvm::errs() << "nplus1: unknown --format '" << Format
                 << "' (use text, json, sarif, github or junit)\n";
    return false;
  }
  if (Fix && Diff) {
    llvm::errs() << "nplus1: --fix and --diff cannot be combined\n";
    return false;
  }
  if (Isolated && !ConfigFile.empty()) {
    llvm::errs() << "nplus1: --config and --isolated cannot be combined\n";
    return false;
  }
  if (!StdinFilename.empty()) {
    if (std::string Why = stdinConflict(); !Why.empty()) {
      llvm::WithColor::error(llvm::errs(), "nplus1") << Why << "\n";
      return false;
    }
  }
  if (Shard.empty())
    return true;
  auto [I, N] = llvm::StringRef(Shard).split('/');
  if (I.getAsInteger(10, S.Index) || N.getAsInteger(10, S.Count) || S.Count == 0 || S.Index == 0 ||
      S.Index > S.Count) {
    llvm::errs() << "nplus1: --shard wants I/N with 1 <= I <= N, e.g. --shard 2/4 (got '" << Shard
                 << "')\n";
    return false;
  }
  if (Fix || Diff) {
    llvm::errs() << "nplus1: --shard cannot be combined with --fix or --diff\n";
    return false;
  }
  return true;
}

/// The paths to check: those given, the file read from stdin (--stdin-filename), or the
/// files changed since a revision (--changed-since). Returns an exit code when the run ends
/// here: 2 when stdin or git fails, 0 when nothing changed.
std::optional<int> choosePaths(discover::Options &Opts) {
  Opts.Paths.assign(Paths.begin(), Paths.end());
  if (!StdinFilename.empty()) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> In = llvm::MemoryBuffer::getSTDIN();
    if (!In) {
      llvm::WithColor::error(llvm::errs(), "nplus1")
          << "cannot read stdin: " << In.getError().message() << "\n";
      return 2;
    }
    llvm::SmallString<256> Abs(StdinFilename);
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
    Opts.Contents[std::string(Abs)] = (*In)->getBuffer().str();
    Opts.Paths = {StdinFilename};
  }
  if (!ChangedSince.empty()) {
    llvm::Expected<std::vector<std::string>> Changed = gitChangedFiles(ChangedSince);
    if (!Changed) {
      llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(Changed.takeError()) << "\n";
      return 2;
    }
    if (Changed->empty()) {
      llvm::outs() << "nplus1: no Python or template file changed since " << ChangedSince << "\n";
      return 0;
    }
    Opts.Paths = std::move(*Changed);
  }
  // Files named one by one (pre-commit, --changed-since): their importers are checked too,
  // and the findings pointing into them are reported.
  // (An editor's buffer is reported on its own: the findings located in it.)
  Opts.WithDependents = StdinFilename.empty() && !Opts.Paths.empty() &&
                        llvm::none_of(Opts.Paths, [](const std::string &P) {
                          return llvm::sys::fs::is_directory(P);
                        });
  return std::nullopt;
}

/// The settings of the run: the project's configuration file, then the command line.
/// Says why and returns nothing when either is malformed.
std::optional<driver::Config> resolveSettings(discover::Options &Opts) {
  llvm::Expected<driver::Config> C =
      driver::configure(Opts, Exclude, ExtendExclude, {ConfigFile, Isolated});
  if (!C) {
    llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(C.takeError()) << "\n";
    return std::nullopt;
  }
  driver::Config Settings = std::move(*C);
  if (llvm::Error E = driver::applyCommandLine(commandLineSettings(), Settings)) {
    llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(std::move(E)) << "\n";
    return std::nullopt;
  }
  UnsafeFixes = Settings.UnsafeFixes.value_or(false);
  if (Verbose)
    llvm::errs() << "nplus1: settings from "
                 << (Settings.Isolated         ? "defaults (--isolated)"
                     : Settings.Source.empty() ? "defaults (no configuration file)"
                                               : Settings.Source)
                 << "; Django " << Settings.DjangoVersion << " (" << Settings.DjangoVersionWhy
                 << ")\n";
  return Settings;
}

/// Runs the analysis, with the cache unless the options rule it out, and a progress line
/// on a terminal. The analysis lives until the process ends: tearing down every syntax tree
/// and cached record would only cost time (a tenth of a warm run).
driver::Analysis &analyzeProject(const discover::Options &Opts, const driver::Config &Settings) {
  driver::CacheOptions Cache;
  // Fixes are planned from the syntax trees of the querysets: --fix and --diff (and the
  // test mode) always analyze everything.
  // Reading stdin writes nothing, not even the cache.
  Cache.Use = !NoCache && !Fix && !Diff && !Verify && StdinFilename.empty();
  Cache.Dir = CacheDir;
  Cache.Key = driver::cacheKey(Settings);
  // A long run on a terminal says how far it is, on one line of stderr erased at the end.
  std::optional<driver::Progress> Prog;
  if (!Quiet && llvm::sys::Process::StandardErrIsDisplayed())
    Prog.emplace(llvm::errs(), std::chrono::milliseconds(ProgressDelay));
  driver::Analysis &A =
      *new driver::Analysis(driver::analyze(Opts, Settings, Cache, Prog ? &*Prog : nullptr));
  llvm::BuryPointer(&A);
  if (Prog)
    Prog->finish();
  return A;
}

/// `--verbose` and `--cache-stats` lines about the run, and the discovery problems.
void describeRun(const driver::Analysis &A, std::chrono::steady_clock::time_point Start) {
  if (Verbose) {
    size_t Templates = llvm::count_if(A.Files.Files, [](const discover::File &F) {
      return F.Kind != discover::FileKind::Python;
    });
    llvm::errs() << "nplus1: project root " << A.Files.Root << ": "
                 << A.Files.Files.size() - Templates << " Python file(s), " << Templates
                 << " template(s); " << A.Diagnostics.size() << " finding(s) after settings and "
                 << "suppressions"
                 << (A.SkippedTestFiles ? ", " + std::to_string(A.SkippedTestFiles) +
                                              " test file(s) not read (--include-tests)"
                                        : "")
                 << (A.HiddenInCommands ? ", " + std::to_string(A.HiddenInCommands) +
                                              " in management commands hidden"
                                        : "")
                 << llvm::format(" (%.0f ms)\n", millisSince(Start));
  }
  if (CacheStats || Verbose)
    llvm::errs() << "nplus1: cache: parsed " << A.Stats.Parsed << ", analyzed " << A.Stats.Analyzed
                 << ", reused " << A.Stats.Reused << " module(s)"
                 << (A.Stats.Full ? " (full run: " + A.Stats.CacheNote + ")" : "") << "\n";
  for (const discover::Problem &P : A.Files.Problems)
    llvm::WithColor::error(llvm::errs(), "nplus1") << P.Path << ": " << P.Message << "\n";
}

/// `--verify`: the exit code is 1 when a finding and the expectations disagree.
int runVerify(const driver::Analysis &A) {
  unsigned Mismatches = driver::verify(A, llvm::outs());
  llvm::outs() << (Mismatches ? "verify: FAILED, " : "verify: ok, ") << A.Diagnostics.size()
               << " findings, " << Mismatches << " mismatches\n";
  return Mismatches ? 1 : 0;
}

/// `--write-baseline`: records the findings; exits 0, or 2 when the file cannot be written.
int runWriteBaseline(const driver::Analysis &A) {
  if (llvm::Error E = driver::writeBaseline(WriteBaseline, A.Diagnostics, A.Files.Root)) {
    llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(std::move(E)) << "\n";
    return 2;
  }
  llvm::errs() << "nplus1: wrote " << A.Diagnostics.size() << " finding(s) to " << WriteBaseline
               << "\n";
  return 0;
}

/// `--baseline`: drops the findings it records; false when the file cannot be read.
bool keepNewFindings(driver::Analysis &A) {
  llvm::Expected<unsigned> Stale = driver::applyBaseline(Baseline, A.Diagnostics, A.Files.Root);
  if (!Stale) {
    llvm::WithColor::error(llvm::errs(), "nplus1") << llvm::toString(Stale.takeError()) << "\n";
    return false;
  }
  if (*Stale)
    llvm::errs() << "nplus1: " << *Stale << " baseline entr" << (*Stale == 1 ? "y" : "ies")
                 << " no longer match (fixed); refresh the file with --write-baseline\n";
  return true;
}

/// `--fix`: applies the planned edits; returns the findings not fixed (a finding is fixed
/// when the file holding its queryset was written).
std::vector<rules::Diagnostic> applyFixes(const driver::Analysis &A, llvm::raw_ostream &OS) {
  std::vector<bool> Applied;
  std::vector<fix::Edit> Edits = fix::planEdits(A.Diagnostics, {UnsafeFixes}, &Applied);
  fix::ApplyResult R =
      fix::applyFixes(Edits, fix::ApplyKind::Write, A.Files.Root, OS, llvm::errs());
  std::vector<rules::Diagnostic> Remaining;
  std::vector<const rules::Diagnostic *> FixedList;
  for (size_t I = 0; I < A.Diagnostics.size(); ++I) {
    const rules::Diagnostic &D = A.Diagnostics[I];
    if (Applied[I] && R.Written.count(D.Fix->Where->File->path().str()))
      FixedList.push_back(&D);
    else
      Remaining.push_back(D);
  }
  if (Format != "json" && Format != "sarif" && Format != "junit") {
    size_t Fixed = FixedList.size();
    llvm::errs() << "nplus1: fixed " << Fixed << " finding(s) in " << R.Files << " file(s)"
                 << (R.Failures ? ", " + std::to_string(R.Failures) + " file(s) not written" : "")
                 << "\n";
    if (ShowFixes && !Quiet)
      printFixList(llvm::errs(), "Fixed " + std::to_string(Fixed) + " finding(s):", FixedList);
  }
  return Remaining;
}

/// The text report: the findings, the fixes available (--show-fixes) and the summary line.
void printTextReport(llvm::raw_ostream &OS, llvm::ArrayRef<rules::Diagnostic> Remaining,
                     const driver::Analysis &A, bool Color) {
  report::printText(OS, Remaining, Color, UnsafeFixes);
  size_t Safe = 0, Unsafe = 0;
  for (const rules::Diagnostic &D : Remaining)
    if (D.Fix)
      (D.Fix->Applies == rules::Applicability::Safe ? Safe : Unsafe)++;
  std::string Hidden;
  if (A.HiddenInCommands)
    Hidden += "; " + std::to_string(A.HiddenInCommands) +
              " finding(s) in management commands hidden (--include-commands shows them)";
  if (ShowFixes && !Quiet) {
    std::vector<const rules::Diagnostic *> Fixable;
    for (const rules::Diagnostic &D : Remaining)
      if (D.Fix)
        Fixable.push_back(&D);
    printFixList(OS,
                 "Fixes available (" + std::to_string(Fixable.size()) +
                     "; --fix applies the safe ones, --unsafe-fixes the unsafe ones too):",
                 Fixable);
  }
  if (Quiet)
    return;
  if (Remaining.empty())
    OS << "nplus1: no N+1 queries found" << Hidden << "\n";
  else
    OS << "nplus1: " << Remaining.size() << " finding(s); " << Safe << " fixable with --fix, "
       << Unsafe << " more with --fix --unsafe-fixes" << Hidden << "\n";
}

/// Prints \p Remaining in the --format asked for (or --statistics).
void printReport(llvm::raw_ostream &OS, llvm::ArrayRef<rules::Diagnostic> Remaining,
                 const driver::Analysis &A, bool Color) {
  if (Format == "json") {
    OS << report::toJson(Remaining).dump(2) << "\n";
  } else if (Format == "sarif") {
    llvm::SmallString<256> Cwd;
    llvm::sys::fs::current_path(Cwd); // paths are relative to the working directory
    OS << report::toSarif(Remaining, Cwd).dump(2) << "\n";
  } else if (Format == "github") {
    report::printGithub(OS, Remaining);
  } else if (Format == "junit") {
    report::printJunit(OS, Remaining);
  } else if (Statistics) {
    std::map<std::string, size_t> PerRule;
    for (const rules::Diagnostic &D : Remaining)
      ++PerRule[D.Code];
    for (const auto &[Code, N] : PerRule)
      OS << llvm::format("%-6s %6zu  ", Code.c_str(), N) << rules::findRule(Code)->info().Name
         << "\n";
  } else {
    printTextReport(OS, Remaining, A, Color);
  }
}

/// The findings out: as a diff (--diff), or fixed (--fix) and then reported.
int output(driver::Analysis &A, std::chrono::steady_clock::time_point Start) {
  std::unique_ptr<llvm::raw_fd_ostream> File;
  if (!OutputFile.empty()) {
    std::error_code EC;
    File = std::make_unique<llvm::raw_fd_ostream>(OutputFile, EC);
    if (EC) {
      llvm::WithColor::error(llvm::errs(), "nplus1")
          << "cannot write " << OutputFile << ": " << EC.message() << "\n";
      return 2;
    }
  }
  llvm::raw_ostream &OS = File ? static_cast<llvm::raw_ostream &>(*File) : llvm::outs();
  bool Color = !NoColor && !std::getenv("NO_COLOR") && Format == "text" && !File && OS.has_colors();
  if (Diff) {
    std::vector<fix::Edit> Edits = fix::planEdits(A.Diagnostics, {UnsafeFixes});
    fix::ApplyResult R =
        fix::applyFixes(Edits, fix::ApplyKind::Diff, A.Files.Root, OS, llvm::errs());
    llvm::errs() << "nplus1: " << R.Files << " file(s) would be changed\n";
    return R.Failures ? 2 : (R.Files && !ExitZero ? 1 : 0);
  }
  std::vector<rules::Diagnostic> Remaining = Fix ? applyFixes(A, OS) : A.Diagnostics;
  printReport(OS, Remaining, A, Color);
  if (Verbose)
    llvm::errs() << llvm::format("nplus1: done in %.0f ms\n", millisSince(Start));
  return Remaining.empty() || ExitZero ? 0 : 1;
}

int runCheck() {
  ShardSpec Shards;
  if (!validOptions(Shards))
    return 2;
  if (Jobs)
    llvm::parallel::strategy = llvm::hardware_concurrency(Jobs);
  auto Start = std::chrono::steady_clock::now();
  discover::Options Opts;
  if (std::optional<int> Exit = choosePaths(Opts))
    return *Exit;
  std::optional<driver::Config> Settings = resolveSettings(Opts);
  if (!Settings)
    return 2;
  if (ShowSettings) {
    Settings->print(llvm::outs());
    return 0;
  }
  Opts.ParseOnly = ParseOnly;
  driver::Analysis &A = analyzeProject(Opts, *Settings);
  if (Shards.Count > 1)
    driver::keepShard(A, Shards.Index, Shards.Count);
  describeRun(A, Start);
  if (A.Files.Files.empty() && !A.Files.Problems.empty())
    return 2;
  if (Verify)
    return runVerify(A);
  if (!WriteBaseline.empty())
    return runWriteBaseline(A);
  if (!Baseline.empty() && !keepNewFindings(A))
    return 2;
  return output(A, Start);
}

} // namespace

int main(int argc, char **argv) {
  cl::SetVersionPrinter([](llvm::raw_ostream &OS) {
    OS << "nplus1 " << report::ToolVersion << " (commit " << report::ToolCommit << ", JSON format "
       << report::JsonVersion << ")\n";
  });
  cl::HideUnrelatedOptions({&Cat, &ModelsCat, &ServerCat, &cl::getGeneralCategory()});
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "nplus1: finds N+1 queries in Django projects\n\n"
                                   "  nplus1 check [PATH...] [--diff | --fix]\n"
                                   "  nplus1 models [PATH] [--format json]\n"
                                   "  nplus1 rule NP101\n"
                                   "  nplus1 server\n",
                                   &llvm::errs()))
    return 2;
  if (RuleCmd)
    return runRule();
  if (CheckCmd)
    return runCheck();
  if (ServerCmd) {
    if (ServerJobs)
      llvm::parallel::strategy = llvm::hardware_concurrency(ServerJobs);
    return driver::runServer({ServerDebounce.getValue()});
  }
  if (ModelsCmd)
    return driver::runModels(
        {ModelsPath, ModelsFormat, ModelsExclude, ModelsExtendExclude, ModelsJobs});
  llvm::errs() << "nplus1: give a command: `nplus1 check [PATH...]`, `nplus1 models [PATH]`, "
                  "`nplus1 rule CODE` or `nplus1 server` (see --help)\n";
  return 2;
}
