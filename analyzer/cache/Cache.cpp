#include "cache/Cache.h"

#include "index/Codec.h"
#include "report/Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

namespace nplus1::cache {

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

/// The payload after the magic line and the checksum (which load() has verified).
llvm::Expected<State> decode(llvm::StringRef Payload) {
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
  if (!R.failed() && !R.done())
    R.fail("trailing bytes");
  if (R.failed())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", R.error().str().c_str());
  return S;
}

Json range(parse::Range R) { return {R.Begin, R.End}; }

/// Reads the fields of a freeze()d finding. A field that is missing or of another type
/// marks the whole finding malformed (failed()) and reads as empty: nothing throws, and
/// thaw() looks once at the end.
class FieldReader {
public:
  const Json &at(const Json &J, const char *Key) {
    auto It = J.is_object() ? J.find(Key) : J.end();
    if (It == J.end())
      return bad();
    return *It;
  }
  const Json &item(const Json &J, size_t Index) {
    if (!J.is_array() || Index >= J.size())
      return bad();
    return J[Index];
  }
  /// An array field: its elements, or none when it is not an array.
  const Json &array(const Json &J) {
    if (!J.is_array())
      return bad(EmptyArray);
    return J;
  }
  std::string str(const Json &J) {
    if (!J.is_string()) {
      Failed = true;
      return "";
    }
    return J.get<std::string>();
  }
  std::string str(const Json &J, const char *Key) { return str(at(J, Key)); }
  uint32_t u32(const Json &J) {
    if (!J.is_number()) {
      Failed = true;
      return 0;
    }
    return J.get<uint32_t>();
  }
  int integer(const Json &J, const char *Key) {
    const Json &V = at(J, Key);
    if (!V.is_number()) {
      Failed = true;
      return 0;
    }
    return V.get<int>();
  }
  parse::Range range(const Json &J) { return {u32(item(J, 0)), u32(item(J, 1))}; }
  bool failed() const { return Failed; }

private:
  const Json &bad(const Json &Empty = None) {
    Failed = true;
    return Empty;
  }
  static inline const Json None;
  static inline const Json EmptyArray = Json::array();
  bool Failed = false;
};

/// Whether every range of \p D still lies inside its file (and every note and edit has one).
bool rangesFit(const rules::Diagnostic &D) {
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
  return Ok;
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

llvm::Expected<nlohmann::json> Blob::decode() const {
  llvm::StringRef B = bytes();
  if (B.empty())
    return nullptr;
  Json J = Json::from_msgpack(B.bytes_begin(), B.bytes_end(), /*strict=*/true,
                              /*allow_exceptions=*/false);
  if (J.is_discarded())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "malformed MessagePack in the cache");
  return J;
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

llvm::Expected<State> load(llvm::StringRef Dir, llvm::StringRef Key) {
  auto Fail = [](const char *Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", Why);
  };
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, FileName);
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf)
    return Fail("no cache yet");
  llvm::StringRef Bytes = (*Buf)->getBuffer();
  // magic, 16 hex digits of the payload's hash, newline, payload
  if (!Bytes.consume_front(Magic) || Bytes.size() < 17 || Bytes[16] != '\n')
    return Fail("cache file of another format");
  uint64_t Want = 0;
  if (Bytes.take_front(16).getAsInteger(16, Want) ||
      llvm::xxh3_64bits(Bytes.drop_front(17)) != Want)
    return Fail("cache file corrupt or truncated");
  llvm::Expected<State> S = decode(Bytes.drop_front(17));
  if (!S)
    return Fail(("cache file unreadable: " + llvm::toString(S.takeError())).c_str());
  S->Buffer = std::shared_ptr<llvm::MemoryBuffer>(std::move(*Buf));
  if (S->Key != Key)
    return Fail("cache written by another build or with other settings");
  return S;
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
  Json J = {{"code", D.Code},
            {"name", D.Name},
            {"file", Rel(D.File)},
            {"path", D.Path},
            {"where", range(D.Where)},
            {"message", D.Message},
            {"title", D.FixTitle},
            {"nofix", D.NoFix},
            {"model", D.Model},
            {"relation", D.Relation},
            {"qfile", Rel(D.QuerysetFile)},
            {"qwhere", range(D.QuerysetWhere)},
            {"headline", D.Headline},
            {"lfile", Rel(D.LoopFile)},
            {"lwhere", range(D.LoopWhere)},
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
    Alts.push_back(
        {{"title", A.Title}, {"applies", int(A.Applies)}, {"why", A.Why}, {"edits", Edits}});
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
  FieldReader R;
  bool Missing = false;
  auto Src = [&](const Json &P) -> const parse::SourceFile * {
    if (P.is_null())
      return nullptr;
    const parse::SourceFile *F = File(R.str(P));
    Missing |= !F;
    return F;
  };
  auto Edits = [&](const Json &List) {
    std::vector<rules::FrozenEdit> Out;
    for (const Json &E : R.array(List))
      Out.push_back(
          {Src(R.item(E, 0)), {R.u32(R.item(E, 1)), R.u32(R.item(E, 2))}, R.str(R.item(E, 3))});
    return Out;
  };
  rules::Diagnostic D;
  D.Code = R.str(J, "code");
  D.Name = R.str(J, "name");
  D.File = Src(R.at(J, "file"));
  D.Path = R.str(J, "path");
  D.Where = R.range(R.at(J, "where"));
  D.Message = R.str(J, "message");
  D.FixTitle = R.str(J, "title");
  D.NoFix = R.str(J, "nofix");
  D.Model = R.str(J, "model");
  D.Relation = R.str(J, "relation");
  D.QuerysetFile = Src(R.at(J, "qfile"));
  D.QuerysetWhere = R.range(R.at(J, "qwhere"));
  D.Headline = R.str(J, "headline");
  D.LoopFile = Src(R.at(J, "lfile"));
  D.LoopWhere = R.range(R.at(J, "lwhere"));
  D.Lookup = R.str(J, "lookup");
  for (const Json &N : R.array(R.at(J, "notes")))
    D.Notes.push_back({Src(R.item(N, 0)), R.range(R.item(N, 1)), R.str(R.item(N, 2))});
  if (const Json &Fix = R.at(J, "fix"); !Fix.is_null()) {
    rules::FixIntent I;
    I.Method = rules::FixIntent::MethodKind(R.integer(Fix, "method"));
    I.Path = R.str(Fix, "path");
    I.Applies = rules::Applicability(R.integer(Fix, "applies"));
    I.UnsafeWhy = R.str(Fix, "why");
    D.Fix = std::move(I);
    D.FrozenEdits = Edits(R.at(Fix, "edits"));
  }
  for (const Json &A : R.array(R.at(J, "alts"))) {
    rules::Alternative Alt;
    Alt.Title = R.str(A, "title");
    Alt.Applies = rules::Applicability(R.integer(A, "applies"));
    Alt.Why = R.str(A, "why");
    Alt.Edits = Edits(R.at(A, "edits"));
    D.Alternatives.push_back(std::move(Alt));
  }
  if (R.failed() || Missing || !rangesFit(D))
    return std::nullopt;
  return D;
}

} // namespace nplus1::cache
