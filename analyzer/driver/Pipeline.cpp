#include "driver/Pipeline.h"

#include "flow/Interpreter.h"
#include "parse/Python.h"
#include "report/Report.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"

namespace nplus1::driver {

namespace {

/// Reads one file; returns null and sets \p Error when it cannot be read as text.
std::shared_ptr<parse::SourceFile> readFile(const discover::File &F, std::string &Error) {
  auto Buf = llvm::MemoryBuffer::getFile(F.AbsPath, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Error = Buf.getError().message();
    return nullptr;
  }
  llvm::StringRef Text = (*Buf)->getBuffer();
  if (Text.contains('\0')) {
    Error = "binary file (contains NUL bytes)";
    return nullptr;
  }
  if (Text.size() > 0xFFFFFFF0u) {
    Error = "file too large";
    return nullptr;
  }
  return std::make_shared<parse::SourceFile>(F.Path, Text.str());
}

} // namespace

Analysis analyze(const discover::Options &Opts) {
  Analysis A;
  A.Files = discover::discover(Opts);
  const std::vector<discover::File> &Files = A.Files.Files;

  // Read and parse every file of the project in parallel.
  std::vector<std::unique_ptr<parse::py::Module>> Parsed(Files.size());
  std::vector<std::string> Errors(Files.size());
  llvm::parallelFor(0, Files.size(), [&](size_t I) {
    std::shared_ptr<parse::SourceFile> Src = readFile(Files[I], Errors[I]);
    if (Src)
      Parsed[I] = parse::parsePython(std::move(Src));
  });

  if (Opts.ParseOnly) {
    for (size_t I = 0; I < Files.size(); ++I)
      if (Files[I].IsTarget && Parsed[I] && !Parsed[I]->Errors.empty())
        A.Diagnostics.push_back(rules::syntaxError(
            Parsed[I]->file(), Parsed[I]->Errors.front().Where, Parsed[I]->Errors.front().Message));
    for (auto &P : Parsed)
      if (P)
        A.Targets.push_back(P->fileRef());
    report::sortDiagnostics(A.Diagnostics);
    return A;
  }
  A.Project = std::make_unique<index::Project>();
  std::vector<index::ModuleInfo *> TargetModules;
  for (size_t I = 0; I < Files.size(); ++I) {
    const discover::File &F = Files[I];
    if (!Parsed[I]) {
      if (F.IsTarget)
        A.Diagnostics.push_back(rules::unreadableFile(F.Path, Errors[I]));
      continue;
    }
    if (F.IsTarget) {
      A.Targets.push_back(Parsed[I]->fileRef());
      if (!Parsed[I]->Errors.empty()) {
        const parse::py::SyntaxError &E = Parsed[I]->Errors.front();
        A.Diagnostics.push_back(rules::syntaxError(Parsed[I]->file(), E.Where, E.Message));
      }
    }
    index::ModuleInfo &M =
        A.Project->addModule(std::move(Parsed[I]), F.ModuleName, F.IsPackage, false);
    if (F.IsTarget)
      TargetModules.push_back(&M);
  }
  // Django's own models, unless the project itself is Django.
  for (const index::CatalogModule &C : index::builtinCatalog()) {
    if (A.Project->module(C.ModuleName))
      continue;
    auto Src = std::make_shared<parse::SourceFile>(
        std::string("<django>/") + C.ModuleName, C.Source);
    A.Project->addModule(parse::parsePython(std::move(Src)), C.ModuleName, false, true);
  }
  A.Project->freeze();
  A.Graph = index::ModelGraph::build(*A.Project);

  // Analyze the target modules in parallel; collect in module order.
  flow::Analyzer Flow(*A.Project, *A.Graph);
  std::vector<std::vector<flow::Event>> Events(TargetModules.size());
  llvm::parallelFor(0, TargetModules.size(), [&](size_t I) {
    Events[I] = Flow.analyzeModule(*TargetModules[I]);
  });
  for (auto &ModuleEvents : Events) {
    std::vector<rules::Diagnostic> D = rules::runRules(ModuleEvents);
    std::move(D.begin(), D.end(), std::back_inserter(A.Diagnostics));
  }
  report::sortDiagnostics(A.Diagnostics);
  return A;
}

} // namespace nplus1::driver
