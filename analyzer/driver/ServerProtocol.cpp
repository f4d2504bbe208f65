#include "driver/ServerProtocol.h"
#include "AnalysisLimits.h"

#include "report/Formats.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <chrono>
#include <poll.h>
#include <unistd.h>

namespace nplus1::driver::lsp {

namespace {

/// More header bytes than any client sends: the input is not LSP framing.
constexpr size_t MaxHeader = limits::LspHeaderBytes;
/// A larger body is refused rather than buffered.
constexpr uint64_t MaxBody = limits::LspBodyBytes;

} // namespace

ReadKind MessageReader::take(std::string &Body, std::string &Why) {
  size_t End = Buffer.find("\r\n\r\n");
  if (End == std::string::npos) {
    if (Buffer.size() <= MaxHeader)
      return ReadKind::Timeout;
    Why = "no end of header in " + std::to_string(Buffer.size()) + " bytes";
    Buffer.clear();
    return ReadKind::BadHeader;
  }
  std::optional<uint64_t> Length;
  llvm::SmallVector<llvm::StringRef, 4> Lines;
  llvm::StringRef(Buffer).take_front(End).split(Lines, "\r\n");
  for (llvm::StringRef Line : Lines) {
    auto [Name, Value] = Line.split(':');
    uint64_t N = 0;
    if (!Name.trim().equals_insensitive("content-length"))
      continue;
    if (Value.trim().getAsInteger(10, N) || N > MaxBody) {
      Why = "bad Content-Length '" + Value.trim().str() + "'";
      Buffer.erase(0, End + 4);
      return ReadKind::BadHeader;
    }
    Length = N;
  }
  if (!Length) {
    Why = "no Content-Length in the header '" + Buffer.substr(0, std::min<size_t>(End, 80)) + "'";
    Buffer.erase(0, End + 4);
    return ReadKind::BadHeader;
  }
  if (Buffer.size() - (End + 4) < *Length)
    return ReadKind::Timeout;
  Body = Buffer.substr(End + 4, *Length);
  Buffer.erase(0, End + 4 + *Length);
  return ReadKind::Message;
}

ReadKind MessageReader::read(std::string &Body, int TimeoutMs, std::string &Why) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point Deadline = Clock::now() + std::chrono::milliseconds(TimeoutMs);
  for (;;) {
    if (ReadKind K = take(Body, Why); K != ReadKind::Timeout)
      return K;
    if (Ended)
      return ReadKind::End;
    int Wait = -1;
    if (TimeoutMs >= 0)
      Wait = std::max<int>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(Deadline - Clock::now()).count());
    pollfd P{Fd, POLLIN, 0};
    int R = ::poll(&P, 1, Wait);
    if (R < 0 && errno == EINTR)
      continue;
    if (R == 0)
      return ReadKind::Timeout;
    char Chunk[65536];
    ssize_t N = ::read(Fd, Chunk, sizeof Chunk);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (N <= 0) {
      Ended = true;
      continue;
    }
    Buffer.append(Chunk, size_t(N));
  }
}

bool writeMessage(int Fd, const nlohmann::json &Message) {
  std::string Body = Message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string Out = "Content-Length: " + std::to_string(Body.size()) + "\r\n\r\n" + Body;
  llvm::StringRef Rest = Out;
  while (!Rest.empty()) {
    ssize_t N = ::write(Fd, Rest.data(), Rest.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Rest = Rest.drop_front(size_t(N));
  }
  return true;
}

std::optional<std::string> uriToPath(llvm::StringRef Uri) {
  if (!Uri.starts_with_insensitive("file://"))
    return std::nullopt;
  Uri = Uri.drop_front(7);
  // An authority before the path: none, or this machine.
  auto [Host, Rest] = Uri.split('/');
  if (!Host.empty() && !Host.equals_insensitive("localhost"))
    return std::nullopt;
  std::string Path = "/";
  for (size_t I = 0; I < Rest.size(); ++I) {
    if (Rest[I] == '%' && I + 2 < Rest.size() && llvm::isHexDigit(Rest[I + 1]) &&
        llvm::isHexDigit(Rest[I + 2])) {
      Path.push_back(
          char(llvm::hexDigitValue(Rest[I + 1]) << 4 | llvm::hexDigitValue(Rest[I + 2])));
      I += 2;
      continue;
    }
    if (Rest[I] == '?' || Rest[I] == '#')
      break;
    Path.push_back(Rest[I]);
  }
  llvm::SmallString<256> Norm(Path);
  llvm::sys::path::remove_dots(Norm, /*remove_dot_dot=*/true);
  return std::string(Norm);
}

Position positionOf(const parse::SourceFile &File, uint32_t Offset) {
  return {File.lineCol(Offset).Line - 1, report::utf16Column(File, Offset) - 1};
}

uint32_t offsetOf(llvm::StringRef Text, Position P) {
  size_t Start = 0;
  for (unsigned L = 0; L < P.Line; ++L) {
    size_t Newline = Text.find('\n', Start);
    if (Newline == llvm::StringRef::npos)
      return Text.size();
    Start = Newline + 1;
  }
  llvm::StringRef Line = Text.substr(Start).take_until([](char C) { return C == '\n'; });
  if (Line.ends_with("\r"))
    Line = Line.drop_back();
  llvm::StringRef Rest = Line;
  for (unsigned Units = 0; !Rest.empty() && Units < P.Character;)
    Units += report::detail::nextCodePoint(Rest) > 0xFFFF ? 2 : 1;
  return uint32_t(Start + (Line.size() - Rest.size()));
}

nlohmann::json toJson(Position P) { return {{"line", P.Line}, {"character", P.Character}}; }

nlohmann::json rangeJson(const parse::SourceFile &File, parse::Range R) {
  return {{"start", toJson(positionOf(File, R.Begin))}, {"end", toJson(positionOf(File, R.End))}};
}

Position positionFromJson(const nlohmann::json &J) {
  return {J.at("line").get<unsigned>(), J.at("character").get<unsigned>()};
}

} // namespace nplus1::driver::lsp
