#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

TEST_SUITE("flow.templates") {
  TEST_CASE("the article's two templates, one finding each, fixed in the view") {
    test::MiniProject P(
        test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.shortcuts import render
from .models import Customer, Order
def customer_list(request):
    customers = Customer.objects.all()
    return render(request, 'customers/list.html', {'customers': customers})
def order_list(request):
    ctx = {}
    ctx['orders'] = Order.objects.all()
    return render(request, 'orders/list.html', ctx)
)py"}},
        {{"customers/list.html",
          "{% for customer in customers %}\n{{ customer.name }}\n"
          "{% for order in customer.orders.all %}{{ order.total }}{% endfor %}\n"
          "{% endfor %}\n"},
         {"orders/list.html", "{% for order in orders %}\n"
                              "  {{ order.customer.name }} {{ order.customer_id }}\n"
                              "{% endfor %}\n"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"templates/customers/list.html:3:NP102:orders",
                                                  "templates/orders/list.html:2:NP101:customer"});
    for (const auto &X : D)
      CHECK(X.Fix->Applies == rules::Applicability::Safe);
  }

  TEST_CASE("include with/only, extends with blocks, with aliases, |length, if") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.shortcuts import render
from .models import Customer
def a(request):
    return render(request, 'child.html', {'customers': Customer.objects.all()})
def b(request):
    return render(request, 'inc.html', {'customers': Customer.objects.prefetch_related('orders')})
)py"}},
                        {{"base.html", "{% for c in customers %}{% block row %}{% endblock %}"
                                       "{% endfor %}"},
                         {"child.html", "{% extends 'base.html' %}\n{% block row %}\n"
                                        "{{ c.orders.all|length }}\n{% endblock %}"},
                         {"inc.html", "{% for c in customers %}{% include 'part.html' with x=c %}"
                                      "{% include 'part.html' with x=c only %}{% endfor %}"},
                         {"part.html", "{% with o=x.orders.all %}{% if o %}{% for i in o %}"
                                       "{{ i.customer.address.city }}\n{% endfor %}{% endif %}"
                                       "{% endwith %}"}});
    CHECK(P.findings("shop.views") ==
          Strings{"templates/child.html:3:NP102:orders", "templates/part.html:1:NP101:address"});
  }

  TEST_CASE("template names from parameter defaults and locals; RequestContext dicts") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.shortcuts import render, render_to_response
from django.template import RequestContext, Context
from .models import Order
def a(request, template_name='a.html'):
    return render(request, template_name, {'orders': Order.objects.all()})
def b(request):
    template = 'b.html'
    return render_to_response(template, RequestContext(request, {'orders': Order.objects.all()}))
def c(request):
    template = 'c.html'
    template = pick(request)
    return render(request, template, {'orders': Order.objects.all()})
def d(request):
    return render_to_response('d.html', Context({'orders': Order.objects.select_related('customer')}))
)py"}},
                        {{"a.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}"},
                         {"b.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}"},
                         {"c.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}"},
                         {"d.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}"}});
    // c: the name was last assigned something we cannot read; d: loaded.
    CHECK(P.findings("shop.views") ==
          Strings{"templates/a.html:1:NP101:customer", "templates/b.html:1:NP101:customer"});
  }

  TEST_CASE("request.user is one object of the user model: its querysets loop") {
    test::MiniProject P(test::Mods{{"people.models", R"py(
from django.contrib.auth.models import AbstractUser
from django.db import models
class Person(AbstractUser):
    def orders(self):
        return Order.objects.filter(buyer=self)
class Order(models.Model):
    buyer = models.ForeignKey('Person', related_name='bought', on_delete=models.CASCADE)
    seller = models.ForeignKey('Person', related_name='sold', on_delete=models.CASCADE)
)py"},
                                   {"people.views", R"py(
def mine(request):
    me = request.user
    print(me.username, request.user.email)
    for o in request.user.orders():
        print(o.seller.username)
    for o in me.bought.all():
        print(o.seller.username)
)py"}});
    // No AUTH_USER_MODEL in settings: the project's AbstractUser model is the user model.
    CHECK(P.G->authUser() == P.G->modelByLabel("people.Person"));
    CHECK(P.findings("people.views") == Strings{"6:NP101:seller", "8:NP101:seller"});
  }

  TEST_CASE("ListView defaults, context_object_name and get_context_data") {
    test::MiniProject P(
        test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.views.generic import ListView, DetailView
from .models import Order, Customer
class OrderList(ListView):
    model = Order
class Named(ListView):
    queryset = Order.objects.select_related('customer')
    context_object_name = 'orders'
    template_name = 'named.html'
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx['customers'] = Customer.objects.all()
        return ctx
class One(DetailView):
    model = Order
)py"}},
        {{"shop/order_list.html", "{% for o in object_list %}{{ o.customer.name }}{% endfor %}"},
         {"named.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}\n"
                        "{% for c in customers %}{{ c.orders.count }}{% endfor %}"},
         {"shop/order_detail.html", "{{ order.customer.name }}"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) ==
          Strings{"templates/named.html:2:NP103:orders",
                  "templates/shop/order_list.html:1:NP101:customer"});
  }

  TEST_CASE(
      "DetailView: self.object is the row; inherited get_context_data() run through super()") {
    test::MiniProject P(test::Mods{{"shop.models", R"py(
from django.db import models
class Customer(models.Model):
    name = models.CharField(max_length=10)
class Shop(models.Model):
    name = models.CharField(max_length=10)
class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name='orders', on_delete=models.CASCADE)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE)
    total = models.IntegerField()
)py"},
                                   {"shop.views", R"py(
from django.views.generic import DetailView
from .models import Customer
class OrdersMixin:
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx['orders'] = self.object.orders.all()
        return ctx
class Page(OrdersMixin, DetailView):
    model = Customer
    template_name = 'page.html'
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx['title'] = self.object.name
        return ctx
class Replaced(OrdersMixin, DetailView):
    model = Customer
    template_name = 'replaced.html'
    def get_context_data(self, **kwargs):
        return {'title': 'x'}
class Kept(DetailView):
    model = Customer
    template_name = 'kept.html'
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx['orders'] = [o for o in self.object.orders.all() if o.total]
        ctx['totals'] = [o.total for o in self.object.orders.all()]
        return ctx
)py"}},
                        {{"page.html", "{% for o in orders %}{{ o.shop.name }}{% endfor %}"},
                         {"replaced.html", "{% for o in orders %}{{ o.shop.name }}{% endfor %}"},
                         {"kept.html", "{% for o in orders %}{{ o.shop.name }}{% endfor %}\n"
                                       "{% for t in totals %}{{ t.shop.name }}{% endfor %}"}});
    // Replaced never calls super(): the mixin's orders are not in its context. The rows
    // a comprehension keeps are the queryset's; the values it builds are not rows.
    CHECK(P.findings("shop.views") ==
          Strings{"templates/kept.html:1:NP101:shop", "templates/page.html:1:NP101:shop"});
  }

  TEST_CASE("blocks of a child whose parent we do not see; one object's method returning rows") {
    test::MiniProject P(
        test::Mods{{"shop.models", R"py(
from django.db import models
class Customer(models.Model):
    name = models.CharField(max_length=10)
    def recent_orders(self):
        return self.orders.order_by('-id')
class Shop(models.Model):
    name = models.CharField(max_length=10)
class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name='orders', on_delete=models.CASCADE)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE)
)py"},
                   {"shop.views", R"py(
from django.shortcuts import get_object_or_404, render
from .models import Customer, Order
def package_parent(request):
    return render(request, 'child.html', {'orders': Order.objects.all()})
def theme_parent(request):
    return render(request, 'themed.html', {'orders': Order.objects.all()})
def one(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, 'one.html', {'customer': customer})
def guarded(request):
    orders = Order.objects.filter(shop__name='x')
    if not request.GET:
        orders = Order.objects.none()
    return render(request, 'guarded.html', {'orders': orders})
)py"}},
        {{"child.html", "{% extends 'package/base.html' %}\n"
                        "{% block body %}{% for o in orders %}{{ o.shop.name }}{% endfor %}"
                        "{% endblock %}"},
         {"themed.html", "{% extends 'column.html' %}\n"
                         "{% block body %}{% for o in orders %}{{ o.shop.name }}{% endfor %}"
                         "{% endblock %}"},
         {"column.html", "{% load theme_tags %}{% theme_extends 'default.html' %}"
                         "{% block side %}{% endblock %}"},
         {"one.html", "{% for o in customer.recent_orders %}{{ o.shop.name }}{% endfor %}"},
         {"guarded.html", "{% for o in orders %}{{ o.shop.name }}{% endfor %}"}});
    CHECK(P.findings("shop.views") ==
          Strings{"templates/child.html:2:NP101:shop", "templates/guarded.html:1:NP101:shop",
                  "templates/one.html:1:NP101:shop", "templates/themed.html:2:NP101:shop"});
  }

  TEST_CASE("a mixin's context_object_name; super().get_context_data(**context) keeps context") {
    test::MiniProject P(
        test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.views.generic import ListView
from .models import Customer, Order
class OrdersMixin:
    context_object_name = 'orders'
    template_name = 'orders.html'
    def get_queryset(self):
        return Order.objects.all()
    def get_context_data(self, **kwargs):
        context = {'customers': Customer.objects.all()}
        context.update(kwargs)
        return super().get_context_data(**context)
class Orders(OrdersMixin, ListView):
    pass
)py"}},
        {{"orders.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}\n"
                         "{% for c in customers %}{{ c.address.city }}{% endfor %}"}});
    CHECK(P.findings("shop.views") == Strings{"templates/orders.html:1:NP101:customer",
                                              "templates/orders.html:2:NP101:address"});
  }

  TEST_CASE("super().get_queryset() runs the project base view's get_queryset()") {
    test::MiniProject P(
        test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.views.generic import ListView
from .models import Order
def related(qs):
    return qs.select_related('customer')
class Base(ListView):
    model = Order
    template_name = 'orders.html'
    context_object_name = 'orders'
    def get_queryset(self):
        return Order.objects.select_related('customer')
class Mine(Base):
    def get_queryset(self):
        return super().get_queryset().filter(total=1)
class Opaque(ListView):
    model = Order
    template_name = 'orders.html'
    context_object_name = 'orders'
    def get_queryset(self):
        return self._rows()
    def _rows(self):
        return related(Order.objects.all())
class MineOpaque(Opaque):
    def get_queryset(self):
        return super().get_queryset().filter(total=1)
class Plain(ListView):
    template_name = 'orders.html'
    context_object_name = 'orders'
    def get_queryset(self):
        return Order.objects.all()
class MinePlain(Plain):
    def get_queryset(self):
        return super().get_queryset().filter(total=2)
)py"}},
        {{"orders.html", "{% for o in orders %}{{ o.customer.name }}{% endfor %}"}});
    // Mine: the base selects the customer; MineOpaque: the base's rows are not `model =
    // Order`'s default, and what they load is unknown. Plain and MinePlain: one finding
    // on Plain's queryset.
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"templates/orders.html:1:NP101:customer"});
  }

  TEST_CASE("a model method's query on the row of a one-row loop runs once") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models
class Node(models.Model):
    name = models.CharField(max_length=10)
class TileModel(models.Model):
    tileid = models.UUIDField(primary_key=True)
class Tile(TileModel):
    class Meta:
        proxy = True
    def nodes(self):
        return Node.objects.filter(name='x').count()
)py"},
                                          {"shop.views", R"py(
from .models import Tile
def f(x):
    for t in Tile.objects.filter(tileid=x):
        t.nodes()
    for t in Tile.objects.all():
        t.nodes()
)py"}});
    CHECK(P.findings("shop.views") == Strings{"7:NP106:-"});
  }
}

TEST_SUITE("flow.loop_exits") {
  TEST_CASE("a return ending the loop body runs once, even after a nested early return") {
    auto P = test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        c = o.customer
        if c:
            if not c.name:
                return None
        return o.customer.address.city
def g():
    for o in Order.objects.all():
        if o.total:
            raise ValueError(o.customer.address)
        print(o.customer.name)
)py"}});
    // f: the body ends in `return`, so it runs once whatever the nested guard does.
    CHECK(P.findings("shop.views") == Strings{"14:NP101:customer"});
  }
}

TEST_SUITE("flow.prefetch_objects") {
  TEST_CASE("what a single object's queryset prefetched is loaded below it") {
    auto P = test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Customer
def f():
    c = Customer.objects.prefetch_related('orders', 'orders__item_set').first()
    for o in c.orders.all():
        list(o.item_set.all())
    d = Customer.objects.prefetch_related('orders').get(pk=1)
    for o in d.orders.all():
        list(o.item_set.all())
)py"}});
    CHECK(P.findings("shop.views") == Strings{"9:NP102:item_set"});
  }

  TEST_CASE("prefetch_related_objects loads what it names on the objects it is given") {
    auto P = test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from django.db.models import prefetch_related_objects
from .models import Customer, Order
LOOKUPS = ['item_set']
def totals(order):
    prefetch_related_objects([order], *LOOKUPS)
    return [i.pk for i in order.item_set.all()]
def names(order):
    prefetch_related_objects([order], *computed())
    return [i.pk for i in order.item_set.all()]
def plain(order):
    return [i.pk for i in order.item_set.all()]
def f():
    for o in Order.objects.all():
        totals(o)
        names(o)
        plain(o)
    c = Customer.objects.get(pk=1)
    prefetch_related_objects([c], 'orders__item_set')
    for o in c.orders.all():
        list(o.item_set.all())
)py"}});
    CHECK(P.findings("shop.views") == Strings{"12:NP102:item_set"});
  }
}

TEST_SUITE("flow.drf") {
  TEST_CASE("the article's OrderViewSet: one finding at source=, fixed at the queryset") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels},
                                   {"shop.serializers", R"py(
from rest_framework import serializers
from .models import Order, Customer
class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ['id', 'name', 'orders']
class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name')
    owner = serializers.PrimaryKeyRelatedField(source='customer', read_only=True)
    class Meta:
        model = Order
        fields = ['id', 'total', 'customer_name', 'owner']
)py"},
                                   {"shop.views", R"py(
from rest_framework import viewsets
from .models import Order, Customer
from .serializers import OrderSerializer, CustomerSerializer
class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
def customers(request):
    return CustomerSerializer(Customer.objects.all(), many=True).data
)py"}});
    flow::Analyzer A(P.P, *P.G, &P.Templates);
    std::vector<flow::Event> Events;
    for (const char *M : {"shop.views", "shop.serializers"}) {
      auto E = A.analyzeModule(*P.P.module(M));
      Events.insert(Events.end(), E.begin(), E.end());
    }
    std::vector<rules::Diagnostic> D = rules::runRules(Events, *P.G);
    REQUIRE(D.size() == 2);
    std::sort(D.begin(), D.end(), [](auto &X, auto &Y) { return X.Where.Begin < Y.Where.Begin; });
    CHECK(D[0].Code == "NP102"); // Meta.fields 'orders' on Customer
    CHECK(D[0].Fix->Path == "orders");
    CHECK(D[1].Code == "NP101");
    CHECK(D[1].File->slice(D[1].Where) == "customer");
    CHECK(D[1].Fix->Path == "customer");
    CHECK(D[1].Fix->Applies == rules::Applicability::Safe);
  }
}

TEST_SUITE("flow.drf") {
  TEST_CASE("a retrieve view: the object's own relations are single queries, nested lists loop") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.api", R"py(
from rest_framework import generics, serializers
from .models import Customer, Order
class OrderSerializer(serializers.ModelSerializer):
    items = serializers.PrimaryKeyRelatedField(source='item_set', many=True, read_only=True)
    class Meta:
        model = Order
        fields = ['id', 'items']
class CustomerSerializer(serializers.ModelSerializer):
    orders = OrderSerializer(many=True)
    city = serializers.CharField(source='address.city')
    class Meta:
        model = Customer
        fields = ['id', 'orders', 'city']
class One(generics.RetrieveAPIView):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
)py"}});
    std::vector<rules::Diagnostic> D;
    // Not `address` (one query for the one object), not `orders` (one query); the item_set
    // of every order is a query per order.
    CHECK(P.findings("shop.api", &D) == Strings{"5:NP102:orders__item_set"});
  }
}

/// The serializer the DRF view tests below share: one FK read per serialized order.
static const char *OrderNameSerializer = R"py(
from rest_framework import serializers
from .models import Order
class OrderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source='customer.name')
    class Meta:
        model = Order
        fields = ['id', 'name']
)py";

TEST_SUITE("flow.drf") {
  TEST_CASE("a project list() that never calls DRF's may not serialize every row") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels},
                                   {"shop.serializers", OrderNameSerializer},
                                   {"shop.api", R"py(
from rest_framework import viewsets
from rest_framework.response import Response
from .models import Order
from .serializers import OrderSerializer
class TableViewSet(viewsets.ReadOnlyModelViewSet):
    def list(self, request):
        return Response({'table': render_table(self.get_queryset())})
class FirstOnly(TableViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
class Wrapped(viewsets.ReadOnlyModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response['X-Count'] = '1'
        return response
)py"}});
    // Only Wrapped's list action (DRF's, through super()) serializes the rows; the retrieve
    // action of each reads one object.
    CHECK(P.findings("shop.api") == Strings{"5:NP101:customer"}); // the serializer's line
    std::vector<rules::Diagnostic> D;
    P.findings("shop.api", &D);
    REQUIRE(D.size() == 1);
    bool FromWrapped = false;
    for (const rules::Note &N : D[0].Notes)
      FromWrapped |= N.Message.find("`Wrapped`") != std::string::npos;
    CHECK(FromWrapped);
  }
}

TEST_SUITE("flow.querysets") {
  TEST_CASE("a loop over a queryset filtered on its primary key runs once") {
    auto P = test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Order
def f(pk):
    for o in Order.objects.filter(pk=pk):
        print(o.customer.name)
    for o in Order.objects.filter(id=pk).order_by('total'):
        print(o.customer.address.city)
    for o in Order.objects.filter(pk__in=[pk]):
        print(o.customer.name)
)py"}});
    CHECK(P.findings("shop.views") == Strings{"9:NP101:customer"});
  }

  TEST_CASE("a filter on a declared primary key, a unique column or a one-to-one: one row") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models
class Customer(models.Model):
    name = models.CharField(max_length=10)
class Tile(models.Model):
    tileid = models.UUIDField(primary_key=True)
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=10)
    owner = models.ForeignKey(Customer, on_delete=models.CASCADE)
    profile = models.OneToOneField(Customer, related_name='tile', on_delete=models.CASCADE)
)py"},
                                          {"shop.views", R"py(
from .models import Tile
def f(x):
    for t in Tile.objects.filter(tileid=x):
        print(t.owner.name)
    for t in Tile.objects.filter(slug__exact=x):
        print(t.owner.name)
    for t in Tile.objects.filter(profile=x):
        print(t.owner.name)
    for t in Tile.objects.filter(title=x):
        print(t.owner.name)
)py"}});
    CHECK(P.findings("shop.views") == Strings{"11:NP101:owner"});
  }

  TEST_CASE("a query inside a loop over one row runs once, unless an outer loop repeats it") {
    auto P = test::MiniProject(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from .models import Customer, Order
def f(pk):
    for o in Order.objects.filter(pk=pk):
        Customer.objects.filter(name=o.total).count()
    for c in Customer.objects.all():
        for o in Order.objects.filter(pk=pk):
            Customer.objects.filter(name=c.name).count()
)py"}});
    // Line 7: the one-row queryset itself is built on every pass of the outer loop.
    CHECK(P.findings("shop.views") == Strings{"7:NP202:-", "8:NP106:-"});
  }
}

TEST_SUITE("flow.drf") {
  TEST_CASE("an early `return X.objects.none()` guard is never the view's queryset") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels},
                                   {"shop.serializers", OrderNameSerializer},
                                   {"shop.api", R"py(
from rest_framework import viewsets
from .models import Order
from .serializers import OrderSerializer
class Guarded(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Order.objects.none()
        return Order.objects.select_related('customer')
class Unguarded(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Order.objects.none()
        return Order.objects.filter(total__gt=0)
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.api", &D);
    REQUIRE(D.size() == 1);
    CHECK(D[0].Code == "NP101");
    REQUIRE(D[0].Fix);
    // The fix goes on the queryset with rows, not on the guard.
    CHECK(D[0].QuerysetFile->slice(D[0].QuerysetWhere).str() ==
          "Order.objects.filter(total__gt=0)");
  }
}

TEST_SUITE("flow.drf") {
  TEST_CASE(
      "a view's own method given the queryset (`qs = self.filter_queryset(qs)`) is followed") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels},
                                   {"shop.mixins", R"py(
class Filterable:
    def filter_queryset(self, qs):
        if 'q' in self.request.GET:
            qs = self._search(qs)
        return qs
    def _search(self, qs):
        return qs.filter(total__gt=0)
)py"},
                                   {"shop.serializers", OrderNameSerializer},
                                   {"shop.api", R"py(
from rest_framework import viewsets
from .mixins import Filterable
from .models import Order
from .serializers import OrderSerializer
class Listed(Filterable, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    def get_queryset(self):
        qs = Order.objects.order_by('-id')
        return self.filter_queryset(qs)
class Joined(Filterable, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    def get_queryset(self):
        return self.filter_queryset(Order.objects.select_related('customer'))
)py"}});
    std::vector<rules::Diagnostic> D;
    P.findings("shop.api", &D);
    REQUIRE(D.size() == 1);
    CHECK(D[0].Code == "NP101");
    CHECK(D[0].QuerysetFile->slice(D[0].QuerysetWhere).str() == "Order.objects.order_by('-id')");
  }
}

TEST_SUITE("flow.drf") {
  TEST_CASE("a write_only field is an input: serializing the rows never reads it") {
    test::MiniProject P(test::Mods{{"shop.models", test::ShopModels}, {"shop.views", R"py(
from rest_framework import serializers
from .models import Customer, Order
class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name', write_only=True)
    class Meta:
        model = Order
        fields = ['id', 'customer_name', 'item_set']
        extra_kwargs = {'item_set': {'write_only': True}}
class ReadSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source='customer.name', write_only=False)
    class Meta:
        model = Order
        fields = ['id', 'customer_name', 'item_set']
def f():
    return OrderSerializer(Order.objects.all(), many=True).data
def g():
    return ReadSerializer(Order.objects.all(), many=True).data
)py"}});
    // ReadSerializer reads both per row; OrderSerializer reads neither.
    CHECK(P.findings("shop.views") == Strings{"11:NP101:customer", "14:NP102:item_set"});
  }
  TEST_CASE("Jinja2 globals of the project run on the rows the template hands them") {
    test::MiniProject P(
        test::Mods{{"shop.models", test::ShopModels},
                   {"shop.helpers", R"py(
from functools import lru_cache
from django_jinja import library
from jingo import register

@library.global_function
def city(order, prefix=''):
    return prefix + order.customer.address.city

@register.function
def label(order, short=False):
    return order.customer.name

@library.global_function
@lru_cache
def cached_name(order):
    return order.customer.name
)py"},
                   {"shop.views", R"py(
from django.shortcuts import render
from .models import Order
def a(request):
    return render(request, 'a.jinja', {'orders': Order.objects.all()})
def b(request):
    return render(request, 'b.jinja', {'orders': Order.objects.all()})
def c(request):
    return render(request, 'c.jinja', {'orders': Order.objects.all()})
def d(request):
    return render(request, 'd.jinja', {'orders': Order.objects.select_related('customer__address')})
)py"}},
        {{"a.jinja", "{% for o in orders %}{{ city(o, 'in ') }}{% endfor %}"},
         {"b.jinja", "{% for o in orders %}{{ label(short=True, order=o) }}{% endfor %}"},
         {"c.jinja", "{% for o in orders %}{{ cached_name(o) }}{% endfor %}"},
         {"d.jinja", "{% for o in orders %}{{ city(o) }}{% endfor %}"}});
    // c: memoized, the cache outlives the request; d: joined.
    CHECK(P.findings("shop.views") == Strings{"12:NP101:customer", "8:NP101:customer__address"});
  }
}
