#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

static test::MiniProject shop(const char *Views) {
  return test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", Views}});
}

TEST_SUITE("flow.querysets") {
  TEST_CASE("a plain FK read in a loop is one event with the select path") {
    auto P = shop(R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        print(o.customer.name)
)py");
    CHECK(P.findings("shop.views") == Strings{"5:NP101:customer"});
  }

  TEST_CASE("qs1 | qs2 and qs1 & qs2: the left queryset's loads; none() | qs is qs") {
    auto P = shop(R"py(
from .models import Order
def f():
    for o in Order.objects.filter(total=1) | Order.objects.select_related('customer'):
        print(o.customer.name)
    for o in Order.objects.select_related('customer').filter(total=1) & Order.objects.all():
        print(o.customer.name)
    for o in Order.objects.none() | Order.objects.select_related('customer'):
        print(o.customer.name)
    for o in Order.objects.none() | Order.objects.all():
        print(o.customer.name)
)py");
    CHECK(P.findings("shop.views") == Strings{"11:NP101:customer", "5:NP101:customer"});
  }

  TEST_CASE("a chain is one finding with the longest path") {
    auto P = shop(R"py(
from .models import Order
def f():
    return [o.customer.address.city for o in Order.objects.filter(total=1)]
)py");
    CHECK(P.findings("shop.views") == Strings{"4:NP101:customer__address"});
  }

  TEST_CASE("loaded on an earlier line, columns, single objects, values: silent") {
    auto P = shop(R"py(
from django.shortcuts import get_object_or_404
from .models import Order, Customer
def f():
    qs = Order.objects.all()
    qs = qs.select_related('customer__address')
    for o in qs:
        print(o.customer.address.city, o.customer_id, o.pk)
    one = Order.objects.first()
    print(one.customer.name)
    g = get_object_or_404(Order, pk=1)
    print(g.customer)
    for row in Order.objects.values('customer__name'):
        print(row)
    for c in Customer.objects.prefetch_related('orders'):
        print([x.total for x in c.orders.all()])
    for n in [1, 2]:
        print(n.customer)
)py");
    CHECK(P.findings("shop.views").empty());
  }

  TEST_CASE("reverse FK managers: NP102, nested rows extend the prefetch path") {
    auto P = shop(R"py(
from .models import Customer
def f():
    for c in Customer.objects.all():
        for o in c.orders.all():
            print(o.item_set.all())
            print(o.customer.name)
)py");
    // o.customer is the owner row: Django sets it from the reverse FK, no query.
    CHECK(P.findings("shop.views") == Strings{"5:NP102:orders"});
  }

  TEST_CASE("nested related rows reading a further relation") {
    auto P = shop(R"py(
from .models import Customer
def f():
    out = []
    for c in Customer.objects.prefetch_related('orders'):
        for o in c.orders.all():
            out.append(len(o.item_set.all()))
    return out
)py");
    CHECK(P.findings("shop.views") == Strings{"7:NP102:orders__item_set"});
  }

  TEST_CASE("custom manager get_queryset and queryset methods count as loaded") {
    test::MiniProject P(test::Mods{{"shop.models", std::string(test::ShopModels) + R"py(
class ItemQuerySet(models.QuerySet):
    def with_order(self):
        return self.select_related('order__customer')

class ItemManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related('order')

class Line(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    objects = ItemManager()
    rich = ItemQuerySet.as_manager()
)py"},
                                   {"shop.views", R"py(
from .models import Line
def f():
    for l in Line.objects.all():
        print(l.order.total)
    for l in Line.rich.with_order():
        print(l.order.customer.name)
    for l in Line.objects.all():
        print(l.order.customer.name)
)py"}});
    CHECK(P.findings("shop.views") == Strings{"9:NP101:order__customer"});
  }

  TEST_CASE("to_attr prefetches and iterator() without chunk_size") {
    auto P = shop(R"py(
from django.db.models import Prefetch
from .models import Customer, Order
def f():
    qs = Customer.objects.prefetch_related(Prefetch('orders', queryset=Order.objects.all(), to_attr='recent'))
    for c in qs:
        print([o.total for o in c.recent])
    for c in Customer.objects.prefetch_related('orders').iterator():
        print(list(c.orders.all()))
)py");
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"9:NP102:-"});
  }

  TEST_CASE("fix safety: shared querysets need --unsafe-fixes") {
    auto P = shop(R"py(
from .models import Order
def helper():
    return Order.objects.all()
def f():
    for o in helper():
        print(o.customer)
def g(request):
    orders = Order.objects.all()
    for o in orders:
        print(o.customer)
    return orders
def h():
    orders = Order.objects.all()
    for o in orders:
        print(o.customer)
)py");
    std::vector<rules::Diagnostic> D;
    P.findings("shop.views", &D);
    REQUIRE(D.size() == 3);
    std::sort(D.begin(), D.end(), [](auto &A, auto &B) { return A.Where.Begin < B.Where.Begin; });
    CHECK(D[0].Fix->Applies == rules::Applicability::Unsafe);
    CHECK(D[1].Fix->Applies == rules::Applicability::Unsafe);
    CHECK(D[2].Fix->Applies == rules::Applicability::Safe);
  }
}

TEST_SUITE("flow.querysets") {
  TEST_CASE("only() with computed field names defers nothing we know of") {
    auto P = shop(R"py(
from .models import Order
FIELDS = ['id', 'total']
def f():
    for o in Order.objects.only(*Order.get_field_names()):
        print(o.total)
    for o in Order.objects.only(*FIELDS):
        print(o.total)
    for o in Order.objects.only('id'):
        print(o.total)
)py");
    Strings Got = P.findings("shop.views");
    REQUIRE(Got.size() == 1);
    CHECK(llvm::StringRef(Got[0]).starts_with("10:NP105:"));
  }
}

static const char *OwnQueryModels = R"py(
from django.db import models

class Product(models.Model):
    name = models.CharField(max_length=10)

class Unit(models.Model):
    name = models.CharField(max_length=10)

class Order(models.Model):
    total = models.IntegerField()

    def item_names(self):
        return [i.product.name for i in self.items.order_by('id')]

class Item(models.Model):
    order = models.ForeignKey(Order, related_name='items', on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE)
    active = models.BooleanField(default=True)
)py";

TEST_SUITE("flow.own_queries") {
  TEST_CASE("a row's filtered related set is a loop of its own, loaded and fixed there") {
    test::MiniProject P(test::Mods{{"shop.models", OwnQueryModels}, {"shop.views", R"py(
from .models import Order
def filtered():
    for o in Order.objects.all():
        for i in o.items.filter(active=True):
            print(i.product.name)
def bare_select():
    for o in Order.objects.all():
        for i in o.items.select_related():
            print(i.product.name)
            print(i.unit.name)
def through_method():
    return [o.item_names() for o in Order.objects.all()]
)py"}});
    std::vector<rules::Diagnostic> D;
    Strings Got = P.findings("shop.views", &D);
    // 5, 9: the per-order queries (NP104). 6: select_related('product') at `o.items`, not a
    // prefetch on Order.objects.all() that the filter would bypass. 10: the bare
    // select_related() joins the non-null FK. 11: the nullable one is read, with no fix
    // (naming it would narrow the bare call). 13: the method's own query per order.
    CHECK(Got == Strings{"11:NP101:-", "13:NP101:-", "13:NP104:-", "5:NP104:-", "6:NP101:product",
                         "9:NP104:-"});
    for (const rules::Diagnostic &X : D)
      if (X.Code == "NP101" && X.File->lineCol(X.Where.Begin).Line == 13) {
        CHECK(llvm::StringRef(X.Message).ends_with(
            "add .select_related('product') to the query of `items` that "
            "`Order.item_names` runs for each row"));
        CHECK(llvm::StringRef(X.NoFix).starts_with("the rows come from a query the method runs"));
      }
  }
}

TEST_SUITE("flow.annotated_parameters") {
  TEST_CASE("an annotated model parameter is one object, except in a serializer's methods") {
    auto P = shop(R"py(
from rest_framework import serializers
from .models import Customer
def totals(c: Customer):
    return [len(o.item_set.all()) for o in c.orders.all()]
class CustomerSerializer(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()
    def get_totals(self, obj: Customer):
        return [len(o.item_set.all()) for o in obj.orders.all()]
    class Meta:
        model = Customer
        fields = ['totals']
)py");
    // get_totals runs on each row the serializer is given, with that queryset's loads: the
    // serializer walk reports it where a view hands it rows.
    CHECK(P.findings("shop.views") == Strings{"5:NP102:item_set"});
  }
}

TEST_SUITE("flow.unused_loads_joined") {
  TEST_CASE("an unused select_related of a relation a filter joins through is not reported") {
    auto P = shop(R"py(
from .models import Order
def joined():
    return [o.total for o in Order.objects.filter(customer__name='x').select_related('customer')]
def by_column():
    return [o.total for o in Order.objects.filter(customer__id=1).select_related('customer')]
def excluded():
    return [o.total for o in Order.objects.select_related('customer').exclude(customer__name='x')]
)py");
    // customer__id compares Order.customer_id: no join, so the select_related is one.
    CHECK(P.findings("shop.views") == Strings{"6:NP301:customer"});
  }
}

TEST_SUITE("flow.caller_objects") {
  TEST_CASE("a fix on a related set of an object the caller passed in is unsafe") {
    auto P = shop(R"py(
from .models import Customer
def totals(c: Customer):
    return [len(o.item_set.all()) for o in c.orders.all()]
def local():
    c = Customer.objects.get(pk=1)
    return [len(o.item_set.all()) for o in c.orders.all()]
)py");
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"4:NP102:item_set", "7:NP102:item_set"});
    // Django 3.2: with `c` fetched by prefetch_related('orders'), c.orders.all() is served
    // from the cache and c.orders.prefetch_related(...).all() runs a query.
    for (const rules::Diagnostic &X : D) {
      REQUIRE(X.Fix);
      bool Param = X.File->lineCol(X.Where.Begin).Line == 4;
      CHECK(X.Fix->Applies == (Param ? rules::Applicability::Unsafe : rules::Applicability::Safe));
    }
  }
}
