#include "fix/Fix.h"
#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;

static std::string fixed(const char *Views, bool Unsafe = false) {
  test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", Views}});
  std::vector<rules::Diagnostic> D;
  P.findings("shop.views", &D);
  std::vector<fix::Edit> Edits = fix::planEdits(D, fix::Policy{Unsafe});
  auto Out = fix::applyEdits(P.P.module("shop.views")->Ast->file().text(), Edits);
  REQUIRE(static_cast<bool>(Out));
  return *Out;
}

TEST_SUITE("fix.edits") {
  TEST_CASE("appends after the manager and merges findings on one queryset") {
    CHECK(fixed(R"py(
from .models import Order
def f():
    for o in Order.objects.filter(total=1)[:10]:
        print(o.customer.name, o.customer.address.city, len(o.item_set.all()))
)py") == R"py(
from .models import Order
def f():
    for o in Order.objects.select_related('customer__address').prefetch_related('item_set').filter(total=1)[:10]:
        print(o.customer.name, o.customer.address.city, len(o.item_set.all()))
)py");
  }

  TEST_CASE("extends an existing call and keeps the file's quote style") {
    CHECK(fixed(R"py(
from .models import Order
def f():
    qs = Order.objects.select_related("customer").filter(total=1)
    for o in qs:
        print(o.customer.address.city)
)py") == R"py(
from .models import Order
def f():
    qs = Order.objects.select_related("customer", "customer__address").filter(total=1)
    for o in qs:
        print(o.customer.address.city)
)py");
  }

  TEST_CASE("unsafe fixes are applied only when asked") {
    const char *Src = R"py(
from .models import Order
def f():
    orders = Order.objects.all()
    for o in orders:
        print(o.customer)
    return orders
)py";
    CHECK(fixed(Src) == Src);
    CHECK(fixed(Src, true).find("Order.objects.select_related('customer').all()") !=
          std::string::npos);
  }

  TEST_CASE("overlapping edits are refused") {
    parse::SourceFile F("x.py", "abcdef");
    std::vector<fix::Edit> E{{&F, 1, 3, "X"}, {&F, 2, 4, "Y"}};
    auto R = fix::applyEdits(F.text(), E);
    CHECK(!R);
    llvm::consumeError(R.takeError());
  }

  TEST_CASE("unified diff with context and hunk headers") {
    std::string Old = "a\nb\nc\nd\ne\nf\ng\nh\n";
    std::string New = "a\nb\nc\nD\ne\nf\ng\nh\n";
    CHECK(fix::unifiedDiff("p.py", Old, New) ==
          "--- a/p.py\n+++ b/p.py\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n");
  }
}

TEST_SUITE("fix.diff") {
  TEST_CASE("changes far apart in a long file: two hunks, an added line, linear memory") {
    std::string Old, New;
    for (int I = 0; I < 20000; ++I) {
      std::string L = "line " + std::to_string(I) + "\n";
      Old += L;
      New += I == 1 ? std::string("LINE 1\n") : L;
      if (I == 19998)
        New += "inserted\n";
    }
    std::string D = fix::unifiedDiff("big.py", Old, New);
    CHECK(D.find("@@ -1,5 +1,5 @@\n line 0\n-line 1\n+LINE 1\n line 2\n") != std::string::npos);
    CHECK(D.find("@@ -19997,4 +19997,5 @@\n line 19996\n line 19997\n line 19998\n"
                 "+inserted\n line 19999\n") != std::string::npos);
  }

  TEST_CASE("a replaced run prints its deletions before its insertions") {
    CHECK(fix::unifiedDiff("p.py", "a\nb\nc\n", "a\nB\nC\n") ==
          "--- a/p.py\n+++ b/p.py\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+C\n");
  }
}

TEST_SUITE("fix.unused_eager_load") {
  TEST_CASE("removes the only lookup with its call, leaving a queryset") {
    CHECK(fixed(R"py(
from .models import Order
def f():
    return [o.total for o in Order.objects.select_related('customer')]
)py",
                true) == R"py(
from .models import Order
def f():
    return [o.total for o in Order.objects.all()]
)py");
    CHECK(fixed(R"py(
from .models import Order
def f():
    return [o.total for o in Order.objects.select_related('customer').filter(total=1)]
)py",
                true) == R"py(
from .models import Order
def f():
    return [o.total for o in Order.objects.filter(total=1)]
)py");
  }

  TEST_CASE("removes one lookup of several, and keeps what is read") {
    CHECK(fixed(R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related('item_set', 'customer')
    return [o.customer.name for o in qs]
)py",
                true) == R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related('customer')
    return [o.customer.name for o in qs]
)py");
  }

  TEST_CASE("one lookup per line: its line goes, a comment after it stays") {
    CHECK(fixed(R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related(
        'customer',
        'item_set',
    )
    return [o.customer.name for o in qs]
)py",
                true) == R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related(
        'customer',
    )
    return [o.customer.name for o in qs]
)py");
    CHECK(fixed(R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related(
        'customer',
        'item_set',  # why
    )
    return [o.customer.name for o in qs]
)py",
                true) == R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related(
        'customer',
        # why
    )
    return [o.customer.name for o in qs]
)py");
  }

  TEST_CASE("no edit across a comment; nothing when a use escapes") {
    const char *Comment = R"py(
from .models import Order
def f():
    qs = Order.objects.prefetch_related('customer',  # keep
                                        'item_set')
    return [o.customer.name for o in qs]
)py";
    CHECK(fixed(Comment, true) == Comment);
    const char *Escapes = R"py(
from .models import Order
def f(sink):
    qs = Order.objects.select_related('customer')
    for o in qs:
        sink(o)
)py";
    CHECK(fixed(Escapes, true) == Escapes);
  }
}

TEST_SUITE("fix.settle") {
  TEST_CASE("a lookup is checked step by step against the model graph") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}});
    const index::Model *Order = P.G->modelByLabel("shop.Order");
    REQUIRE(Order);
    CHECK(fix::lookupProblem(Order, "customer__address", true) == "");
    CHECK(fix::lookupProblem(Order, "item_set", false) == "");
    CHECK(fix::lookupProblem(Order, "customer__orders__item_set", false) == "");
    CHECK(fix::lookupProblem(Order, "item_set", true) ==
          "select_related cannot follow the reverse ForeignKey `Order.item_set`");
    CHECK(fix::lookupProblem(Order, "customer__orders", true) ==
          "select_related cannot follow the reverse ForeignKey `Customer.orders`");
    CHECK(fix::lookupProblem(Order, "customer__nickname", false) ==
          "`nickname` is not a relation of shop.Customer");
    CHECK(fix::lookupProblem(Order, "total", true) == "`total` is not a relation of shop.Order");
    CHECK(fix::lookupProblem(nullptr, "customer", true) == "the queryset's model is unknown");
  }

  TEST_CASE("a fix whose lookup Django would reject is dropped, with the reason") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        print(o.customer.name)
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.views", &D);
    REQUIRE(D.size() == 1);
    REQUIRE(D[0].Fix);
    CHECK(D[0].NoFix.empty());
    D[0].Fix->Path = "item_set"; // as if flow had walked a many relation
    fix::settleFixes(D, P.Known);
    CHECK(!D[0].Fix);
    CHECK(D[0].NoFix == "select_related cannot follow the reverse ForeignKey `Order.item_set`");
    CHECK(fix::planEdits(D, fix::Policy{true}).empty());
  }

  TEST_CASE("no fix without edits: a bare select_related() is not narrowed, and says so") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Customer, Order
def f():
    for c in Customer.objects.select_related():
        print(c.address.city)
    for o in Order.objects.filter(total=1):
        for i in o.item_set.filter(pk=1):
            print(i)
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.views", &D);
    REQUIRE(D.size() == 2);
    for (const rules::Diagnostic &X : D) {
      CHECK(!X.Fix);
      CHECK(!X.NoFix.empty());
    }
    CHECK(D[0].NoFix == "the bare select_related() follows every non-null foreign key, and "
                        "naming one would narrow it");
    CHECK(D[1].NoFix == "the access must change as well, to read the to_attr list");
  }

  TEST_CASE("prefetch on an iterator(): chunk_size=2000 on a known Django 4.1+, else no fix") {
    const char *Views = R"py(
from .models import Order
def f():
    for o in Order.objects.filter(total=1).iterator():
        print(len(o.item_set.all()))
def g():
    for o in Order.objects.iterator(chunk_size=100):
        print(len(o.item_set.all()))
)py";
    auto Run = [&](unsigned Version) {
      test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", Views}});
      P.Known.DjangoVersion = Version;
      std::vector<rules::Diagnostic> D;
      P.findings("shop.views", &D);
      REQUIRE(D.size() == 2);
      auto Out = fix::applyEdits(P.P.module("shop.views")->Ast->file().text(),
                                 fix::planEdits(D, fix::Policy{true}));
      REQUIRE(static_cast<bool>(Out));
      return std::make_pair(D, *Out);
    };
    auto [Unknown, Same] = Run(0);
    CHECK(!Unknown[0].Fix);
    CHECK(Unknown[0].NoFix == "iterator() ignores prefetch_related() before Django 4.1, and the "
                              "Django version is not pinned");
    CHECK(Same == Views);
    auto [Old, Same32] = Run(302);
    CHECK(!Old[0].Fix);
    CHECK(Old[1].NoFix == "iterator() ignores prefetch_related() before Django 4.1");
    auto [New, Fixed] = Run(402);
    CHECK(New[0].Fix);
    CHECK(Fixed.find("Order.objects.prefetch_related('item_set').filter(total=1)"
                     ".iterator(chunk_size=2000)") != std::string::npos);
    CHECK(Fixed.find("Order.objects.prefetch_related('item_set').iterator(chunk_size=100)") !=
          std::string::npos);
  }
  TEST_CASE("fetch_mode(FETCH_PEERS) is offered beside the fix on a known Django 6.1+ only") {
    const char *Views = R"py(
import json
from .models import Order
def f():
    for o in Order.objects.filter(total=1):
        print(o.customer.name)
def g():
    for o in Order.objects.all():
        print(len(o.item_set.all()))
)py";
    auto Run = [&](unsigned Version) {
      test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", Views}});
      P.Known.DjangoVersion = Version;
      std::vector<rules::Diagnostic> D;
      P.findings("shop.views", &D);
      return D;
    };
    std::vector<rules::Diagnostic> Old = Run(502);
    REQUIRE(Old.size() == 2);
    CHECK(Old[0].Alternatives.empty());
    std::vector<rules::Diagnostic> New = Run(601);
    REQUIRE(New.size() == 2);
    REQUIRE(New[0].Alternatives.size() == 1);
    CHECK(New[1].Alternatives.empty()); // a related manager's query: no mode changes it
    const rules::Alternative &A = New[0].Alternatives[0];
    CHECK(A.Applies == rules::Applicability::Unsafe);
    CHECK(New[0].Fix); // the select_related fix stays the one --fix applies
    std::vector<fix::Edit> Edits;
    for (const rules::FrozenEdit &E : A.Edits)
      Edits.push_back({E.File, E.Where.Begin, E.Where.End, E.Text});
    auto Out = fix::applyEdits(Views, Edits);
    REQUIRE(static_cast<bool>(Out));
    CHECK(*Out == R"py(
import json
from .models import Order
from django.db.models import FETCH_PEERS
def f():
    for o in Order.objects.fetch_mode(FETCH_PEERS).filter(total=1):
        print(o.customer.name)
def g():
    for o in Order.objects.all():
        print(len(o.item_set.all()))
)py");
  }

  TEST_CASE("the fetch-mode alternative uses the module's `models`, and yields to a mode set") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.db import models as m
from .models import Order
def f():
    for o in Order.objects.all():
        print(o.customer.name)
def g():
    for o in Order.objects.fetch_mode(m.FETCH_ONE):
        print(o.customer.name)
def h():
    for o in Order.objects.fetch_mode(m.FETCH_RAISE):
        print(o.customer.name)
)py"}});
    P.Known.DjangoVersion = 601;
    P.VersionKnown = true;
    P.DjangoVersion = 601;
    std::vector<rules::Diagnostic> D;
    P.findings("shop.views", &D);
    REQUIRE(D.size() == 3);
    REQUIRE(D[0].Alternatives.size() == 1);
    REQUIRE(D[0].Alternatives[0].Edits.size() == 1);
    CHECK(D[0].Alternatives[0].Edits[0].Text == ".fetch_mode(m.FETCH_PEERS)");
    CHECK(D[1].Alternatives.empty()); // the later fetch_mode(FETCH_ONE) would win
    CHECK(D[2].Alternatives.empty()); // the read raises: the mode was chosen on purpose
  }
}

TEST_SUITE("fix.manager_methods") {
  TEST_CASE("a load goes after a method only the manager has, never between it and "
            "`objects`") {
    test::MiniProject P(test::Mods{{"shop.models", R"py(
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class OrderManager(models.Manager):
    def open_for(self, name):
        return self.filter(label=name)

class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    label = models.CharField(max_length=10)
    objects = OrderManager()
)py"},
                                   {"shop.views", R"py(
from .models import Order
def f():
    for o in Order.objects.open_for('x'):
        print(o.customer.name)
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.views", &D);
    auto Out = fix::applyEdits(P.P.module("shop.views")->Ast->file().text(),
                               fix::planEdits(D, fix::Policy{true}));
    REQUIRE(static_cast<bool>(Out));
    CHECK(*Out == R"py(
from .models import Order
def f():
    for o in Order.objects.open_for('x').select_related('customer'):
        print(o.customer.name)
)py");
  }
}
