// Loop shapes beyond missing loads (NP201 writes per row, NP202 loop-invariant queries) and
// Django 6.1 fetch modes: what flow reports and what the rules make of it.
#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

static test::MiniProject shop(const char *Views, const char *Extra = nullptr) {
  test::Mods M{{"shop.models", test::ShopModels}, {"shop.views", Views}};
  if (Extra)
    M["shop.signals"] = Extra;
  return test::MiniProject(M);
}

TEST_SUITE("flow.writes") {
  TEST_CASE("save, update_fields, delete and filter(pk=row.pk).update per row: NP201") {
    auto P = shop(R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        o.total = 1
        o.save()
    for o in Order.objects.all():
        o.save(update_fields=['total'])
    for o in Order.objects.all():
        Order.objects.filter(pk=o.pk).update(total=2)
    for o in Order.objects.all():
        o.delete()
)py");
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) ==
          Strings{"10:NP201:-", "12:NP201:-", "6:NP201:-", "8:NP201:-"});
    for (const auto &X : D) {
      CHECK(!X.Fix); // display-only advice
      if (X.Message.find("update_fields") != std::string::npos)
        CHECK(X.Message.find("bulk_update(rows, ['total'])") != std::string::npos);
    }
  }

  TEST_CASE("writes that do not repeat per row, or are not the row's: silent") {
    auto P = shop(R"py(
from .models import Order, Customer
def f(flag, other):
    for o in Order.objects.all():
        o.save()
        break
    for o in Order.objects.all():
        if o.total > 10:
            o.save()
    for o in Order.objects.all():
        new = Order(total=o.total)
        new.save()
    for o in Order.objects.all():
        other.save()
    for o in [Order(total=1), Order(total=2)]:
        o.save()
    for o in Order.objects.all():
        Customer.objects.filter(pk=o.pk).update(name='x')
    Order.objects.all().update(total=0)
)py");
    // The last loop keys another model on the row's pk: not the row (it is NP106-free
    // too: update() is a write, not a read).
    CHECK(P.findings("shop.views").empty());
  }

  TEST_CASE("a save() override or a post_save receiver silences save(), not update()") {
    auto P = shop(R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        o.save()
    for o in Order.objects.all():
        Order.objects.filter(pk=o.pk).update(total=2)
)py",
                  R"py(
from django.db.models.signals import post_save
from .models import Order
def on_save(sender, instance, **kwargs):
    pass
post_save.connect(on_save, sender=Order)
)py");
    CHECK(P.findings("shop.views") == Strings{"7:NP201:-"});
  }
}

TEST_SUITE("flow.writing_loops") {
  TEST_CASE("a loop that writes on every pass: its reads are not reported; a branch's write "
            "leaves them") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class Order(models.Model):
    customer = models.ForeignKey(Customer, related_name='orders', on_delete=models.CASCADE)
    total = models.IntegerField()

    def cancel(self):
        self.total = 0
        self.save()

    def maybe_cancel(self):
        if self.total < 0:
            self.save()
)py"},
                                          {"shop.views", R"py(
from .models import Order
def f():
    for o in Order.objects.all():
        print(o.customer.name)
        o.save()
    for o in Order.objects.all():
        try:
            o.delete()
        except Exception:
            pass
        print(o.customer.name)
    for o in Order.objects.all():
        print(o.customer.name)
        o.cancel()
    for o in Order.objects.all():
        print(o.customer.name)
        if o.total:
            o.save()
    for o in Order.objects.all():
        print(o.customer.name)
        o.maybe_cancel()
    for o in Order.objects.all():
        print(o.customer.name)
        while o.total > 0:
            o.total -= 1
            o.save()
)py"}});
    CHECK(P.findings("shop.views") ==
          Strings{"17:NP101:customer", "21:NP101:customer", "24:NP101:customer", "6:NP201:-"});
  }
}

TEST_SUITE("flow.writing_loops") {
  TEST_CASE("what a save() override reads is not reported, even when only some rows save") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    payer = models.ForeignKey(Customer, related_name='+', on_delete=models.CASCADE)
    label = models.CharField(max_length=10)

    def save(self, *args, **kwargs):
        self.label = self.customer.name
        super().save(*args, **kwargs)

    def close(self):
        if self.label:
            self.save()
)py"},
                                          {"shop.views", R"py(
from .models import Invoice
def f():
    for i in Invoice.objects.all():
        print(i.payer.name)
        if i.pk > 1:
            i.save()
    for i in Invoice.objects.all():
        i.close()
)py"}});
    CHECK(P.findings("shop.views") == Strings{"5:NP101:payer"});
  }
}

TEST_SUITE("flow.method_branches") {
  TEST_CASE("a hop a property reads only in a branch does not replace the hop before it") {
    auto P = test::MiniProject(test::Mods{{"shop.models", R"py(
from django.db import models

class Workspace(models.Model):
    slug = models.CharField(max_length=10)

class Asset(models.Model):
    kind = models.CharField(max_length=10)
    workspace = models.ForeignKey(Workspace, null=True, on_delete=models.CASCADE)

    @property
    def url(self):
        if self.kind == 'attachment':
            return self.workspace.slug
        return str(self.id)

class Member(models.Model):
    avatar = models.ForeignKey(Asset, null=True, on_delete=models.SET_NULL)

    @property
    def avatar_url(self):
        if self.avatar:
            return self.avatar.url
        return None

class Node(models.Model):
    parent = models.ForeignKey('self', null=True, on_delete=models.CASCADE)
    owner = models.ForeignKey(Workspace, null=True, on_delete=models.CASCADE)

    def parent_slug(self):
        if self.parent is not None:
            return self.parent.owner.slug
        return ''
)py"},
                                          {"shop.views", R"py(
from .models import Asset, Member, Node
def f():
    for m in Member.objects.all():
        print(m.avatar_url)
    for a in Asset.objects.all():
        print(a.url)
    for n in Node.objects.all():
        print(n.parent_slug())
)py"}});
    // A branch that only checks the hop is there (`if self.parent is not None:`) reads the
    // next hop whenever the first exists: the longer chain stays the finding.
    CHECK(P.findings("shop.views") ==
          Strings{"5:NP101:avatar", "7:NP101:workspace", "9:NP101:parent__owner"});
  }
}

TEST_SUITE("flow.invariant") {
  TEST_CASE("a query reading nothing the loop changes: NP202; one reading the row: NP106") {
    auto P = shop(R"py(
from .models import Order, Customer
def f():
    for o in Order.objects.all():
        print(Customer.objects.count())
        print(Customer.objects.get(pk=o.customer_id))
)py");
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"5:NP202:-", "6:NP106:-"});
  }

  TEST_CASE("nested loops name every loop; a mutated local or a write keeps NP106") {
    auto P = shop(R"py(
from .models import Order, Customer
def f():
    for c in Customer.objects.all():
        for o in Order.objects.all():
            print(Customer.objects.count(), c, o)
    seen = []
    for o in Order.objects.all():
        print(Customer.objects.exclude(pk__in=seen).first())
        seen.append(o.customer_id)
    for o in Order.objects.all():
        print(Customer.objects.count())
        if o.pk == 1:
            Customer.objects.create(name='x')
)py");
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) ==
          Strings{"12:NP106:-", "5:NP202:-", "6:NP202:-", "9:NP106:-"});
    bool Both = false;
    for (const auto &X : D)
      Both |= X.Message.find("per row of `Customer.objects.all()` and `Order.objects.all()`") !=
              std::string::npos;
    CHECK(Both);
  }
}

TEST_SUITE("flow.fetchmodes") {
  const char *Loops = R"py(
from django.db import models
from .models import Order, Customer
def f():
    for o in Order.objects.fetch_mode(models.FETCH_PEERS):
        print(o.customer.name)
    for c in Customer.objects.fetch_mode(models.FETCH_PEERS):
        print(list(c.orders.all()))
    for o in Order.objects.fetch_mode(models.FETCH_RAISE):
        print(o.customer.name)
)py";

  TEST_CASE("FETCH_PEERS covers FKs, never related managers; RAISE reports a crash") {
    auto P = shop(Loops);
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) == Strings{"10:NP101:customer", "8:NP102:orders"});
    for (const auto &X : D)
      if (X.Code == "NP101")
        CHECK(X.Message.find("raises FieldFetchBlocked") != std::string::npos);
  }

  TEST_CASE("FETCH_PEERS covers a GenericForeignKey too; a mode we cannot read is trusted") {
    test::MiniProject P(test::Mods{{"pins.models", R"py(
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

class Pin(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey('content_type', 'object_id')
)py"},
                                   {"pins.views", R"py(
from django.db import models
from .models import Pin
def f(mode):
    for p in Pin.objects.fetch_mode(models.FETCH_PEERS):
        print(p.content_object)
    for p in Pin.objects.fetch_mode(mode):
        print(p.content_object)
    for p in Pin.objects.fetch_mode(models.FETCH_ONE):
        print(p.content_object)
)py"}});
    CHECK(P.findings("pins.views") == Strings{"10:NP107:content_object"});
  }

  TEST_CASE("a project pinned before Django 6.1 has no fetch modes") {
    auto P = shop(Loops);
    P.DjangoVersion = 502;
    P.VersionKnown = true;
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("shop.views", &D) ==
          Strings{"10:NP101:customer", "6:NP101:customer", "8:NP102:orders"});
    for (const auto &X : D)
      CHECK(X.Message.find("raises") == std::string::npos);
  }
}
