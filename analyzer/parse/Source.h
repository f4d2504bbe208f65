#ifndef NPLUS1_PARSE_SOURCE_H
#define NPLUS1_PARSE_SOURCE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace nplus1::parse {

/// A half-open byte range [Begin, End) into one source file.
struct Range {
  uint32_t Begin = 0;
  uint32_t End = 0;
  bool contains(Range Other) const { return Begin <= Other.Begin && Other.End <= End; }
  bool operator==(const Range &) const = default;
};

/// A 1-based line and column (column counted in bytes).
struct LineCol {
  unsigned Line = 0;
  unsigned Column = 0;
};

/// The text of one file with its line table; the unit every later stage points into.
class SourceFile {
public:
  SourceFile(std::string Path, std::string Text);

  /// Path as shown to the user (relative to the working directory when possible).
  llvm::StringRef path() const { return Path; }
  llvm::StringRef text() const { return Text; }
  LineCol lineCol(uint32_t Offset) const;
  /// The text of 1-based line \p Line without its newline.
  llvm::StringRef line(unsigned Line) const;
  unsigned lineCount() const { return LineStarts.size(); }
  /// Byte offset of the start of 1-based line \p Line.
  uint32_t lineStart(unsigned Line) const { return LineStarts[Line - 1]; }
  llvm::StringRef slice(Range R) const { return llvm::StringRef(Text).slice(R.Begin, R.End); }

private:
  std::string Path;
  std::string Text;
  std::vector<uint32_t> LineStarts;
};

} // namespace nplus1::parse

#endif
