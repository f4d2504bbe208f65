#include "driver/Cache.h"

#include "report/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

namespace nplus1::driver::cache {

namespace {

using Json = nlohmann::json;

/// The file's first line; the format version is part of it.
constexpr llvm::StringLiteral Magic = "nplus1-cache 1\n";
constexpr llvm::StringLiteral FileName = "cache.bin";

Json deps(const DepMap &D) {
  Json J = Json::object();
  for (const auto &[Name, Hash] : D)
    J[Name] = Hash;
  return J;
}

DepMap depsFrom(const Json &J) {
  DepMap D;
  for (auto It = J.begin(); It != J.end(); ++It)
    D[It.key()] = It.value().get<uint64_t>();
  return D;
}

Json toJson(const State &S) {
  Json Files = Json::object();
  for (const auto &[Path, F] : S.Files)
    Files[Path] = {F.Size, F.MTime, F.Hash, F.ParseDiag};
  Json Modules = Json::object();
  for (const auto &[Path, M] : S.Modules)
    Modules[Path] = {{"name", M.Name},       {"hash", M.Hash},       {"modules", deps(M.Modules)},
                     {"templates", deps(M.Templates)}, {"imports", M.Imports}, {"diags", M.Diags}};
  return {{"key", S.Key},
          {"written", S.WrittenAt},
          {"files", Files},
          {"modules", Modules},
          {"graph", S.GraphFingerprint},
          {"graph_deps", deps(S.GraphDeps)}};
}

State fromJson(const Json &J) {
  State S;
  S.Key = J.at("key").get<std::string>();
  S.WrittenAt = J.at("written").get<int64_t>();
  for (auto It = J.at("files").begin(); It != J.at("files").end(); ++It) {
    const Json &F = It.value();
    S.Files[It.key()] = {F.at(0).get<uint64_t>(), F.at(1).get<int64_t>(),
                         F.at(2).get<uint64_t>(), F.at(3)};
  }
  for (auto It = J.at("modules").begin(); It != J.at("modules").end(); ++It) {
    const Json &M = It.value();
    ModuleRecord R;
    R.Name = M.at("name").get<std::string>();
    R.Hash = M.at("hash").get<uint64_t>();
    R.Modules = depsFrom(M.at("modules"));
    R.Templates = depsFrom(M.at("templates"));
    R.Imports = M.at("imports").get<std::vector<std::string>>();
    R.Diags = M.at("diags");
    if (!R.Diags.is_array())
      throw std::runtime_error("diags is not an array");
    S.Modules[It.key()] = std::move(R);
  }
  S.GraphFingerprint = J.at("graph").get<uint64_t>();
  S.GraphDeps = depsFrom(J.at("graph_deps"));
  return S;
}

Json range(parse::Range R) { return {R.Begin, R.End}; }

parse::Range rangeFrom(const Json &J) {
  return {J.at(0).get<uint32_t>(), J.at(1).get<uint32_t>()};
}

} // namespace

std::string directory(llvm::StringRef Root, llvm::StringRef Override) {
  if (!Override.empty())
    return Override.str();
  llvm::SmallString<256> Dir(Root);
  llvm::sys::path::append(Dir, ".nplus1_cache");
  return std::string(Dir);
}

uint64_t contentHash(llvm::StringRef Bytes) {
  uint64_t H = llvm::xxh3_64bits(Bytes);
  return H ? H : 1;
}

std::optional<State> load(llvm::StringRef Dir, llvm::StringRef Key, std::string &Why) {
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, FileName);
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Why = "no cache yet";
    return std::nullopt;
  }
  llvm::StringRef Bytes = (*Buf)->getBuffer();
  // magic, 16 hex digits of the payload's hash, newline, payload
  if (!Bytes.consume_front(Magic) || Bytes.size() < 17 || Bytes[16] != '\n') {
    Why = "cache file of another format";
    return std::nullopt;
  }
  uint64_t Want = 0;
  if (Bytes.take_front(16).getAsInteger(16, Want) ||
      llvm::xxh3_64bits(Bytes.drop_front(17)) != Want) {
    Why = "cache file corrupt or truncated";
    return std::nullopt;
  }
  Bytes = Bytes.drop_front(17);
  try {
    Json J = Json::from_msgpack(Bytes.bytes_begin(), Bytes.bytes_end());
    State S = fromJson(J);
    if (S.Key != Key) {
      Why = "cache written by another build or with other settings";
      return std::nullopt;
    }
    return S;
  } catch (const std::exception &E) {
    Why = std::string("cache file unreadable: ") + E.what();
    return std::nullopt;
  }
}

bool save(llvm::StringRef Dir, const State &S) {
  if (llvm::sys::fs::create_directories(Dir))
    return false;
  llvm::SmallString<256> Ignore(Dir);
  llvm::sys::path::append(Ignore, ".gitignore");
  if (!llvm::sys::fs::exists(Ignore)) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Ignore, EC);
    if (!EC)
      OS << "# Created by nplus1 (its incremental cache).\n*\n";
  }
  std::vector<uint8_t> Payload = Json::to_msgpack(toJson(S));
  llvm::StringRef P(reinterpret_cast<const char *>(Payload.data()), Payload.size());
  std::string Content = Magic.str();
  Content += llvm::utohexstr(llvm::xxh3_64bits(P), /*LowerCase=*/true, /*Width=*/16);
  Content += '\n';
  Content += P;
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, FileName);
  // Through a temporary file and a rename: a concurrent run reads the old cache or the
  // new one, never half of one.
  llvm::SmallString<256> Model(Path);
  Model += ".tmp-%%%%%%";
  int FD;
  llvm::SmallString<256> Temp;
  if (llvm::sys::fs::createUniqueFile(Model, FD, Temp))
    return false;
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Content;
    OS.close();
    if (OS.has_error()) {
      OS.clear_error();
      llvm::sys::fs::remove(Temp);
      return false;
    }
  }
  if (llvm::sys::fs::rename(Temp, Path)) {
    llvm::sys::fs::remove(Temp);
    return false;
  }
  return true;
}

Json freeze(const rules::Diagnostic &D,
            const std::function<std::optional<std::string>(const parse::SourceFile *)> &RelPath) {
  bool Outside = false;
  auto Rel = [&](const parse::SourceFile *F) -> Json {
    if (!F)
      return nullptr;
    std::optional<std::string> R = RelPath(F);
    if (!R) {
      Outside = true;
      return nullptr;
    }
    return *R;
  };
  Json J = {{"code", D.Code},       {"name", D.Name},         {"file", Rel(D.File)},
            {"path", D.Path},       {"where", range(D.Where)}, {"message", D.Message},
            {"title", D.FixTitle},  {"model", D.Model},       {"relation", D.Relation},
            {"qfile", Rel(D.QuerysetFile)}, {"qwhere", range(D.QuerysetWhere)}};
  Json Notes = Json::array();
  for (const rules::Note &N : D.Notes)
    Notes.push_back({Rel(N.File), range(N.Where), N.Message});
  J["notes"] = Notes;
  if (D.Fix) {
    Json Edits = Json::array();
    for (const fix::Edit &E : report::fixEdits(D))
      Edits.push_back({Rel(E.File), E.Begin, E.End, E.Text});
    J["fix"] = {{"method", int(D.Fix->Method)},
                {"path", D.Fix->Path},
                {"applies", int(D.Fix->Applies)},
                {"why", D.Fix->UnsafeWhy},
                {"edits", Edits}};
  } else {
    J["fix"] = nullptr;
  }
  return Outside ? Json() : J;
}

std::optional<rules::Diagnostic>
thaw(const Json &J, const std::function<const parse::SourceFile *(const std::string &)> &File) {
  try {
    bool Missing = false;
    auto Src = [&](const Json &P) -> const parse::SourceFile * {
      if (P.is_null())
        return nullptr;
      const parse::SourceFile *F = File(P.get<std::string>());
      Missing |= !F;
      return F;
    };
    rules::Diagnostic D;
    D.Code = J.at("code").get<std::string>();
    D.Name = J.at("name").get<std::string>();
    D.File = Src(J.at("file"));
    D.Path = J.at("path").get<std::string>();
    D.Where = rangeFrom(J.at("where"));
    D.Message = J.at("message").get<std::string>();
    D.FixTitle = J.at("title").get<std::string>();
    D.Model = J.at("model").get<std::string>();
    D.Relation = J.at("relation").get<std::string>();
    D.QuerysetFile = Src(J.at("qfile"));
    D.QuerysetWhere = rangeFrom(J.at("qwhere"));
    for (const Json &N : J.at("notes"))
      D.Notes.push_back({Src(N.at(0)), rangeFrom(N.at(1)), N.at(2).get<std::string>()});
    const Json &Fix = J.at("fix");
    if (!Fix.is_null()) {
      rules::FixIntent I;
      I.Method = rules::FixIntent::MethodKind(Fix.at("method").get<int>());
      I.Path = Fix.at("path").get<std::string>();
      I.Applies = rules::Applicability(Fix.at("applies").get<int>());
      I.UnsafeWhy = Fix.at("why").get<std::string>();
      D.Fix = std::move(I);
      D.FrozenEdits.emplace();
      for (const Json &E : Fix.at("edits"))
        D.FrozenEdits->push_back(
            {Src(E.at(0)), {E.at(1).get<uint32_t>(), E.at(2).get<uint32_t>()},
             E.at(3).get<std::string>()});
    }
    if (Missing)
      return std::nullopt;
    // Every range must still lie inside its file.
    auto Inside = [](const parse::SourceFile *F, parse::Range R) {
      return !F || (R.Begin <= R.End && R.End <= F->text().size());
    };
    bool Ok = Inside(D.File, D.Where) && Inside(D.QuerysetFile, D.QuerysetWhere);
    for (const rules::Note &N : D.Notes)
      Ok &= N.File && Inside(N.File, N.Where);
    if (D.FrozenEdits)
      for (const rules::FrozenEdit &E : *D.FrozenEdits)
        Ok &= E.File && Inside(E.File, E.Where);
    if (!Ok)
      return std::nullopt;
    return D;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

} // namespace nplus1::driver::cache
