#ifndef NPLUS1_TESTS_HELPERS_H
#define NPLUS1_TESTS_HELPERS_H

#include "fix/Fix.h"
#include "flow/Interpreter.h"
#include "index/ModelGraph.h"
#include "index/Templates.h"
#include "parse/Jinja.h"
#include "parse/Python.h"
#include "rules/Rule.h"

#include <doctest/doctest.h>

#include <map>

namespace nplus1::test {

/// The first template node of kind \p K, depth first through Children.
inline const parse::tpl::Node *firstOf(const std::vector<parse::tpl::Node> &Nodes,
                                       parse::tpl::NodeKind K) {
  for (const parse::tpl::Node &N : Nodes) {
    if (N.Kind == K)
      return &N;
    if (const parse::tpl::Node *C = firstOf(N.Children, K))
      return C;
  }
  return nullptr;
}

/// A project built from in-memory modules (module name -> source), plus Django's catalog.
using Mods = std::map<std::string, std::string>;

struct MiniProject {
  index::Project P;
  std::unique_ptr<index::ModelGraph> G;
  index::TemplateIndex Templates;
  fix::Facts Known; ///< what settleFixes knows (the Django version: unknown by default)
  /// The Django version the analysis assumes, and whether the project pins it (unknown by
  /// default: features of later releases count as available).
  unsigned DjangoVersion = 502;
  bool VersionKnown = false;

  explicit MiniProject(const std::map<std::string, std::string> &Modules,
                       const std::map<std::string, std::string> &Tpls = {}) {
    for (const auto &[Name, Source] : Tpls) {
      auto T = std::make_unique<index::TemplateFile>();
      T->Name = Name;
      T->File = std::make_shared<parse::SourceFile>("templates/" + Name, Source);
      // `.jinja` names are Jinja2 templates, read by the Jinja2 front end.
      T->IsJinja2 = llvm::StringRef(Name).ends_with(".jinja");
      T->Tree =
          T->IsJinja2 ? parse::tpl::parseJinjaTemplate(Source) : parse::tpl::parseTemplate(Source);
      Templates.add(std::move(T));
    }
    for (const auto &[Name, Source] : Modules) {
      auto Src = std::make_shared<parse::SourceFile>(Name + ".py", Source);
      // A package when another module lives under it (`pkg` of `pkg.models`).
      bool IsPackage = false;
      for (const auto &Other : Modules)
        IsPackage |= llvm::StringRef(Other.first).starts_with(Name + ".");
      P.addModule(parse::parsePython(Src), Name, IsPackage, false);
    }
    for (const index::CatalogModule &C : index::builtinCatalog()) {
      auto Src = std::make_shared<parse::SourceFile>(C.ModuleName, C.Source);
      P.addModule(parse::parsePython(Src), C.ModuleName, false, true);
    }
    P.freeze();
    G = index::ModelGraph::build(P);
  }

  /// Diagnostics of one module, as "line:CODE:path" strings.
  std::vector<std::string> findings(const std::string &Module,
                                    std::vector<rules::Diagnostic> *Out = nullptr) {
    flow::Analyzer A(P, *G, &Templates, DjangoVersion, VersionKnown);
    std::vector<rules::Diagnostic> D = rules::runRules(A.analyzeModule(*P.module(Module)), *G);
    fix::settleFixes(D, Known, &P);
    std::vector<std::string> S;
    for (const auto &X : D) {
      std::string Where =
          X.File->path().starts_with("templates/") ? X.File->path().str() + ":" : "";
      S.push_back(Where + std::to_string(X.File->lineCol(X.Where.Begin).Line) + ":" + X.Code + ":" +
                  (X.Fix ? X.Fix->Path : "-"));
    }
    std::sort(S.begin(), S.end());
    if (Out)
      *Out = std::move(D);
    return S;
  }
};

inline const char *ShopModels = R"py(
from django.db import models

class Address(models.Model):
    city = models.CharField(max_length=10)

class Customer(models.Model):
    name = models.CharField(max_length=10)
    address = models.ForeignKey(Address, on_delete=models.CASCADE, null=True)

class Order(models.Model):
    customer = models.ForeignKey('Customer', related_name='orders', on_delete=models.CASCADE)
    total = models.IntegerField()

class Item(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
)py";

} // namespace nplus1::test

/// Failed CHECKs on lists of findings print both lists.
template <> struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string> &V) {
    std::string S = "{";
    for (const std::string &X : V)
      S += (S.size() > 1 ? ", \"" : "\"") + X + "\"";
    return (S + "}").c_str();
  }
};

#endif
