#ifndef NPLUS1_INDEX_CODEC_H
#define NPLUS1_INDEX_CODEC_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nplus1::index::codec {

/// The incremental cache's binary encoding: LEB128 integers, length-prefixed byte strings.
class Writer {
public:
  std::string Out;
  void u64(uint64_t V) {
    do {
      uint8_t Byte = V & 0x7f;
      V >>= 7;
      Out.push_back(char(V ? Byte | 0x80 : Byte));
    } while (V);
  }
  void bytes(llvm::StringRef S) {
    u64(S.size());
    Out.append(S.data(), S.size());
  }
  template <typename Map> void deps(const Map &D) {
    u64(D.size());
    for (const auto &[Name, Hash] : D) {
      bytes(Name);
      u64(Hash);
    }
  }
  void strings(const std::vector<std::string> &V) {
    u64(V.size());
    for (const std::string &S : V)
      bytes(S);
  }
};

/// Reads what a Writer wrote. Malformed or truncated input is not an exception: the
/// first problem is kept (failed(), error()) and every later read returns 0 or nothing,
/// so a decoder runs to its end and then asks whether the bytes checked out.
class Reader {
public:
  explicit Reader(llvm::StringRef In) : In(In) {}
  uint64_t u64() {
    uint64_t V = 0;
    for (unsigned Shift = 0; Shift < 64 && !failed(); Shift += 7) {
      if (Pos >= In.size())
        return fail("truncated");
      uint8_t Byte = In[Pos++];
      V |= uint64_t(Byte & 0x7f) << Shift;
      if (!(Byte & 0x80))
        return V;
    }
    return fail("bad integer");
  }
  llvm::StringRef bytes() {
    uint64_t N = u64();
    if (N > In.size() - Pos) {
      fail("truncated");
      return {};
    }
    llvm::StringRef S = In.substr(Pos, N);
    Pos += N;
    return S;
  }
  /// A count of entries that must each take at least one byte.
  size_t count() {
    uint64_t N = u64();
    if (N > In.size() - Pos)
      return fail("bad count");
    return N;
  }
  /// A sorted map of names to integers.
  std::map<std::string, uint64_t> deps() {
    std::map<std::string, uint64_t> D;
    for (size_t I = 0, N = count(); I < N; ++I) {
      std::string Name = bytes().str();
      D.emplace_hint(D.end(), std::move(Name), u64());
    }
    return D;
  }
  std::vector<std::string> strings() {
    std::vector<std::string> V(count());
    for (std::string &S : V)
      S = bytes().str();
    return V;
  }
  bool done() const { return !failed() && Pos == In.size(); }
  /// Whether a read found malformed or truncated bytes, and what it found.
  bool failed() const { return !Error.empty(); }
  llvm::StringRef error() const { return Error; }
  /// Marks the input malformed (the first problem wins); returns 0 for the read that
  /// found it, and stops every later read.
  uint64_t fail(llvm::StringRef Why) {
    if (Error.empty())
      Error = Why.str();
    Pos = In.size();
    return 0;
  }
  /// Where the next read starts, and the bytes read since \p From.
  size_t offset() const { return Pos; }
  llvm::StringRef since(size_t From) const { return In.slice(From, Pos); }

private:
  llvm::StringRef In;
  size_t Pos = 0;
  std::string Error;
};

} // namespace nplus1::index::codec

#endif
