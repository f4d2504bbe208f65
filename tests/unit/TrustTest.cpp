// Findings that must not be reported (issue "Trust"): each test is a general rule, not a
// project's special case.
#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

static test::MiniProject shop(const char *Views) {
  return test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", Views}});
}

TEST_SUITE("fix.shared_base_views") {
  TEST_CASE("no fix inside a base view's get_queryset() that other views inherit") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.api", R"py(
from rest_framework import serializers, viewsets
from shop.models import Order, Customer

class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name')
    class Meta:
        model = Order
        fields = ['customer_name']

class BaseViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return self.model.objects.all()

class OrderViewSet(BaseViewSet):
    model = Order
    serializer_class = OrderSerializer

class Scoped:
    def get_queryset(self):
        return super().get_queryset().filter(total__gt=0)

class ScopedOrderViewSet(Scoped, viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.api", &D);
    REQUIRE(D.size() == 2);
    int Fixed = 0, Shared = 0;
    for (const rules::Diagnostic &X : D) {
      Fixed += X.Fix.has_value();
      Shared += llvm::StringRef(X.NoFix).contains("built by BaseViewSet.get_queryset()");
    }
    CHECK(Fixed == 1);
    CHECK(Shared == 1);
  }
}

TEST_SUITE("rules.trust") {
  TEST_CASE("an event's path must walk the model graph from its loop's model") {
    auto P = shop("");
    const index::Model *Order = P.G->modelByLabel("shop.Order");
    const index::Model *Customer = P.G->modelByLabel("shop.Customer");
    REQUIRE(Order);
    REQUIRE(Customer);
    auto L = std::make_shared<flow::LoopInfo>();
    L->RowModel = Order;
    flow::Event E;
    E.Loop = L;
    E.Path = "customer__address";
    E.Rel = P.G->relation(Customer, "address");
    CHECK(rules::validEventPath(E, *P.G));
    E.Rel = P.G->relation(Order, "customer"); // the path ends elsewhere
    CHECK_FALSE(rules::validEventPath(E, *P.G));
    E.Path = "address"; // a relation of Customer, blamed on Order rows
    E.Rel = P.G->relation(Customer, "address");
    CHECK_FALSE(rules::validEventPath(E, *P.G));
    E.Path = "customer__nothing";
    CHECK_FALSE(rules::validEventPath(E, *P.G));
    E.Kind = flow::EventKind::DeferredPerRow;
    E.Path = "total";
    E.Rel = nullptr;
    CHECK(rules::validEventPath(E, *P.G));
    E.Kind = flow::EventKind::QueryInLoop; // no path: a query of its own
    E.Path.clear();
    CHECK(rules::validEventPath(E, *P.G));
  }

  TEST_CASE("a method's own queryset: its rows' relations are not the caller's") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)
    parent = models.ForeignKey('self', null=True, on_delete=models.CASCADE)

    def children_names(self):
        return [c.parent.name for c in Customer.objects.filter(parent=self)]

class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name='orders', on_delete=models.CASCADE)

    def sibling_names(self):
        return [o.customer.name for o in Order.objects.filter(customer=self.customer_id)]
)py"},
                                          {"shop.views", R"py(
from .models import Customer, Order
def f():
    for c in Customer.objects.all():
        print(c.children_names())
    for o in Order.objects.all():
        print(o.sibling_names())
)py"}});
    // One query per row each (NP106); the inner rows' FK reads are the inner querysets'
    // (reported in the methods themselves), even where the path would fit the outer model.
    CHECK(P.findings("shop.views") == Strings{"5:NP106:-", "7:NP106:-"});
    CHECK(P.findings("shop.models") == Strings{"15:NP101:customer", "9:NP101:parent"});
  }
  TEST_CASE("a method's branch guarded by an argument the call leaves out does not run") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class Story(models.Model):
    creator = models.ForeignKey(Customer, on_delete=models.CASCADE)

    def publish(self, *args, **kwargs):
        photo = kwargs.pop('photo', None)
        if photo:
            print(self.creator.name)
        if kwargs.get('announce'):
            print(self.creator.name)

    def touch(self, notify=False):
        if notify:
            print(self.creator.name)

    def show(self, verbose=None):
        if verbose is not None:
            print(self.creator.name)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._was_creator = self.creator_id

    def hold(self, creator):
        self._pending_creator = creator

    def assign(self):
        if hasattr(self, '_pending_creator'):
            print(self.creator.name)

    def changed(self):
        if hasattr(self, '_was_creator'):
            print(self.creator.name)
)py"},
                                          {"shop.views", R"py(
from .models import Story
def f(opts):
    for s in Story.objects.all():
        s.publish()
    for s in Story.objects.all():
        s.publish(photo=1)
    for s in Story.objects.all():
        s.touch()
    for s in Story.objects.all():
        s.touch(True)
    for s in Story.objects.all():
        s.show(**opts)
    for s in Story.objects.all():
        s.show()
    for s in Story.objects.all():
        s.publish(announce=True)
    for s in Story.objects.all():
        s.assign()
    for s in Story.objects.all():
        s.changed()
)py"}});
    // publish(), touch() and show() leave the guarding argument out: the branch never runs.
    // Passing it (by keyword, by position, or maybe through **opts) runs it. A private
    // attribute only code sets (`_pending_creator`) is missing on rows from the database;
    // one __init__ sets (`_was_creator`) is there.
    CHECK(P.findings("shop.views") == Strings{"11:NP101:creator", "13:NP101:creator",
                                              "17:NP101:creator", "21:NP101:creator",
                                              "7:NP101:creator"});
  }
}

TEST_SUITE("rules.trust") {
  TEST_CASE("what runs only on a cache miss is not per row") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.core.cache import cache
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class Story(models.Model):
    creator = models.ForeignKey(Customer, on_delete=models.CASCADE)

    def label(self):
        value = cache.get('story-%s' % self.pk)
        if value is None:
            value = self.creator.name
            cache.set('story-%s' % self.pk, value)
        return value

    def title(self):
        key, val = context_cache.get_cached_value(item=self)
        if val is not None:
            return val
        return self.creator.name

    def heading(self):
        value = self.extra.get('x')
        if value is None:
            value = self.creator.name
        return value
)py"},
                                          {"shop.views", R"py(
from django.core.cache import cache
from .models import Story
def f():
    for s in Story.objects.all():
        s.label()
    for s in Story.objects.all():
        s.title()
    for s in Story.objects.all():
        s.heading()
def g():
    names = cache.get('names')
    if names is None:
        names = [s.creator.name for s in Story.objects.all()]
    return names
)py"}});
    // label() and title() compute from the relation on a cache miss only; heading() looks
    // up no cache. A loop that runs on a miss still costs a query per row of its own.
    CHECK(P.findings("shop.views") == Strings{"10:NP101:creator", "14:NP101:creator"});
  }
}

TEST_SUITE("flow.locations") {
  TEST_CASE("a view's note lies in the view's file when get_queryset() is inherited") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels},
                                   {"shop.mixins", R"py(
class Scoped:
    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(total__gt=0)
)py"},
                                   {"shop.api", R"py(
from rest_framework import serializers, viewsets
from shop.models import Order
from shop.mixins import Scoped

class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name')
    class Meta:
        model = Order
        fields = ['customer_name']

class OrderViewSet(Scoped, viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.api", &D);
    REQUIRE(D.size() == 1);
    bool ViewNote = false;
    for (const rules::Note &N : D[0].Notes)
      if (llvm::StringRef(N.Message).contains("serializes every row")) {
        ViewNote = true;
        CHECK(N.File->path() == "shop.api.py");
        CHECK(N.File->slice(N.Where) == "OrderViewSet");
      }
    CHECK(ViewNote);
  }
}

TEST_SUITE("rules.trust") {
  TEST_CASE("a loop that sleeps between rows is paced on purpose") {
    auto P = shop(R"py(
import time
from shop.models import Order

def remind():
    for order in Order.objects.all():
        send(order.customer.name)
        time.sleep(5)

def remind_fast():
    for order in Order.objects.all():
        send(order.customer.name)

def remind_batches():
    for order in Order.objects.all():
        for other in Order.objects.filter(total__gt=0):
            send(other.customer.name)
        time.sleep(5)
)py");
    // The paced loops say nothing of their own rows; the inner loop, which does not
    // sleep, still reads a relation per item.
    Strings F = P.findings("shop.views");
    CHECK(F == Strings{"12:NP101:customer", "17:NP101:customer"});
  }
}
