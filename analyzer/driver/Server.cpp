// `nplus1 server`: the Language Server Protocol front end of the whole-project analysis.
#include "driver/Server.h"

#include "driver/Pipeline.h"
#include "driver/ServerProtocol.h"
#include "report/Formats.h"
#include "report/Report.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <stdexcept>

namespace nplus1::driver {

std::string ruleDocumentation(const rules::RuleInfo &Info) {
  return "# " + std::string(Info.Name) + " (" + Info.Code + ")\n\nFix is " +
         (Info.Fixes == rules::FixAvailability::Never ? "never" : "sometimes") + " available." +
         (Info.OptIn ? " Off by default: turn it on with `extend-select = [\"" +
                           std::string(Info.Code) + "\"]` (or `--extend-select " + Info.Code + "`)."
                     : "") +
         "\n\n" + Info.Doc;
}

namespace {

using nlohmann::json;

/// An open document: the editor's text, which takes the place of the file on disk.
struct Document {
  std::string Uri; ///< as the client spelled it (diagnostics go back under the same URI)
  std::string Text;
  int64_t Version = 0;
};

/// The error a request is answered with.
struct RequestError : std::runtime_error {
  RequestError(int Code, const std::string &Message) : std::runtime_error(Message), Code(Code) {}
  int Code;
};

/// The server's state between messages: the open documents, the last analysis and what
/// was published from it.
class Server {
public:
  explicit Server(const ServerOptions &Opts) : Opts(Opts), Reader(Opts.In) {}
  int run();

private:
  enum class StateKind { Uninitialized, Running, ShutDown };

  const ServerOptions &Opts;
  lsp::MessageReader Reader;
  StateKind State = StateKind::Uninitialized;
  bool Exited = false;
  bool Broken = false;                  ///< the output is gone
  std::string Root;                     ///< the workspace root: what `nplus1 check ROOT` checks
  std::map<std::string, Document> Open; ///< by absolute path
  /// The analysis the published diagnostics come from; null before the first one.
  std::unique_ptr<Analysis> Last;
  llvm::DenseMap<const parse::SourceFile *, std::string> AbsOf; ///< into Last's sources
  llvm::StringSet<> Known;               ///< absolute paths of the files Last analyzed
  std::map<std::string, json> Published; ///< absolute path -> its non-empty diagnostics
  /// Open documents: the version their diagnostics were last published for.
  std::map<std::string, std::optional<int64_t>> SentVersion;
  bool Dirty = false;      ///< the project or a document changed since Last
  std::string ConfigError; ///< the last configuration error shown to the user
  // What the client can take.
  bool Markdown = true;
  bool DocumentChanges = false;

  void handle(const json &Message);
  json request(const std::string &Method, const json &Params);
  void notification(const std::string &Method, const json &Params);
  void send(const json &Message);
  void respondError(const json &Id, int Code, llvm::StringRef Message);
  void notify(llvm::StringRef Method, json Params);

  json initialize(const json &Params);
  void didOpen(const json &Params);
  void didChange(const json &Params);
  void didClose(const json &Params);
  json codeAction(const json &Params);
  json hover(const json &Params);

  /// Marks the project for analysis when \p Path can matter to it.
  void touched(const std::string &Path);
  void analyzeNow();
  void publish();
  std::string pathOf(const json &TextDocument) const;
  const std::string &absolute(const parse::SourceFile *F);
  std::string uriFor(const std::string &Path) const;
  json diagnosticJson(const rules::Diagnostic &D);
  json editJson(const std::vector<fix::Edit> &Edits);
  /// The findings located in the file at \p Path, in the last analysis.
  std::vector<const rules::Diagnostic *> findingsIn(const std::string &Path);
};

/// Logs to stderr, which editors show as the server's log.
llvm::raw_ostream &serverLog() { return llvm::errs() << "nplus1 server: "; }

/// True when the JSON array \p Array holds the string \p S.
bool holds(const json &Array, const char *S) {
  return Array.is_array() && std::find(Array.begin(), Array.end(), json(S)) != Array.end();
}

std::string normalized(llvm::StringRef Path) {
  llvm::SmallString<256> Abs(Path);
  llvm::sys::fs::make_absolute(Abs);
  llvm::sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
  return std::string(Abs);
}

int Server::run() {
  for (;;) {
    std::string Body, Why;
    lsp::ReadKind K = Reader.read(Body, Dirty ? int(Opts.DebounceMs) : -1, Why);
    if (K == lsp::ReadKind::Timeout) {
      analyzeNow();
    } else if (K == lsp::ReadKind::End) {
      return State == StateKind::ShutDown ? 0 : 1;
    } else if (K == lsp::ReadKind::BadHeader) {
      serverLog() << "skipped a malformed message: " << Why << "\n";
      respondError(nullptr, lsp::ParseError, "malformed message header: " + Why);
    } else {
      json Message = json::parse(Body, nullptr, /*allow_exceptions=*/false);
      if (Message.is_discarded())
        respondError(nullptr, lsp::ParseError, "the message is not valid JSON");
      else
        handle(Message);
    }
    if (Exited)
      return State == StateKind::ShutDown ? 0 : 1;
    if (Broken)
      return 1;
  }
}

void Server::send(const json &Message) {
  if (!Broken && !lsp::writeMessage(Opts.Out, Message))
    Broken = true;
}

void Server::respondError(const json &Id, int Code, llvm::StringRef Message) {
  send({{"jsonrpc", "2.0"}, {"id", Id}, {"error", {{"code", Code}, {"message", Message.str()}}}});
}

void Server::notify(llvm::StringRef Method, json Params) {
  send({{"jsonrpc", "2.0"}, {"method", Method.str()}, {"params", std::move(Params)}});
}

void Server::handle(const json &Message) {
  if (!Message.is_object())
    return respondError(nullptr, lsp::InvalidRequest, "a message must be a JSON object");
  auto IdIt = Message.find("id");
  bool IsRequest = IdIt != Message.end();
  json Id = IsRequest ? *IdIt : json();
  auto MethodIt = Message.find("method");
  if (MethodIt == Message.end())
    return; // a response: the server sends no requests
  if (!MethodIt->is_string() || (IsRequest && !Id.is_string() && !Id.is_number_integer()))
    return respondError(IsRequest && (Id.is_string() || Id.is_number_integer()) ? Id : json(),
                        lsp::InvalidRequest,
                        "a request needs a string method and a string or integer id");
  std::string Method = MethodIt->get<std::string>();
  json Params = Message.value("params", json::object());
  if (State == StateKind::Uninitialized && Method != "initialize") {
    if (Method == "exit")
      Exited = true;
    else if (IsRequest)
      respondError(Id, lsp::ServerNotInitialized, "the server is not initialized yet");
    return;
  }
  if (!IsRequest) {
    try {
      notification(Method, Params);
    } catch (const std::exception &E) {
      serverLog() << Method << ": ignored: " << E.what() << "\n";
    }
    return;
  }
  if (State == StateKind::ShutDown)
    return respondError(Id, lsp::InvalidRequest, "the server is shutting down");
  try {
    json Result = request(Method, Params);
    send({{"jsonrpc", "2.0"}, {"id", Id}, {"result", std::move(Result)}});
  } catch (const RequestError &E) {
    respondError(Id, E.Code, E.what());
  } catch (const json::exception &E) {
    respondError(Id, lsp::InvalidParams, std::string("invalid params: ") + E.what());
  } catch (const std::exception &E) {
    respondError(Id, lsp::InternalError, E.what());
  }
}

json Server::request(const std::string &Method, const json &Params) {
  if (Method == "initialize") {
    if (State != StateKind::Uninitialized)
      throw RequestError{lsp::InvalidRequest, "the server is already initialized"};
    return initialize(Params);
  }
  if (Method == "shutdown") {
    State = StateKind::ShutDown;
    return nullptr;
  }
  if (Method == "textDocument/codeAction")
    return codeAction(Params);
  if (Method == "textDocument/hover")
    return hover(Params);
  throw RequestError{lsp::MethodNotFound, "unknown method " + Method};
}

void Server::notification(const std::string &Method, const json &Params) {
  if (Method == "initialized") {
    Dirty = true; // the whole project's findings, before any file is opened
  } else if (Method == "exit") {
    Exited = true;
  } else if (Method == "textDocument/didOpen") {
    didOpen(Params);
  } else if (Method == "textDocument/didChange") {
    didChange(Params);
  } else if (Method == "textDocument/didClose") {
    didClose(Params);
  } else if (Method == "textDocument/didSave" || Method == "workspace/didChangeWatchedFiles") {
    Dirty = true; // files on disk changed, perhaps new ones, perhaps the settings
  }
  // Anything else ($/cancelRequest, $/setTrace, ...) needs nothing from us.
}

json Server::initialize(const json &Params) {
  auto RootUri = [&]() -> std::string {
    if (auto F = Params.find("workspaceFolders");
        F != Params.end() && F->is_array() && !F->empty()) {
      if (F->size() > 1)
        serverLog() << "several workspace folders: analyzing the first one only\n";
      return F->front().at("uri").get<std::string>();
    }
    if (auto U = Params.find("rootUri"); U != Params.end() && U->is_string())
      return *U;
    return "";
  }();
  if (!RootUri.empty()) {
    std::optional<std::string> P = lsp::uriToPath(RootUri);
    if (!P)
      throw RequestError{lsp::InvalidParams, "the workspace root is not a file: URI: " + RootUri};
    Root = *P;
  } else if (auto P = Params.find("rootPath"); P != Params.end() && P->is_string()) {
    Root = normalized(P->get<std::string>());
  }
  // Otherwise the root is the project of the first document opened.
  json Caps = Params.value("capabilities", json::object());
  if (!Caps.is_object())
    Caps = json::object();
  json Formats = Caps.value(json::json_pointer("/textDocument/hover/contentFormat"), json::array());
  Markdown = Formats.empty() || holds(Formats, "markdown");
  DocumentChanges =
      Caps.value(json::json_pointer("/workspace/workspaceEdit/documentChanges"), false);
  State = StateKind::Running;
  serverLog() << "workspace " << (Root.empty() ? "(none yet)" : Root) << "\n";
  return {{"capabilities",
           {{"positionEncoding", "utf-16"},
            {"textDocumentSync",
             {{"openClose", true}, {"change", 1 /* full */}, {"save", {{"includeText", false}}}}},
            {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
            {"hoverProvider", true}}},
          {"serverInfo", {{"name", "nplus1"}, {"version", report::ToolVersion}}}};
}

std::string Server::pathOf(const json &TextDocument) const {
  std::string Uri = TextDocument.at("uri").get<std::string>();
  std::optional<std::string> P = lsp::uriToPath(Uri);
  if (!P)
    throw RequestError{lsp::InvalidParams, "not a file: URI: " + Uri};
  return *P;
}

void Server::touched(const std::string &Path) {
  if (Root.empty()) {
    Root = discover::findProjectRoot({Path});
    serverLog() << "workspace " << Root << " (the project of " << Path << ")\n";
  }
  // A file the analysis did not read (another language, excluded, outside the project)
  // changes nothing.
  if (!Last || Known.contains(Path))
    Dirty = true;
}

void Server::didOpen(const json &Params) {
  const json &TD = Params.at("textDocument");
  std::string Path = pathOf(TD);
  Open[Path] = {TD.at("uri").get<std::string>(), TD.at("text").get<std::string>(),
                TD.value("version", int64_t(0))};
  touched(Path);
}

void Server::didChange(const json &Params) {
  const json &TD = Params.at("textDocument");
  std::string Path = pathOf(TD);
  auto It = Open.find(Path);
  if (It == Open.end())
    throw RequestError{lsp::InvalidParams, "didChange of a document not open: " + Path};
  Document &Doc = It->second;
  for (const json &Change : Params.at("contentChanges")) {
    std::string Text = Change.at("text").get<std::string>();
    auto Range = Change.find("range");
    if (Range == Change.end()) {
      Doc.Text = std::move(Text);
      continue;
    }
    // An incremental change, from a client that sends them anyway.
    uint32_t B = lsp::offsetOf(Doc.Text, lsp::positionFromJson(Range->at("start")));
    uint32_t E = lsp::offsetOf(Doc.Text, lsp::positionFromJson(Range->at("end")));
    Doc.Text.replace(B, std::max(B, E) - B, Text);
  }
  Doc.Version = TD.value("version", Doc.Version);
  touched(Path);
}

void Server::didClose(const json &Params) {
  std::string Path = pathOf(Params.at("textDocument"));
  SentVersion.erase(Path);
  if (Open.erase(Path))
    touched(Path); // the file on disk counts again
}

void Server::analyzeNow() {
  Dirty = false;
  if (Root.empty())
    return;
  auto Start = std::chrono::steady_clock::now();
  discover::Options Opts;
  Opts.Paths = {Root};
  for (const auto &[Path, Doc] : Open)
    Opts.Contents[Path] = Doc.Text;
  llvm::Expected<Config> Settings = configure(Opts, {}, {});
  if (!Settings) {
    std::string Why = llvm::toString(Settings.takeError());
    serverLog() << Why << "\n";
    if (Why != ConfigError)
      notify("window/showMessage", {{"type", 1}, {"message", "nplus1: " + Why}});
    ConfigError = Why;
    return;
  }
  ConfigError.clear();
  CacheOptions Cache;
  Cache.Use = true;
  Cache.Key = cacheKey(*Settings);
  Cache.LongLived = true;
  auto A = std::make_unique<Analysis>(analyze(Opts, *Settings, Cache));
  for (const discover::Problem &P : A->Files.Problems)
    serverLog() << P.Path << ": " << P.Message << "\n";
  Last = std::move(A);
  AbsOf.clear();
  Known.clear();
  for (const discover::File &F : Last->Files.Files)
    Known.insert(F.AbsPath);
  publish();
  const RunStats &S = Last->Stats;
  serverLog() << Last->Diagnostics.size() << " finding(s); parsed " << S.Parsed << ", analyzed "
              << S.Analyzed << ", reused " << S.Reused << " module(s)"
              << (S.Full ? " (full run: " + S.CacheNote + ")" : "")
              << llvm::format(" in %.0f ms\n", std::chrono::duration<double, std::milli>(
                                                   std::chrono::steady_clock::now() - Start)
                                                   .count());
}

const std::string &Server::absolute(const parse::SourceFile *F) {
  auto [It, New] = AbsOf.try_emplace(F);
  if (New)
    It->second = normalized(F->path());
  return It->second;
}

std::string Server::uriFor(const std::string &Path) const {
  auto It = Open.find(Path);
  return It != Open.end() ? It->second.Uri : report::pathToUri(Path);
}

json Server::diagnosticJson(const rules::Diagnostic &D) {
  json Zero = {{"start", lsp::toJson({})}, {"end", lsp::toJson({})}};
  json J = {{"range", D.File ? lsp::rangeJson(*D.File, D.Where) : Zero},
            {"severity", report::severity(D.Code) == "error" ? 1 : 2},
            {"code", D.Code},
            {"source", "nplus1"},
            {"message", D.Message}};
  json Related = json::array();
  for (const rules::Note &N : D.Notes)
    if (N.File)
      Related.push_back(
          {{"location",
            {{"uri", uriFor(absolute(N.File))}, {"range", lsp::rangeJson(*N.File, N.Where)}}},
           {"message", N.Message}});
  if (!Related.empty())
    J["relatedInformation"] = std::move(Related);
  return J;
}

void Server::publish() {
  std::map<std::string, json> Now;
  for (const rules::Diagnostic &D : Last->Diagnostics) {
    std::string Path = D.File ? absolute(D.File) : normalized(D.Path);
    Now.try_emplace(Path, json::array()).first->second.push_back(diagnosticJson(D));
  }
  // Files whose findings are gone are cleared, the others are sent when they changed, and
  // an open document edited since is told its findings for its new version in any case.
  std::map<std::string, json> Send;
  for (const auto &[Path, Diags] : Published)
    if (!Now.count(Path))
      Send[Path] = json::array();
  for (const auto &[Path, Diags] : Now)
    if (auto It = Published.find(Path); It == Published.end() || It->second != Diags)
      Send[Path] = Diags;
  for (const auto &[Path, Doc] : Open)
    if (Known.contains(Path) && SentVersion[Path] != Doc.Version && !Send.count(Path))
      Send[Path] = Now.count(Path) ? Now[Path] : json::array();
  for (auto &[Path, Diags] : Send) {
    json Params = {{"uri", uriFor(Path)}, {"diagnostics", std::move(Diags)}};
    if (auto It = Open.find(Path); It != Open.end()) {
      Params["version"] = It->second.Version;
      SentVersion[Path] = It->second.Version;
    }
    notify("textDocument/publishDiagnostics", std::move(Params));
  }
  Published = std::move(Now);
}

std::vector<const rules::Diagnostic *> Server::findingsIn(const std::string &Path) {
  std::vector<const rules::Diagnostic *> Out;
  if (Dirty)
    analyzeNow(); // answer from the texts the editor has now
  if (!Last)
    return Out;
  for (const rules::Diagnostic &D : Last->Diagnostics)
    if (D.File && absolute(D.File) == Path)
      Out.push_back(&D);
  return Out;
}

json Server::editJson(const std::vector<fix::Edit> &Edits) {
  std::map<std::string, json> PerFile;
  for (const fix::Edit &E : Edits) {
    PerFile.try_emplace(absolute(E.File), json::array())
        .first->second.push_back(
            {{"range", lsp::rangeJson(*E.File, {E.Begin, E.End})}, {"newText", E.Text}});
  }
  if (!DocumentChanges) {
    json Changes = json::object();
    for (auto &[Path, TextEdits] : PerFile)
      Changes[uriFor(Path)] = std::move(TextEdits);
    return {{"changes", std::move(Changes)}};
  }
  // With versions, a client refuses the edit if the document moved on meanwhile.
  json Changes = json::array();
  for (auto &[Path, TextEdits] : PerFile) {
    auto It = Open.find(Path);
    json Version = It == Open.end() ? json() : json(It->second.Version);
    Changes.push_back({{"textDocument", {{"uri", uriFor(Path)}, {"version", Version}}},
                       {"edits", std::move(TextEdits)}});
  }
  return {{"documentChanges", std::move(Changes)}};
}

json Server::codeAction(const json &Params) {
  std::string Path = pathOf(Params.at("textDocument"));
  lsp::Position From = lsp::positionFromJson(Params.at("range").at("start"));
  lsp::Position To = lsp::positionFromJson(Params.at("range").at("end"));
  json Only = Params.value(json::json_pointer("/context/only"), json::array());
  bool Wanted = Only.empty() || holds(Only, "quickfix");
  json Actions = json::array();
  if (!Wanted)
    return Actions;
  std::map<std::string, size_t> Seen; // one action per title and edit
  auto Add = [&](const rules::Diagnostic &D, std::string Title, const std::vector<fix::Edit> &Edits,
                 bool Preferred) {
    if (Edits.empty())
      return;
    json Edit = editJson(Edits);
    auto [It, New] = Seen.try_emplace(Title + "\n" + Edit.dump(), Actions.size());
    if (!New) {
      Actions[It->second]["diagnostics"].push_back(diagnosticJson(D));
      return;
    }
    Actions.push_back({{"title", std::move(Title)},
                       {"kind", "quickfix"},
                       {"diagnostics", {diagnosticJson(D)}},
                       {"isPreferred", Preferred},
                       {"edit", std::move(Edit)}});
  };
  for (const rules::Diagnostic *D : findingsIn(Path)) {
    uint32_t B = lsp::offsetOf(D->File->text(), From), E = lsp::offsetOf(D->File->text(), To);
    if (D->Where.Begin > E || B > D->Where.End)
      continue;
    if (D->Fix && D->Fix->Applies != rules::Applicability::DisplayOnly) {
      bool Safe = D->Fix->Applies == rules::Applicability::Safe;
      Add(*D, "nplus1: " + D->FixTitle + (Safe ? " (safe)" : " (unsafe)"), report::fixEdits(*D),
          Safe);
    }
    // Other fixes (Django 6.1's fetch mode), never preferred.
    for (const rules::Alternative &A : D->Alternatives) {
      std::vector<fix::Edit> Edits;
      for (const rules::FrozenEdit &F : A.Edits)
        Edits.push_back({F.File, F.Where.Begin, F.Where.End, F.Text});
      Add(*D, "nplus1: " + A.Title + " (" + report::applicabilityName(A.Applies).str() + ")", Edits,
          false);
    }
  }
  return Actions;
}

json Server::hover(const json &Params) {
  std::string Path = pathOf(Params.at("textDocument"));
  lsp::Position At = lsp::positionFromJson(Params.at("position"));
  std::vector<std::string> Codes;
  const rules::Diagnostic *First = nullptr;
  for (const rules::Diagnostic *D : findingsIn(Path)) {
    uint32_t Off = lsp::offsetOf(D->File->text(), At);
    if (Off < D->Where.Begin || (Off >= D->Where.End && Off != D->Where.Begin))
      continue;
    First = First ? First : D;
    if (!llvm::is_contained(Codes, D->Code))
      Codes.push_back(D->Code);
  }
  if (!First)
    return nullptr;
  std::string Text;
  for (const std::string &Code : Codes)
    if (const rules::Rule *R = rules::findRule(Code))
      Text += (Text.empty() ? "" : "\n\n---\n\n") + ruleDocumentation(R->info());
  return {{"contents", {{"kind", Markdown ? "markdown" : "plaintext"}, {"value", Text}}},
          {"range", lsp::rangeJson(*First->File, First->Where)}};
}

} // namespace

int runServer(const ServerOptions &Opts) {
  // A client that goes away makes writes fail; it must not kill the process first.
  std::signal(SIGPIPE, SIG_IGN);
  Server S(Opts);
  return S.run();
}

} // namespace nplus1::driver
