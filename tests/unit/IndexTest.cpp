#include "Helpers.h"

#include "index/Lookups.h"

#include <doctest/doctest.h>

using namespace nplus1;

TEST_SUITE("index.models") {
  TEST_CASE("forward and reverse relations with every naming rule") {
    test::MiniProject P(test::Mods{{"shop.models", R"py(
from django.db import models
from django.conf import settings

class Base(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, related_name='%(app_label)s_%(class)s_items', on_delete=models.CASCADE)
    class Meta:
        abstract = True

class Tag(models.Model):
    name = models.CharField(max_length=5)

class Post(Base):
    tags = models.ManyToManyField(Tag)
    parent = models.ForeignKey('self', null=True, related_name='+', on_delete=models.CASCADE)
    editor = models.ForeignKey('auth.User', on_delete=models.CASCADE)

class Profile(models.Model):
    post = models.OneToOneField(Post, on_delete=models.CASCADE)
    class Meta:
        default_related_name = 'profiles'

class Special(Post):
    pass
)py"}});
    const index::Model *Post = P.G->modelByLabel("shop.Post");
    const index::Model *User = P.G->modelByLabel("auth.user");
    const index::Model *Tag = P.G->modelByLabel("shop.tag");
    REQUIRE(Post);
    REQUIRE(User);
    REQUIRE(Tag);
    CHECK(P.G->relation(Post, "owner")->Target == User);
    CHECK(P.G->relation(User, "shop_post_items")->Kind == index::RelationKind::ReverseForeignKey);
    CHECK(P.G->relation(Tag, "post_set")->Kind == index::RelationKind::ReverseManyToMany);
    CHECK(P.G->relation(Post, "parent")->Nullable);
    CHECK(P.G->relation(User, "post_set")->Target == Post); // editor's default name
    CHECK(P.G->relation(Post, "profiles")->Kind == index::RelationKind::ReverseOneToOne);
    CHECK(P.G->relation(Post, "special")->Kind == index::RelationKind::ReverseOneToOne);
    const index::Model *Special = P.G->modelByLabel("shop.special");
    REQUIRE(Special);
    CHECK(P.G->relation(Special, "post_ptr")->ParentLink);
    CHECK(P.G->relation(Special, "tags") != nullptr); // inherited from the parent
    CHECK(P.G->isColumn(Post, "editor_id"));
    CHECK(!P.G->isColumn(Post, "editor"));
    CHECK(P.G->modelByLabel("shop.base") == nullptr); // abstract
    // The default user model keeps Django's own reverse accessors.
    CHECK(P.G->relation(P.G->modelByLabel("auth.group"), "user_set") != nullptr);
  }

  TEST_CASE("managers: custom class, as_manager, from_queryset") {
    test::MiniProject P(test::Mods{{"app.models", R"py(
from django.db import models

class OrderQuerySet(models.QuerySet):
    def with_items(self):
        return self.prefetch_related('item_set')

class OrderManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related('customer')

class Order(models.Model):
    objects = OrderManager()
    qs = OrderQuerySet.as_manager()
    both = OrderManager.from_queryset(OrderQuerySet)()
)py"}});
    const index::Model *Order = P.G->modelByLabel("app.order");
    REQUIRE(Order);
    CHECK(P.G->manager(Order, "objects")->ManagerClass);
    CHECK(P.G->manager(Order, "qs")->QuerySetClass);
    CHECK(P.G->manager(Order, "both")->ManagerClass);
    CHECK(P.G->manager(Order, "both")->QuerySetClass);
    CHECK(P.G->manager(Order, "missing") == nullptr);
  }

  TEST_CASE("the catalog resolves Django's own models") {
    test::MiniProject P(test::Mods{{"x.models", "from django.db import models\n"}});
    const index::Model *Perm = P.G->modelByLabel("auth.permission");
    REQUIRE(Perm);
    CHECK(P.G->relation(Perm, "content_type")->Target ==
          P.G->modelByLabel("contenttypes.contenttype"));
    CHECK(P.G->relation(Perm, "group_set") != nullptr);
  }

  TEST_CASE("the graph encodes for the cache and binds lazily to the modules loaded") {
    std::map<std::string, std::string> Mods{{"app.models", R"py(
from django.db import models

class OrderManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related('customer')

class Customer(models.Model):
    name = models.CharField(max_length=5)

class Order(models.Model):
    customer = models.ForeignKey(Customer, null=True, on_delete=models.CASCADE)
    tags = models.ManyToManyField('app.Tag', related_name='orders')
    objects = OrderManager()
    class Meta:
        ordering = ['id']

class Tag(models.Model):
    pass
)py"}};
    test::MiniProject Full(Mods);
    std::string Bytes = Full.G->encode();
    std::unique_ptr<index::ModelGraph> Back = index::ModelGraph::decode(Bytes);
    CHECK(Back->encode() == Bytes); // unbound, it still knows where each class is
    CHECK(Back->models().size() == Full.G->models().size());
    const index::Model *Order = Back->modelByLabel("app.order");
    REQUIRE(Order);
    CHECK(Back->relation(Order, "customer")->Target == Back->modelByLabel("app.customer"));
    CHECK(Back->relation(Back->modelByLabel("app.tag"), "orders")->Kind ==
          index::RelationKind::ReverseManyToMany);
    CHECK(Order->Ordered);

    // Bound to a project without app.models: the classes stay empty, and asking for one
    // records that the module is needed.
    test::MiniProject Empty({});
    Back->bind(Empty.P);
    index::Lookups L;
    {
      index::LookupScope Scope(L);
      CHECK_FALSE(Back->classOf(Order));
      CHECK_FALSE(Back->managerClass(*Back->manager(Order, "objects")));
    }
    CHECK(L.Modules.count("app.models"));
    // Bound to the full project: the same syntax tree the built graph points at.
    Back->bind(Full.P);
    CHECK(Back->classOf(Order).Def == Full.G->classOf(Full.G->modelByLabel("app.order")).Def);
    CHECK(Back->managerClass(*Back->manager(Order, "objects")));

    // Malformed bytes throw rather than build a wrong graph.
    CHECK_THROWS(index::ModelGraph::decode(llvm::StringRef(Bytes).drop_back(3)));
    CHECK_THROWS(index::ModelGraph::decode(Bytes + "x"));
  }

  TEST_CASE("modules that add to a model graph") {
    test::MiniProject P(test::Mods{{"app.models", R"py(
from django.db import models
class A(models.Model):
    pass
)py"},
                                   {"app.views", R"py(
from app.models import A
class V:
    model = A
)py"},
                                   {"app.sub", R"py(
from app.models import A
class B(A):
    pass
)py"},
                                   {"proj.settings", "DEBUG = True\n"}});
    auto Contributes = [&](const char *Name) {
      return index::ModelGraph::contributes(P.P, *P.P.module(Name));
    };
    CHECK(Contributes("app.models"));
    CHECK_FALSE(Contributes("app.views"));
    CHECK(Contributes("app.sub"));
    CHECK(Contributes("proj.settings"));
  }
}
