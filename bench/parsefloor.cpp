// The parse floor of a project: tree-sitter-python alone parsing the Python files
// `nplus1 check` would read (same discovery, same settings, same thread pool and -j), each
// tree deleted at once. Nothing is lowered, indexed or kept: a cold check cannot be faster
// than this, so bench/realworld.sh divides its times by this one.
//
//   nplus1-parsefloor [-j N] [PATH...]
//
// Prints one line of key=value: the Python files parsed, their bytes and lines, the trees'
// node count, and the templates nplus1 would read (counted, not parsed) with their lines.
#include "driver/Pipeline.h"
#include "driver/TemplateKinds.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/raw_ostream.h"

#include <tree_sitter/api.h>

#include <atomic>

extern "C" const TSLanguage *tree_sitter_python(void);

namespace {

llvm::cl::list<std::string> Paths(llvm::cl::Positional, llvm::cl::desc("[PATH...]"));
llvm::cl::opt<unsigned> Jobs("j", llvm::cl::desc("Threads to use (default: all cores)"),
                             llvm::cl::init(0), llvm::cl::Prefix);

/// One tree-sitter parser per thread, as nplus1 keeps them.
struct Parser {
  TSParser *P = ts_parser_new();
  Parser() { ts_parser_set_language(P, tree_sitter_python()); }
  ~Parser() { ts_parser_delete(P); }
  Parser(const Parser &) = delete;
  Parser &operator=(const Parser &) = delete;
};

} // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(argc, argv, "tree-sitter parse floor of a project\n");
  if (Jobs)
    llvm::parallel::strategy = llvm::hardware_concurrency(Jobs);
  nplus1::discover::Options Opts;
  Opts.Paths.assign(Paths.begin(), Paths.end());
  llvm::Expected<nplus1::driver::Config> C = nplus1::driver::configure(Opts, {}, {});
  if (!C) {
    llvm::errs() << "nplus1-parsefloor: " << llvm::toString(C.takeError()) << "\n";
    return 2;
  }
  nplus1::discover::Result R = nplus1::discover::discover(Opts);
  nplus1::driver::skipTestFiles(R, *C);
  nplus1::driver::classifyTemplates(R, Opts.TemplateDirs);
  std::vector<const nplus1::discover::File *> Py;
  uint64_t Templates = 0, TemplateLines = 0;
  for (const nplus1::discover::File &F : R.Files) {
    if (F.Kind == nplus1::discover::FileKind::Python) {
      Py.push_back(&F);
      continue;
    }
    ++Templates;
    if (auto Buf = llvm::MemoryBuffer::getFile(F.AbsPath, /*IsText=*/false,
                                               /*RequiresNullTerminator=*/false))
      TemplateLines += (*Buf)->getBuffer().count('\n');
  }
  std::atomic<uint64_t> Bytes{0}, Lines{0}, Nodes{0};
  llvm::parallelFor(0, Py.size(), [&](size_t I) {
    auto Buf = llvm::MemoryBuffer::getFile(Py[I]->AbsPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!Buf)
      return;
    llvm::StringRef Text = (*Buf)->getBuffer();
    thread_local Parser P;
    TSTree *T = ts_parser_parse_string(P.P, nullptr, Text.data(), Text.size());
    Bytes += Text.size();
    Lines += Text.count('\n');
    if (T) {
      Nodes += ts_node_descendant_count(ts_tree_root_node(T));
      ts_tree_delete(T);
    }
  });
  llvm::outs() << "files=" << Py.size() << " bytes=" << Bytes << " lines=" << Lines
               << " nodes=" << Nodes << " templates=" << Templates
               << " template_lines=" << TemplateLines << "\n";
  return 0;
}
