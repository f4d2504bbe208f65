#include "driver/TemplateKinds.h"

#include "index/ModelGraph.h"
#include "index/TemplateEngines.h"
#include "parse/Jade.h"
#include "parse/Python.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace nplus1::driver {
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace {

/// Facts about directories, each looked up once.
class DirFacts {
public:
  bool isPackage(llvm::StringRef Dir) {
    auto [It, New] = Package.try_emplace(Dir, false);
    if (New) {
      llvm::SmallString<256> Init(Dir);
      path::append(Init, "__init__.py");
      It->second = fs::exists(Init);
    }
    return It->second;
  }
  bool holdsPython(llvm::StringRef Dir) {
    auto [It, New] = Python.try_emplace(Dir, false);
    if (New) {
      std::error_code EC;
      for (fs::directory_iterator I(Dir, EC), End; I != End && !EC; I.increment(EC))
        if (path::extension(I->path()) == ".py") {
          It->second = true;
          break;
        }
    }
    return It->second;
  }

private:
  llvm::StringMap<bool> Package, Python;
};

/// The template directory \p F's name is relative to.
std::string rootOf(const discover::File &F) {
  llvm::StringRef Abs = F.AbsPath;
  return Abs.drop_back(F.TemplateName.size() + 1).str();
}

/// Gives a `.jade`/`.pug` file its kind: a template only when the settings enable
/// pyjade (or pypugjs), compiled to the syntax of the engine that finds it (of the one
/// pyjade is set up for, when that engine's match rules pass the name to the other).
/// False when it is no template.
bool classifyJade(discover::File &F, const index::TemplateSettings &S,
                  index::TemplateEngineKind Engine) {
  if (Engine == index::TemplateEngineKind::NotTemplate || (!S.JadeDjango && !S.JadeJinja2))
    return false;
  bool Jinja2 = S.JadeJinja2 && (Engine == index::TemplateEngineKind::Jinja2 || !S.JadeDjango);
  F.Kind = Jinja2 ? discover::FileKind::JadeJinjaTemplate : discover::FileKind::JadeTemplate;
  return true;
}

} // namespace

void classifyTemplates(discover::Result &R, llvm::ArrayRef<std::string> ConfiguredDirs) {
  // The settings modules, parsed (a few small files; the run parses them again with the
  // rest).
  std::vector<std::unique_ptr<parse::py::Module>> Asts;
  std::vector<index::SettingsSource> Settings;
  std::vector<std::string> SettingsTexts;
  std::vector<std::string> WorkingDirs{R.Root};
  for (const discover::File &F : R.Files) {
    if (F.Kind != discover::FileKind::Python)
      continue;
    if (path::filename(F.AbsPath) == "manage.py")
      WorkingDirs.push_back(path::parent_path(F.AbsPath).str());
    if (!index::isSettingsModule(F.ModuleName))
      continue;
    auto Buf = llvm::MemoryBuffer::getFile(F.AbsPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!Buf || (*Buf)->getBuffer().contains('\0'))
      continue;
    SettingsTexts.push_back((*Buf)->getBuffer().str());
    Asts.push_back(
        parse::parsePython(std::make_shared<parse::SourceFile>(F.Path, (*Buf)->getBuffer().str())));
    Settings.push_back({F.ModuleName, F.AbsPath, F.IsPackage, Asts.back().get()});
  }
  index::TemplateSettings S = index::readTemplateSettings(Settings, WorkingDirs);
  for (const std::string &Text : SettingsTexts)
    index::notePyjade(S, Text);

  std::vector<std::string> Configured;
  for (const std::string &D : ConfiguredDirs) {
    llvm::SmallString<256> Abs(D);
    fs::make_absolute(Abs);
    path::remove_dots(Abs, /*remove_dot_dot=*/true);
    Configured.push_back(llvm::StringRef(Abs).rtrim('/').str());
  }
  DirFacts Dirs;
  llvm::erase_if(R.Files, [&](discover::File &F) {
    if (F.Kind != discover::FileKind::Template)
      return false;
    index::TemplatePlace P;
    P.AbsPath = F.AbsPath;
    P.Root = rootOf(F);
    llvm::StringRef Parent = path::parent_path(P.Root);
    P.RootInApp = Dirs.isPackage(Parent);
    P.NextToPython = Dirs.holdsPython(Parent);
    for (llvm::StringRef D = Parent; !P.InPackage && D.size() > R.Root.size();
         D = path::parent_path(D))
      P.InPackage = Dirs.isPackage(D);
    P.Configured = llvm::is_contained(Configured, P.Root);
    index::TemplateEngineKind Engine = index::templateEngine(S, P);
    if (parse::tpl::isJadeFileName(F.AbsPath))
      return !classifyJade(F, S, Engine);
    switch (Engine) {
    case index::TemplateEngineKind::Django:
      return false;
    case index::TemplateEngineKind::Jinja2:
      F.Kind = discover::FileKind::JinjaTemplate;
      return false;
    case index::TemplateEngineKind::NotTemplate:
      return true;
    }
    return false;
  });
}

} // namespace nplus1::driver
