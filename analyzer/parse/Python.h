#ifndef NPLUS1_PARSE_PYTHON_H
#define NPLUS1_PARSE_PYTHON_H

#include "parse/Ast.h"

#include <memory>

namespace nplus1::parse {

/// Parses a Python file with tree-sitter-python and lowers the concrete tree into the
/// small syntax tree of parse/Ast.h. Never fails: syntax errors are recorded in the
/// module's Errors and the parts that did parse are kept. Safe to call from many threads.
std::unique_ptr<py::Module> parsePython(std::shared_ptr<const SourceFile> File);

} // namespace nplus1::parse

#endif
