#ifndef NPLUS1_DRIVER_SERVERPROTOCOL_H
#define NPLUS1_DRIVER_SERVERPROTOCOL_H

#include "parse/Source.h"

#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

/// The Language Server Protocol's wire format and coordinates, for `nplus1 server`: the
/// Content-Length framing of JSON-RPC messages, `file:` URIs, and positions as LSP counts
/// them (0-based lines, UTF-16 code units within a line).
namespace nplus1::driver::lsp {

/// JSON-RPC and LSP error codes.
enum ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
};

/// What MessageReader::read() found.
enum class ReadKind {
  Message,   ///< a complete message body
  Timeout,   ///< no complete message within the time given
  End,       ///< the input ended (a partial message at the end is dropped)
  BadHeader, ///< a header block without a usable Content-Length (it was skipped)
};

/// Reads Content-Length framed messages from a file descriptor, buffering what arrives
/// ahead of the message being read.
class MessageReader {
public:
  explicit MessageReader(int Fd) : Fd(Fd) {}

  /// Waits at most \p TimeoutMs milliseconds (negative: for ever) for the next complete
  /// message and puts its body in \p Body. On BadHeader, \p Why says what was wrong.
  ReadKind read(std::string &Body, int TimeoutMs, std::string &Why);

  /// True when a complete message, or the start of one, is already buffered.
  bool pending() const { return !Buffer.empty(); }

private:
  /// Takes one message off the buffer: Message, BadHeader, or Timeout when more bytes
  /// are needed.
  ReadKind take(std::string &Body, std::string &Why);

  int Fd;
  std::string Buffer;
  bool Ended = false;
};

/// Writes \p Message, framed, to \p Fd (invalid UTF-8 in strings becomes U+FFFD). Returns
/// false when the other end is gone.
bool writeMessage(int Fd, const nlohmann::json &Message);

/// The absolute, normalized path a `file:` URI names; nothing for another scheme, another
/// host or a relative path.
std::optional<std::string> uriToPath(llvm::StringRef Uri);

/// An LSP position: 0-based line, and UTF-16 code units from the line's start.
struct Position {
  unsigned Line = 0;
  unsigned Character = 0;
};

/// The position of byte \p Offset of \p File.
Position positionOf(const parse::SourceFile &File, uint32_t Offset);

/// The byte offset of \p P in \p Text: a character past the end of its line is the line's
/// end, a line past the end of the text is the text's end (as the protocol asks).
uint32_t offsetOf(llvm::StringRef Text, Position P);

/// The JSON of \p P and of the range [Begin, End) of \p File.
nlohmann::json toJson(Position P);
nlohmann::json rangeJson(const parse::SourceFile &File, parse::Range R);

/// Reads a Position from its JSON; throws nlohmann::json::exception when malformed.
Position positionFromJson(const nlohmann::json &J);

} // namespace nplus1::driver::lsp

#endif
