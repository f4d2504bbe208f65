//===- fuzz_python_flow.cpp - libFuzzer target: parse -> index -> flow -> fix ---===//
//
// Arbitrary bytes as Python through the whole pipeline, as tests/unit/Helpers.h builds a
// project: parse::parsePython -> index::Project (plus the built-in catalog) -> freeze ->
// ModelGraph::build -> flow::Analyzer::analyzeModule -> rules::runRules ->
// fix::planEdits(Policy{true}) -> fix::applyEdits -> parsePython of the result.
//
// The first byte selects the mode (the rest of the input is the text):
//   byte % 3 == 0  the text is module app.views, beside a fixed app.models (a few related
//                  models) and fixed templates;
//   byte % 3 == 1  the text is module app.models, beside a fixed app.views that loops over
//                  those models (and the fixed templates);
//   byte % 3 == 2  a small project: the text up to the first section line is app.models,
//                  then each line `#### module NAME` starts a module and each line
//                  `#### template NAME` a template (seeds.sh builds these from fixtures/).
//   (byte / 4) % 2 selects the Django version the analyzer assumes: 5.2 or 4.2.
//
// Beyond the sanitizers it checks (unless NPLUS1_FUZZ_LENIENT is set in the environment):
//   - every diagnostic and note range lies inside its file;
//   - the planned edits of one file apply (planEdits merges what would overlap);
//   - a fixed Python file has no more syntax errors than the original (main.cpp refuses to
//     write such a file; the fuzzer reports it as a bad fix).
//
//===----------------------------------------------------------------------===//

#include "fix/Fix.h"
#include "flow/Interpreter.h"
#include "index/ModelGraph.h"
#include "index/Project.h"
#include "index/Templates.h"
#include "parse/Python.h"
#include "parse/Template.h"
#include "rules/Rule.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

using namespace nplus1;

namespace {

const char *FixedModels = R"py(
from django.db import models
from django.contrib.auth.models import User


class Address(models.Model):
    city = models.CharField(max_length=10)


class Customer(models.Model):
    name = models.CharField(max_length=10)
    address = models.ForeignKey(Address, on_delete=models.CASCADE, null=True)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name='customer')


class Tag(models.Model):
    label = models.CharField(max_length=10)


class Order(models.Model):
    customer = models.ForeignKey('Customer', related_name='orders', on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag, related_name='orders')
    total = models.IntegerField()

    class Meta:
        ordering = ['id']


class Item(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name='items')
    product = models.ForeignKey('app.Product', on_delete=models.PROTECT)


class Product(models.Model):
    name = models.CharField(max_length=10)


class Shipment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE)
    carrier = models.CharField(max_length=10)
)py";

const char *FixedViews = R"py(
from django.shortcuts import render
from django.views.generic import ListView
from rest_framework import serializers, viewsets

from .models import Address, Customer, Item, Order, Product, Shipment, Tag


def order_list(request):
    orders = Order.objects.filter(total__gte=0)
    for order in orders:
        print(order.customer.address.city, order.items.count(), order.shipment.carrier)
        for tag in order.tags.all():
            print(tag.label)
    return render(request, 'app/orders.html', {'orders': Order.objects.all()})


def customers(request):
    names = [c.user.username for c in Customer.objects.all()]
    totals = {c.pk: sum(o.total for o in c.orders.all()) for c in Customer.objects.all()}
    for item in Item.objects.select_related('order').all():
        print(item.order.customer.name, item.product.name, Product.objects.get(pk=item.pk))
    return render(request, 'app/customers.html', {'customers': Customer.objects.all(),
                                                  'names': names, 'totals': totals})


class OrderListView(ListView):
    model = Order
    template_name = 'app/orders.html'
    context_object_name = 'orders'


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name')

    class Meta:
        model = Order
        fields = ['id', 'customer_name', 'tags']


class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
)py";

const char *FixedTemplates[][2] = {
    {"app/orders.html", R"(
{% extends "app/base.html" %}
{% block content %}
{% for order in orders %}
  {{ order.customer.name|default:"-" }} {{ order.items.all|length }}
  {% for tag in order.tags.all %}{{ tag.label }}{% empty %}none{% endfor %}
  {% include "app/row.html" with row=order %}
{% endfor %}
{% endblock %}
)"},
    {"app/base.html", "<html>{% block content %}{% endblock %}</html>\n"},
    {"app/row.html", "{% with c=row.customer %}{{ c.address.city }}{% endwith %}\n"},
    {"app/customers.html", R"(
{% for c in customers %}{% if c.orders.exists %}{{ c.orders.count }}{% endif %}{% endfor %}
)"},
};

bool strict() {
  static const bool S = std::getenv("NPLUS1_FUZZ_LENIENT") == nullptr;
  return S;
}

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "fuzz_python_flow: %s\n", Message.c_str());
  std::abort();
}

void checkRange(const char *What, const parse::SourceFile *F, parse::Range R) {
  if (!F)
    return;
  if (R.Begin > R.End || R.End > F->text().size())
    fail(std::string(What) + " [" + std::to_string(R.Begin) + ", " + std::to_string(R.End) +
         ") outside " + F->path().str() + " (" + std::to_string(F->text().size()) + " bytes)");
  (void)F->lineCol(R.Begin);
  (void)F->lineCol(R.End);
}

bool validModuleName(llvm::StringRef Name) {
  if (Name.empty())
    return false;
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Name.split(Parts, '.');
  for (llvm::StringRef P : Parts) {
    if (P.empty() || !(std::isalpha(uint8_t(P[0])) || P[0] == '_'))
      return false;
    for (char C : P)
      if (!std::isalnum(uint8_t(C)) && C != '_')
        return false;
  }
  return true;
}

struct Input {
  std::vector<std::pair<std::string, std::string>> Modules;   // name -> source
  std::set<std::string> Fixed; // modules whose source is one of the fixed texts above
  std::vector<std::pair<std::string, std::string>> Templates; // name -> source
};

/// Mode 2: `#### module NAME` / `#### template NAME` lines start sections.
void splitSections(llvm::StringRef Text, Input &In) {
  std::string Kind = "module", Name = "app.models", Body;
  auto Flush = [&] {
    if (Kind == "module") {
      if (!validModuleName(Name))
        Name = "app.m" + std::to_string(In.Modules.size());
      for (const auto &M : In.Modules)
        if (M.first == Name)
          Name = "app.m" + std::to_string(In.Modules.size());
      In.Modules.push_back({Name, Body});
    } else if (!Name.empty()) {
      In.Templates.push_back({Name, Body});
    }
    Body.clear();
  };
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    bool HasNewline = Line.size() < Text.size();
    Text = Rest;
    llvm::StringRef L = Line;
    if (L.consume_front("#### module ") || L.consume_front("#### template ")) {
      Flush();
      Kind = Line.starts_with("#### module ") ? "module" : "template";
      Name = L.trim().str();
      continue;
    }
    Body += Line;
    if (HasNewline)
      Body += '\n';
  }
  Flush();
}

void packages(Input &In) {
  // Every package of a module gets an empty __init__ module, as discovery would find.
  std::set<std::string> Have, Want;
  for (const auto &M : In.Modules)
    Have.insert(M.first);
  for (const auto &M : In.Modules) {
    llvm::StringRef N = M.first;
    while (true) {
      size_t Dot = N.rfind('.');
      if (Dot == llvm::StringRef::npos)
        break;
      N = N.take_front(Dot);
      Want.insert(N.str());
    }
  }
  for (const std::string &P : Want)
    if (!Have.count(P))
      In.Modules.push_back({P, "\x01package"});
}

/// The parsed built-in catalog and fixed modules, reused from one input to the next: parsing
/// them is most of the time of a run, and nothing after the parser changes a py::Module (the
/// index and the analyzer only read it). Each run moves them into its Project and back out.
std::map<std::string, std::shared_ptr<const parse::py::Module>> &reusable() {
  static auto *Cache = new std::map<std::string, std::shared_ptr<const parse::py::Module>>();
  return *Cache;
}

std::shared_ptr<const parse::py::Module> parseReused(const std::string &Name,
                                                     const std::string &Path,
                                                     const char *Source) {
  auto &C = reusable();
  auto It = C.find(Name);
  if (It != C.end() && It->second)
    return std::move(It->second);
  return parse::parsePython(std::make_shared<parse::SourceFile>(Path, Source));
}

void run(const Input &In, unsigned DjangoVersion) {
  index::TemplateIndex Templates;
  for (const auto &[Name, Source] : In.Templates) {
    auto T = std::make_unique<index::TemplateFile>();
    T->Name = Name;
    T->File = std::make_shared<parse::SourceFile>("templates/" + Name, Source);
    T->Tree = parse::tpl::parseTemplate(Source);
    Templates.add(std::move(T));
  }
  index::Project P;
  std::vector<std::string> Analyze;
  for (const auto &[Name, Source] : In.Modules) {
    bool IsPackage = Source == "\x01package";
    std::string Path = Name;
    std::replace(Path.begin(), Path.end(), '.', '/');
    Path += IsPackage ? "/__init__.py" : ".py";
    if (In.Fixed.count(Name))
      P.addModule(parseReused(Name, Path, Source.c_str()), Name, IsPackage, false);
    else
      P.addModule(parse::parsePython(std::make_shared<parse::SourceFile>(
                      Path, IsPackage ? std::string() : Source)),
                  Name, IsPackage, false);
    Analyze.push_back(Name);
  }
  for (const index::CatalogModule &C : index::builtinCatalog())
    P.addModule(parseReused(C.ModuleName, C.ModuleName, C.Source), C.ModuleName, false, true);
  P.freeze();
  std::unique_ptr<index::ModelGraph> G = index::ModelGraph::build(P);
  flow::Analyzer A(P, *G, &Templates, DjangoVersion);

  std::vector<rules::Diagnostic> Diags;
  for (const std::string &Name : Analyze) {
    const index::ModuleInfo *M = P.module(Name);
    if (!M)
      fail("module " + Name + " was added but is not found");
    std::vector<rules::Diagnostic> D = rules::runRules(A.analyzeModule(*M), *G);
    Diags.insert(Diags.end(), std::make_move_iterator(D.begin()),
                 std::make_move_iterator(D.end()));
  }
  if (strict())
    for (const rules::Diagnostic &D : Diags) {
      checkRange(("diagnostic " + D.Code).c_str(), D.File, D.Where);
      checkRange(("queryset of " + D.Code).c_str(), D.QuerysetFile, D.QuerysetWhere);
      for (const rules::Note &N : D.Notes)
        checkRange(("note of " + D.Code).c_str(), N.File, N.Where);
    }

  std::vector<bool> Applied;
  std::vector<fix::Edit> Edits = fix::planEdits(Diags, fix::Policy{true}, &Applied);
  if (Applied.size() != Diags.size() && !(Applied.empty() && Edits.empty()))
    fail("planEdits: " + std::to_string(Applied.size()) + " Applied flags for " +
         std::to_string(Diags.size()) + " diagnostics");
  for (auto &[Path, Entry] : fix::groupByFile(Edits)) {
    const parse::SourceFile *F = Entry.first;
    if (!F)
      fail("an edit without a file");
    llvm::Expected<std::string> New = fix::applyEdits(F->text(), Entry.second);
    if (!New) {
      std::string Why = llvm::toString(New.takeError());
      if (strict())
        fail("planned edits of " + Path + " do not apply: " + Why);
      continue;
    }
    std::string Diff = fix::unifiedDiff(Path, F->text(), *New);
    if (!llvm::StringRef(Path).ends_with(".py"))
      continue;
    auto Before = parse::parsePython(std::make_shared<parse::SourceFile>(Path, F->text().str()));
    auto After = parse::parsePython(std::make_shared<parse::SourceFile>(Path, *New));
    if (strict() && After->Errors.size() > Before->Errors.size()) {
      std::string Msg = "the fix of " + Path + " breaks its syntax (" +
                        std::to_string(Before->Errors.size()) + " -> " +
                        std::to_string(After->Errors.size()) + " errors: " +
                        After->Errors.front().Message + "); diff:\n" + Diff;
      fail(Msg);
    }
  }
  Diags.clear();
  for (const std::unique_ptr<index::ModuleInfo> &M : P.modules())
    if (M->Builtin || In.Fixed.count(M->Name))
      reusable()[M->Name] = std::move(M->Ast);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Size == 0)
    return 0;
  unsigned Mode = Data[0] % 3;
  unsigned DjangoVersion = (Data[0] / 4) % 2 ? 402 : 502;
  std::string Text(reinterpret_cast<const char *>(Data) + 1, Size - 1);
  Input In;
  if (Mode == 0) {
    In.Modules = {{"app.models", FixedModels}, {"app.views", Text}};
    In.Fixed = {"app.models"};
  } else if (Mode == 1) {
    In.Modules = {{"app.models", Text}, {"app.views", FixedViews}};
    In.Fixed = {"app.views"};
  } else {
    splitSections(Text, In);
  }
  for (const auto &T : FixedTemplates)
    In.Templates.push_back({T[0], T[1]});
  packages(In);
  run(In, DjangoVersion);
  return 0;
}
