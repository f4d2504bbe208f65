// Which engine renders a template: the settings' TEMPLATES read from source, and the
// decision per file (index/TemplateEngines.h).
#include "index/TemplateEngines.h"
#include "parse/Python.h"
#include "parse/Template.h"

#include <doctest/doctest.h>

#include <map>

using namespace nplus1;
using index::TemplateEngineKind;

namespace {

/// Settings modules given as module name -> (file path, source), parsed and read.
struct Settings {
  std::vector<std::unique_ptr<parse::py::Module>> Asts;
  std::vector<index::SettingsSource> Sources;
  index::TemplateSettings S;

  Settings(const std::map<std::string, std::pair<std::string, std::string>> &Modules,
           std::vector<std::string> WorkingDirs = {"/proj"}) {
    for (const auto &[Name, File] : Modules) {
      Asts.push_back(
          parse::parsePython(std::make_shared<parse::SourceFile>(File.first, File.second)));
      bool IsPackage = llvm::StringRef(File.first).ends_with("/__init__.py");
      Sources.push_back({Name, File.first, IsPackage, Asts.back().get()});
    }
    S = index::readTemplateSettings(Sources, WorkingDirs);
  }
};

/// A template file at \p Path under the template directory \p Root.
index::TemplatePlace place(std::string Path, std::string Root, bool RootInApp,
                           bool NextToPython = false) {
  index::TemplatePlace P;
  P.AbsPath = std::move(Path);
  P.Root = std::move(Root);
  P.RootInApp = RootInApp;
  P.InPackage = RootInApp;
  P.NextToPython = NextToPython || RootInApp;
  return P;
}

} // namespace

TEST_SUITE("index.template_engines") {
  TEST_CASE("DIRS in the common shapes resolve to absolute directories") {
    Settings St({{"site.settings", {"/proj/site/settings.py", R"py(
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [
        os.path.join(ROOT, "templates"),
        BASE_DIR / "shared" / "templates",
        str(BASE_DIR.joinpath("more")),
        Path(__file__).parents[1] / "x",
        "rel/templates",
    ],
    "APP_DIRS": True,
}]
)py"}}},
                {"/proj", "/proj/src"});
    REQUIRE(St.S.Found);
    CHECK(St.S.Complete);
    REQUIRE(St.S.Backends.size() == 1);
    const index::TemplateBackend &B = St.S.Backends[0];
    CHECK_FALSE(B.Jinja2);
    CHECK(B.AppDirs);
    REQUIRE(B.Dirs.size() == 5);
    CHECK(B.Dirs[0] == std::vector<std::string>{"/proj/templates"});
    CHECK(B.Dirs[1] == std::vector<std::string>{"/proj/shared/templates"});
    CHECK(B.Dirs[2] == std::vector<std::string>{"/proj/more"});
    CHECK(B.Dirs[3] == std::vector<std::string>{"/proj/x"});
    // Relative to the working directory: the root or a directory holding manage.py.
    CHECK(B.Dirs[4] == std::vector<std::string>{"/proj/rel/templates", "/proj/src/rel/templates"});
  }

  TEST_CASE("names are followed through star and named imports of other settings modules") {
    Settings St({{"site.settings", {"/proj/site/settings/__init__.py", "from .dev import *\n"}},
                 {"site.settings.paths", {"/proj/site/settings/paths.py", R"py(
import os
BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)py"}},
                 {"site.settings.base", {"/proj/site/settings/base.py", R"py(
from .paths import BASE_DIR
jinja_engine = {
    "BACKEND": "django.template.backends.jinja2.Jinja2",
    "DIRS": [os.path.join(BASE_DIR, "jinja_templates")],
}
)py"}},
                 {"site.settings.dev", {"/proj/site/settings/dev.py", R"py(
from .base import *
TEMPLATES = [jinja_engine]
)py"}}});
    REQUIRE(St.S.Backends.size() == 1);
    const index::TemplateBackend &B = St.S.Backends[0];
    CHECK(B.Jinja2);
    CHECK_FALSE(B.DjangoJinja);
    CHECK(B.AppDirname == "jinja2"); // Django's Jinja2 backend: each app's jinja2/
    REQUIRE(B.Dirs.size() == 1);
    CHECK(B.Dirs[0] == std::vector<std::string>{"/proj/jinja_templates"});
    CHECK(St.S.Complete);
  }

  TEST_CASE("django-jinja options: defaults, match_extension, match_regex, app_dirname") {
    Settings St({{"settings", {"/proj/settings.py", R"py(
TEMPLATES = [
    {"BACKEND": "django_jinja.backend.Jinja2", "APP_DIRS": True},
    {"BACKEND": "django_jinja.backend.Jinja2", "APP_DIRS": True,
     "OPTIONS": {"match_extension": (".html", ".txt"), "match_regex": r"^(?!admin/)",
                 "app_dirname": "jinja2"}},
    {"BACKEND": "django_jinja.backend.Jinja2", "OPTIONS": {"match_extension": ""}},
]
)py"}}});
    REQUIRE(St.S.Backends.size() == 3);
    const auto &Bs = St.S.Backends;
    CHECK(Bs[0].DjangoJinja);
    CHECK(Bs[0].AppDirname == "templates");
    CHECK(Bs[0].MatchExtensions == std::vector<std::string>{".jinja"});
    CHECK_FALSE(Bs[0].HasMatchRegex);
    CHECK(Bs[1].MatchExtensions == std::vector<std::string>{".html", ".txt"});
    CHECK(Bs[1].AppDirname == "jinja2");
    CHECK(index::djangoJinjaMatches(Bs[1], "blog/list.html"));
    CHECK_FALSE(index::djangoJinjaMatches(Bs[1], "admin/base_site.html"));
    CHECK_FALSE(index::djangoJinjaMatches(Bs[1], "blog/feed.xml"));
    CHECK(Bs[2].MatchExtensions.empty()); // "" matches every name
    CHECK(index::djangoJinjaMatches(Bs[2], "anything.xml"));
  }

  TEST_CASE("a regex ECMAScript cannot compile accepts (never read Jinja2 as Django)") {
    index::TemplateBackend B;
    B.DjangoJinja = B.Jinja2 = true;
    B.HasMatchRegex = true;
    B.MatchRegex = "(?P<x>[a-z]+)/";
    CHECK(index::djangoJinjaMatches(B, "x/y.html"));
  }

  TEST_CASE("what cannot be read makes the settings incomplete") {
    Settings Env({{"settings", {"/proj/settings.py", R"py(
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "DIRS": [env("TEMPLATE_DIR")]}]
)py"}}});
    CHECK(Env.S.Found);
    CHECK_FALSE(Env.S.Complete);
    Settings Loaders({{"settings", {"/proj/settings.py", R"py(
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "OPTIONS": {"loaders": [("django.template.loaders.cached.Loader", [
                  "django.template.loaders.filesystem.Loader", "themes.loaders.ThemeLoader"])]}}]
)py"}}});
    CHECK_FALSE(Loaders.S.Complete);
    Settings Plain({{"settings", {"/proj/settings.py", R"py(
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "OPTIONS": {"loaders": ["django.template.loaders.app_directories.Loader"]}}]
)py"}}});
    CHECK(Plain.S.Complete);
    Settings NoSettings({{"settings", {"/proj/settings.py", "DEBUG = True\n"}}});
    CHECK_FALSE(NoSettings.S.Found);
    // Changed in place after the assignment: directories and loaders matter, debug not.
    const char *Base = "TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates',"
                       " 'DIRS': [], 'OPTIONS': {}}]\n";
    for (const char *Change :
         {"TEMPLATES[0]['DIRS'] += ['/x']\n", "TEMPLATES[0]['DIRS'].append('/x')\n",
          "TEMPLATES[0]['OPTIONS']['loaders'] = ['a.Loader']\n", "TEMPLATES[0] = other\n",
          "TEMPLATES += extra\n", "TEMPLATES.append(other)\n"}) {
      CAPTURE(Change);
      Settings Changed({{"settings", {"/proj/settings.py", std::string(Base) + Change}}});
      CHECK_FALSE(Changed.S.Complete);
    }
    Settings Debug(
        {{"settings",
          {"/proj/settings.py", std::string(Base) + "TEMPLATES[0]['OPTIONS']['debug'] = True\n"}}});
    CHECK(Debug.S.Complete);
  }

  TEST_CASE("naming alone: .jinja files and jinja2 directories are Jinja2") {
    index::TemplateSettings NoSettings;
    CHECK(index::templateEngine(NoSettings, place("/p/app/templates/a.jinja", "/p/app/templates",
                                                  true)) == TemplateEngineKind::Jinja2);
    CHECK(index::templateEngine(NoSettings, place("/p/app/templates/a.j2", "/p/app/templates",
                                                  true)) == TemplateEngineKind::Jinja2);
    CHECK(index::templateEngine(NoSettings, place("/p/app/jinja2/a.html", "/p/app/jinja2", true)) ==
          TemplateEngineKind::Jinja2);
    CHECK(index::templateEngine(NoSettings, place("/p/app/templates/a.html", "/p/app/templates",
                                                  true)) == TemplateEngineKind::Django);
  }

  TEST_CASE("templates/ outside any Python code is no Django template directory") {
    index::TemplateSettings NoSettings;
    // A Helm chart: no package around it, no Python next to it.
    CHECK(index::templateEngine(NoSettings,
                                place("/p/helm/templates/NOTES.txt", "/p/helm/templates", false)) ==
          TemplateEngineKind::NotTemplate);
    // Next to manage.py: DIRS we could not read may name it.
    CHECK(index::templateEngine(NoSettings, place("/p/templates/base.html", "/p/templates", false,
                                                  true)) == TemplateEngineKind::Django);
    // Settings read in full that do not name it: Django does not load it.
    Settings St({{"settings", {"/p/settings.py", R"py(
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True}]
)py"}}});
    CHECK(index::templateEngine(St.S, place("/p/templates/base.html", "/p/templates", false,
                                            true)) == TemplateEngineKind::NotTemplate);
    CHECK(index::templateEngine(St.S, place("/p/app/templates/x.html", "/p/app/templates", true)) ==
          TemplateEngineKind::Django);
    // A configured directory is always a template directory.
    index::TemplatePlace Conf = place("/p/frontend/views/a.html", "/p/frontend/views", false);
    Conf.Configured = true;
    CHECK(index::templateEngine(St.S, Conf) == TemplateEngineKind::Django);
    // A cookiecutter template's files are templates of a project, not of this one.
    CHECK(index::templateEngine(NoSettings, place("/p/{{cookiecutter.slug}}/app/templates/a.html",
                                                  "/p/{{cookiecutter.slug}}/app/templates",
                                                  true)) == TemplateEngineKind::NotTemplate);
  }

  TEST_CASE("the first engine whose directories hold the file and whose rules match wins") {
    Settings St({{"dmoj.settings", {"/p/dmoj/settings.py", R"py(
import os
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = [
    {"BACKEND": "django_jinja.backend.Jinja2",
     "DIRS": [os.path.join(BASE_DIR, "templates")],
     "APP_DIRS": False,
     "OPTIONS": {"match_extension": (".html", ".txt"), "match_regex": "^(?!admin/)"}},
    {"BACKEND": "django.template.backends.django.DjangoTemplates",
     "DIRS": [os.path.join(BASE_DIR, "templates")],
     "APP_DIRS": True},
]
)py"}}});
    CHECK(index::templateEngine(St.S, place("/p/templates/blog/list.html", "/p/templates", false,
                                            true)) == TemplateEngineKind::Jinja2);
    CHECK(index::templateEngine(St.S, place("/p/templates/admin/base_site.html", "/p/templates",
                                            false, true)) == TemplateEngineKind::Django);
    // Apps: the django-jinja backend has APP_DIRS off.
    CHECK(index::templateEngine(St.S, place("/p/judge/templates/judge/x.html", "/p/judge/templates",
                                            true)) == TemplateEngineKind::Django);

    Settings DjangoFirst({{"settings", {"/p/settings.py", R"py(
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True},
    {"BACKEND": "django_jinja.backend.Jinja2", "APP_DIRS": True,
     "OPTIONS": {"match_extension": None}},
]
)py"}}});
    CHECK(index::templateEngine(DjangoFirst.S, place("/p/app/templates/x.html", "/p/app/templates",
                                                     true)) == TemplateEngineKind::Django);
    Settings JinjaFirst({{"settings", {"/p/settings.py", R"py(
TEMPLATES = [
    {"BACKEND": "django_jinja.backend.Jinja2", "APP_DIRS": True,
     "OPTIONS": {"match_extension": None}},
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True},
]
)py"}}});
    CHECK(index::templateEngine(JinjaFirst.S, place("/p/app/templates/x.html", "/p/app/templates",
                                                    true)) == TemplateEngineKind::Jinja2);
  }
}

TEST_SUITE("parse.template") {
  TEST_CASE("json_script's argument is optional from Django 4.1 on, and when unknown") {
    auto Errors = [](const char *Src, unsigned Version) {
      return parse::tpl::parseTemplate(Src, Version).Errors.size();
    };
    CHECK(Errors("{{ data|json_script }}", 302) == 1);
    CHECK(Errors("{{ data|json_script }}", 400) == 1);
    CHECK(Errors("{{ data|json_script }}", 401) == 0);
    CHECK(Errors("{{ data|json_script }}", 0) == 0);
    CHECK(Errors("{{ data|json_script:'id' }}", 302) == 0);
    CHECK(Errors("{{ data|json_script:'id' }}", 502) == 0);
  }

  TEST_CASE("tags registered behind a sigil are tags; delimiters are not") {
    CHECK(parse::tpl::parseTemplate("{% #card title='x' %}body{% /card %}").Errors.empty());
    CHECK(parse::tpl::parseTemplate("{% @slot %}").Errors.empty());
    CHECK(parse::tpl::parseTemplate("{% {{ x %}").Errors.size() == 1);
    CHECK(parse::tpl::parseTemplate("{% ### %}").Errors.size() == 1);
  }
}
