#include "driver/ServerProtocol.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

using namespace nplus1::driver;

namespace {

/// A pipe whose write end the test fills and closes; the reader reads the other end.
struct Pipe {
  int Fds[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe(Fds) == 0); }
  ~Pipe() {
    for (int Fd : Fds)
      if (Fd >= 0)
        ::close(Fd);
  }
  void write(const std::string &S) {
    REQUIRE(::write(Fds[1], S.data(), S.size()) == ssize_t(S.size()));
  }
  void closeWrite() {
    ::close(Fds[1]);
    Fds[1] = -1;
  }
};

std::string frame(const std::string &Body) {
  return "Content-Length: " + std::to_string(Body.size()) + "\r\n\r\n" + Body;
}

} // namespace

TEST_SUITE("server") {

  TEST_CASE("messages are read by their Content-Length, several per read or split") {
    Pipe P;
    lsp::MessageReader R(P.Fds[0]);
    std::string Body, Why;
    P.write(frame("{\"a\":1}") + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" +
            "content-length: 7\r\n\r\n{\"b\":2}" + "Content-Length: 9\r\n\r\n{\"c\"");
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::Message);
    CHECK(Body == "{\"a\":1}");
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::Message);
    CHECK(Body == "{\"b\":2}");
    // The third is incomplete: no message within the time given, then the rest arrives.
    CHECK(R.read(Body, 20, Why) == lsp::ReadKind::Timeout);
    CHECK(R.pending());
    P.write(":3}  ");
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::Message);
    CHECK(Body == "{\"c\":3}  ");
    P.closeWrite();
    CHECK(R.read(Body, -1, Why) == lsp::ReadKind::End);
  }

  TEST_CASE("a header without a usable Content-Length is skipped, and reading goes on") {
    Pipe P;
    lsp::MessageReader R(P.Fds[0]);
    std::string Body, Why;
    P.write("Content-Type: text/plain\r\n\r\n" + std::string("Content-Length: x1\r\n\r\n") +
            frame("{}"));
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::BadHeader);
    CHECK(Why.find("no Content-Length") != std::string::npos);
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::BadHeader);
    CHECK(Why.find("bad Content-Length 'x1'") != std::string::npos);
    CHECK(R.read(Body, 1000, Why) == lsp::ReadKind::Message);
    CHECK(Body == "{}");
    // A message cut short by the end of the input is dropped.
    P.write("Content-Length: 10\r\n\r\n{}");
    P.closeWrite();
    CHECK(R.read(Body, -1, Why) == lsp::ReadKind::End);
  }

  TEST_CASE("a written message is framed and its invalid UTF-8 replaced") {
    Pipe P;
    REQUIRE(lsp::writeMessage(P.Fds[1], nlohmann::json{{"m", std::string("a\xFFz")}}));
    P.closeWrite();
    lsp::MessageReader R(P.Fds[0]);
    std::string Body, Why;
    REQUIRE(R.read(Body, 1000, Why) == lsp::ReadKind::Message);
    CHECK(Body == "{\"m\":\"a\xEF\xBF\xBDz\"}");
  }

  TEST_CASE("file: URIs become absolute paths") {
    CHECK(lsp::uriToPath("file:///tmp/my%20shop/views.py") == "/tmp/my shop/views.py");
    CHECK(lsp::uriToPath("file://localhost/srv/a/../b.py") == "/srv/b.py");
    CHECK(lsp::uriToPath("FILE:///x%2Fy") == "/x/y");
    CHECK(lsp::uriToPath("file:///a%zz") == "/a%zz");
    CHECK_FALSE(lsp::uriToPath("untitled:Untitled-1").has_value());
    CHECK_FALSE(lsp::uriToPath("file://otherhost/share/a.py").has_value());
    CHECK_FALSE(lsp::uriToPath("https://example.com/a.py").has_value());
  }

  TEST_CASE("positions count lines from 0 and UTF-16 units within a line") {
    // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units.
    std::string Text = "ab\r\n\xC3\xA9\xF0\x9F\x98\x80x = 1\nlast";
    nplus1::parse::SourceFile F("t.py", Text);
    uint32_t X = Text.find('x');
    lsp::Position P = lsp::positionOf(F, X);
    CHECK(P.Line == 1u);
    CHECK(P.Character == 3u);
    CHECK(lsp::offsetOf(Text, P) == X);
    CHECK(lsp::offsetOf(Text, {1, 1}) == Text.find("\xF0"));
    CHECK(lsp::offsetOf(Text, {0, 0}) == 0u);
    // Past the end of a line: the line's end (before "\r\n"); past the last line: the end.
    CHECK(lsp::offsetOf(Text, {0, 99}) == 2u);
    CHECK(lsp::offsetOf(Text, {2, 99}) == Text.size());
    CHECK(lsp::offsetOf(Text, {7, 0}) == Text.size());
    CHECK(lsp::positionOf(F, Text.size()).Line == 2u);
    CHECK(lsp::positionOf(F, Text.size()).Character == 4u);
  }

} // TEST_SUITE
