#include "parse/Source.h"

#include <algorithm>

namespace nplus1::parse {

SourceFile::SourceFile(std::string P, std::string T) : Path(std::move(P)), Text(std::move(T)) {
  LineStarts.push_back(0);
  for (uint32_t I = 0, E = Text.size(); I < E; ++I)
    if (Text[I] == '\n' && I + 1 < E)
      LineStarts.push_back(I + 1);
}

LineCol SourceFile::lineCol(uint32_t Offset) const {
  auto It = std::upper_bound(LineStarts.begin(), LineStarts.end(), Offset);
  unsigned Line = It - LineStarts.begin();
  return {Line, Offset - LineStarts[Line - 1] + 1};
}

llvm::StringRef SourceFile::line(unsigned Line) const {
  if (Line == 0 || Line > LineStarts.size())
    return {};
  uint32_t Begin = LineStarts[Line - 1];
  llvm::StringRef Rest = llvm::StringRef(Text).drop_front(Begin);
  return Rest.take_until([](char C) { return C == '\n'; }).rtrim('\r');
}

} // namespace nplus1::parse
