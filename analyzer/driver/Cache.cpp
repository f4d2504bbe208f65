#include "driver/Cache.h"

#include "index/Codec.h"
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
constexpr llvm::StringLiteral Magic = "nplus1-cache 4\n";
constexpr llvm::StringLiteral FileName = "cache.bin";

using index::codec::Reader;
using index::codec::Writer;

std::string encode(const State &S) {
  Writer W;
  W.bytes(S.Key);
  W.u64(uint64_t(S.WrittenAt));
  W.u64(S.Files.size());
  for (const auto &[Path, F] : S.Files) {
    W.bytes(Path);
    W.u64(F.Size);
    W.u64(uint64_t(F.MTime));
    W.u64(F.Hash);
    W.bytes(F.ParseDiag.bytes());
  }
  W.deps(S.GraphDeps);
  W.bytes(S.Graph.bytes());
  W.u64(S.Modules.size());
  for (const auto &[Path, M] : S.Modules) {
    W.bytes(Path);
    if (!M.Raw.empty()) {
      W.Out.append(M.Raw.data(), M.Raw.size());
      continue;
    }
    W.bytes(M.Name);
    W.u64(M.Hash);
    W.deps(M.Modules);
    W.deps(M.Templates);
    W.strings(M.Imports);
    W.strings(M.DiagFiles);
    W.bytes(M.Diags.bytes());
  }
  return std::move(W.Out);
}

State decode(llvm::StringRef Payload) {
  Reader R(Payload);
  State S;
  S.Key = R.bytes().str();
  S.WrittenAt = int64_t(R.u64());
  for (size_t I = 0, N = R.count(); I < N; ++I) {
    std::string Path = R.bytes().str();
    FileRecord F;
    F.Size = R.u64();
    F.MTime = int64_t(R.u64());
    F.Hash = R.u64();
    F.ParseDiag = Blob::view(R.bytes());
    S.Files.emplace_hint(S.Files.end(), std::move(Path), std::move(F));
  }
  S.GraphDeps = R.deps();
  S.Graph = Blob::view(R.bytes());
  for (size_t I = 0, N = R.count(); I < N; ++I) {
    std::string Path = R.bytes().str();
    size_t Start = R.offset();
    ModuleRecord M;
    M.Name = R.bytes().str();
    M.Hash = R.u64();
    M.Modules = R.deps();
    M.Templates = R.deps();
    M.Imports = R.strings();
    M.DiagFiles = R.strings();
    M.Diags = Blob::view(R.bytes());
    M.Raw = R.since(Start);
    S.Modules.emplace_hint(S.Modules.end(), std::move(Path), std::move(M));
  }
  if (!R.done())
    throw std::runtime_error("trailing bytes");
  return S;
}

Json range(parse::Range R) { return {R.Begin, R.End}; }

parse::Range rangeFrom(const Json &J) {
  return {J.at(0).get<uint32_t>(), J.at(1).get<uint32_t>()};
}

} // namespace

Blob Blob::encode(const nlohmann::json &J) {
  Blob B;
  if (J.is_null())
    return B;
  std::vector<uint8_t> Bytes = Json::to_msgpack(J);
  B.Owned.assign(Bytes.begin(), Bytes.end());
  return B;
}

Blob Blob::view(llvm::StringRef Bytes) {
  Blob B;
  B.View = Bytes;
  return B;
}

nlohmann::json Blob::decode() const {
  llvm::StringRef B = bytes();
  if (B.empty())
    return nullptr;
  return Json::from_msgpack(B.bytes_begin(), B.bytes_end());
}

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
    State S = decode(Bytes);
    S.Buffer = std::shared_ptr<llvm::MemoryBuffer>(std::move(*Buf));
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
  std::string Payload = encode(S);
  llvm::StringRef P(Payload);
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
  // A range that does not lie in its file would not read back (thaw() checks): such a
  // finding is not cached either, so only its module is analyzed again next run, instead
  // of the whole cache being thrown away as stale.
  auto Fits = [&](const parse::SourceFile *F, parse::Range R) {
    Outside |= F && !(R.Begin <= R.End && R.End <= F->text().size());
  };
  Fits(D.File, D.Where);
  Fits(D.QuerysetFile, D.QuerysetWhere);
  for (const rules::Note &N : D.Notes)
    Fits(N.File, N.Where);
  if (D.Fix)
    for (const fix::Edit &E : report::fixEdits(D))
      Fits(E.File, {E.Begin, E.End});
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
            {"title", D.FixTitle},  {"nofix", D.NoFix},       {"model", D.Model},       {"relation", D.Relation},
            {"qfile", Rel(D.QuerysetFile)}, {"qwhere", range(D.QuerysetWhere)},
            {"headline", D.Headline}, {"lfile", Rel(D.LoopFile)}, {"lwhere", range(D.LoopWhere)},
            {"lookup", D.Lookup}};
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
  Json Alts = Json::array();
  for (const rules::Alternative &A : D.Alternatives) {
    Json Edits = Json::array();
    for (const rules::FrozenEdit &E : A.Edits)
      Edits.push_back({Rel(E.File), E.Where.Begin, E.Where.End, E.Text});
    Alts.push_back({{"title", A.Title}, {"applies", int(A.Applies)}, {"why", A.Why},
                    {"edits", Edits}});
  }
  J["alts"] = Alts;
  return Outside ? Json() : J;
}

std::vector<std::string> filesOf(const Json &Frozen) {
  std::vector<std::string> Out;
  auto Add = [&](const Json &P) {
    if (P.is_string())
      Out.push_back(P.get<std::string>());
  };
  auto Field = [](const Json &J, const char *Key) -> const Json & {
    static const Json None;
    auto It = J.find(Key);
    return It == J.end() ? None : *It;
  };
  if (!Frozen.is_object())
    return Out;
  Add(Field(Frozen, "file"));
  Add(Field(Frozen, "qfile"));
  Add(Field(Frozen, "lfile"));
  if (const Json &Notes = Field(Frozen, "notes"); Notes.is_array())
    for (const Json &N : Notes)
      if (N.is_array() && !N.empty())
        Add(N[0]);
  auto AddEdits = [&](const Json &Fix) {
    if (!Fix.is_object())
      return;
    if (const Json &Edits = Field(Fix, "edits"); Edits.is_array())
      for (const Json &E : Edits)
        if (E.is_array() && !E.empty())
          Add(E[0]);
  };
  AddEdits(Field(Frozen, "fix"));
  if (const Json &Alts = Field(Frozen, "alts"); Alts.is_array())
    for (const Json &A : Alts)
      AddEdits(A);
  return Out;
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
    D.NoFix = J.at("nofix").get<std::string>();
    D.Model = J.at("model").get<std::string>();
    D.Relation = J.at("relation").get<std::string>();
    D.QuerysetFile = Src(J.at("qfile"));
    D.QuerysetWhere = rangeFrom(J.at("qwhere"));
    D.Headline = J.at("headline").get<std::string>();
    D.LoopFile = Src(J.at("lfile"));
    D.LoopWhere = rangeFrom(J.at("lwhere"));
    D.Lookup = J.at("lookup").get<std::string>();
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
    for (const Json &A : J.at("alts")) {
      rules::Alternative Alt;
      Alt.Title = A.at("title").get<std::string>();
      Alt.Applies = rules::Applicability(A.at("applies").get<int>());
      Alt.Why = A.at("why").get<std::string>();
      for (const Json &E : A.at("edits"))
        Alt.Edits.push_back({Src(E.at(0)), {E.at(1).get<uint32_t>(), E.at(2).get<uint32_t>()},
                             E.at(3).get<std::string>()});
      D.Alternatives.push_back(std::move(Alt));
    }
    if (Missing)
      return std::nullopt;
    // Every range must still lie inside its file.
    auto Inside = [](const parse::SourceFile *F, parse::Range R) {
      return !F || (R.Begin <= R.End && R.End <= F->text().size());
    };
    bool Ok = Inside(D.File, D.Where) && Inside(D.QuerysetFile, D.QuerysetWhere) &&
              Inside(D.LoopFile, D.LoopWhere);
    for (const rules::Note &N : D.Notes)
      Ok &= N.File && Inside(N.File, N.Where);
    if (D.FrozenEdits)
      for (const rules::FrozenEdit &E : *D.FrozenEdits)
        Ok &= E.File && Inside(E.File, E.Where);
    for (const rules::Alternative &A : D.Alternatives)
      for (const rules::FrozenEdit &E : A.Edits)
        Ok &= E.File && Inside(E.File, E.Where);
    if (!Ok)
      return std::nullopt;
    return D;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

} // namespace nplus1::driver::cache
