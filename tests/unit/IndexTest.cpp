#include "Helpers.h"

#include "index/Framework.h"
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
    llvm::Expected<std::unique_ptr<index::ModelGraph>> Decoded = index::ModelGraph::decode(Bytes);
    REQUIRE(bool(Decoded));
    std::unique_ptr<index::ModelGraph> Back = std::move(*Decoded);
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
    CHECK_FALSE(llvm::errorToBool(Back->bind(Empty.P)));
    index::Lookups L;
    {
      index::LookupScope Scope(L);
      CHECK_FALSE(Back->classOf(Order));
      CHECK_FALSE(Back->managerClass(*Back->manager(Order, "objects")));
    }
    CHECK(L.Modules.count("app.models"));
    // Bound to the full project: the same syntax tree the built graph points at.
    CHECK_FALSE(llvm::errorToBool(Back->bind(Full.P)));
    CHECK(Back->classOf(Order).Def == Full.G->classOf(Full.G->modelByLabel("app.order")).Def);
    CHECK(Back->managerClass(*Back->manager(Order, "objects")));

    // Malformed bytes fail rather than build a wrong graph.
    auto Fails = [](llvm::StringRef B) {
      llvm::Expected<std::unique_ptr<index::ModelGraph>> G = index::ModelGraph::decode(B);
      if (G)
        return false;
      llvm::consumeError(G.takeError());
      return true;
    };
    CHECK(Fails(llvm::StringRef(Bytes).drop_back(3)));
    CHECK(Fails(Bytes + "x"));
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

TEST_SUITE("index.names") {
  TEST_CASE(
      "app labels: the installed app that contains the module, and the AppConfigs Django uses") {
    test::MiniProject P(test::Mods{
        {"site.settings", R"py(
DJANGO_APPS = ['django.contrib.auth', 'django.contrib.contenttypes']
LOCAL_APPS = ['pkg', 'shop.apps.ShopConfig']
INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
INSTALLED_APPS += ['blog']
)py"},
        {"pkg", ""},
        {"pkg.sub", ""},
        {"pkg.sub.models", R"py(
from django.db import models
class Thing(models.Model):
    name = models.CharField(max_length=5)
)py"},
        {"shop", ""},
        {"shop.apps", R"py(
from django.apps import AppConfig
class ShopConfig(AppConfig):
    name = 'shop'
    label = 'store'
)py"},
        {"shop.models", R"py(
from django.db import models
class Order(models.Model):
    thing = models.ForeignKey('pkg.Thing', on_delete=models.CASCADE)
)py"},
        {"blog", R"py(
from django.apps import AppConfig
class BlogConfig(AppConfig):
    name = 'blog'
    label = 'journal'
)py"},
        {"blog.models", R"py(
from django.db import models
class Post(models.Model):
    order = models.ForeignKey('store.Order', on_delete=models.CASCADE)
)py"},
    });
    // pkg/sub/models.py belongs to app `pkg`, not `sub`.
    const index::Model *Thing = P.G->modelByLabel("pkg.Thing");
    REQUIRE(Thing);
    CHECK(P.G->modelByLabel("sub.Thing") == nullptr);
    // ShopConfig is listed: its label applies; string references use it.
    const index::Model *Order = P.G->modelByLabel("store.Order");
    REQUIRE(Order);
    CHECK(P.G->relation(Order, "thing")->Target == Thing);
    // An AppConfig in the package __init__ that nothing names is not used by Django.
    const index::Model *Post = P.G->modelByLabel("blog.Post");
    REQUIRE(Post);
    CHECK(P.G->modelByLabel("journal.Post") == nullptr);
    CHECK(P.G->relation(Post, "order")->Target == Order);
  }

  TEST_CASE("star re-exports honour __all__, at any depth") {
    test::MiniProject P(test::Mods{
        {"app", ""},
        {"app.models", "from .parts import *\n"},
        {"app.models.parts", "from .order import *\nfrom .hidden import *\n"},
        {"app.models.parts.order", R"py(
from django.db import models
__all__ = ['Order']
class Order(models.Model):
    pass
class Internal(models.Model):
    pass
)py"},
        {"app.models.parts.hidden", R"py(
from django.db import models
class _Private(models.Model):
    pass
)py"},
    });
    CHECK(P.P.classNamed("app.models.Order"));
    CHECK(!P.P.classNamed("app.models.Internal")); // not in __all__
    CHECK(!P.P.classNamed("app.models._Private")); // underscore names are not exported
    CHECK(P.G->modelNamed(P.P, "app.models.Order") == P.G->modelByLabel("app.Order"));
  }

  TEST_CASE("a class's MRO is Python's C3 order over project classes") {
    test::MiniProject P(test::Mods{{"app.views", R"py(
from rest_framework import generics
class Base(generics.ListAPIView):
    pass
class Left(Base):
    pass
class Right(Base):
    pass
class Mixin:
    pass
class View(Mixin, Left, Right):
    pass
class Bad(Base, Left):
    pass
)py"}});
    auto Names = [&](llvm::StringRef Qual) {
      std::string Out;
      for (const index::ClassRef &C : P.P.mro(P.P.classNamed(Qual)))
        Out += C.Def->Name + " ";
      return Out;
    };
    // Breadth-first order would put Base before Right; Python's C3 puts it after both.
    CHECK(Names("app.views.View") == "View Mixin Left Right Base ");
    // `class Bad(Base, Left)` has no consistent order (Python raises TypeError): each
    // class once, breadth first.
    CHECK(Names("app.views.Bad") == "Bad Base Left ");
  }

  TEST_CASE("a module is also reachable by a unique dotted tail (a source folder on sys.path)") {
    test::MiniProject P(test::Mods{
        {"kit", ""},
        {"kit.apps", ""},
        {"kit.apps.forums", ""},
        {"kit.apps.forums.models", R"py(
from django.db import models
class Forum(models.Model):
    pass
)py"},
        {"kit.apps.wiki", ""},
        {"kit.apps.wiki.models", R"py(
from django.db import models
from forums.models import Forum
class Page(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE)
)py"},
        {"kit.apps.wiki.utils", ""},
        {"kit.apps.forums.utils", ""},
    });
    const index::Model *Page = P.G->modelByLabel("wiki.Page");
    REQUIRE(Page);
    REQUIRE(P.G->relation(Page, "forum"));
    CHECK(P.G->relation(Page, "forum")->Target == P.G->modelByLabel("forums.Forum"));
    CHECK(P.P.module("forums.models") == P.P.module("kit.apps.forums.models"));
    CHECK(P.P.module("utils") == nullptr); // one part: never a second name
    // A longer tail works as well; a tail two modules share (`utils` of both apps has only
    // one part here) never does.
    CHECK(P.P.module("apps.forums.utils") == P.P.module("kit.apps.forums.utils"));
  }

  TEST_CASE("models through loaders and aliases, and the user model through every route") {
    test::MiniProject P(test::Mods{
        {"site.settings", "AUTH_USER_MODEL = 'people.Person'\n"},
        {"people", ""},
        {"people.models", R"py(
from django.contrib.auth.models import AbstractUser
class Person(AbstractUser):
    pass
)py"},
        {"core", ""},
        {"core.loading", R"py(
from django.apps import apps
def get_model(app_label, model_name):
    return apps.get_model(app_label, model_name)
def get_class(module, name):
    return None
)py"},
        {"shop", ""},
        {"shop.models", R"py(
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
User = get_user_model()
class Order(models.Model):
    buyer = models.ForeignKey(User, on_delete=models.CASCADE)
    seller = models.ForeignKey(getattr(settings, 'AUTH_USER_MODEL', 'auth.User'), on_delete=models.CASCADE)
    agent = models.ForeignKey(get_user_model(), on_delete=models.CASCADE)
)py"},
        {"shop.views", R"py(
from django.apps import apps
from core.loading import get_model, get_class
from shop import models
Order = get_model('shop', 'Order')
Order2 = apps.get_model('shop.Order')
Order3 = get_class('shop.models', 'Order')
Alias = models.Order
Form = get_class('shop.forms', 'OrderForm')
Unknown = get_model('shop', 'Nothing')
)py"},
    });
    const index::Model *Person = P.G->modelByLabel("people.Person");
    const index::Model *Order = P.G->modelByLabel("shop.Order");
    REQUIRE(Person);
    REQUIRE(Order);
    CHECK(P.G->authUser() == Person);
    for (const char *F : {"buyer", "seller", "agent"}) {
      CAPTURE(F);
      REQUIRE(P.G->relation(Order, F));
      CHECK(P.G->relation(Order, F)->Target == Person);
    }
    CHECK(P.G->modelNamed(P.P, "shop.models.User") == Person);
    for (const char *N :
         {"shop.views.Order", "shop.views.Order2", "shop.views.Order3", "shop.views.Alias"}) {
      CAPTURE(N);
      CHECK(P.G->modelNamed(P.P, N) == Order);
    }
    // Never a guess: a form class and a model the app does not have stay unknown.
    CHECK(P.G->modelNamed(P.P, "shop.views.Form") == nullptr);
    CHECK(P.G->modelNamed(P.P, "shop.views.Unknown") == nullptr);
  }

  TEST_CASE("model classes and relations as real projects declare them") {
    test::MiniProject P(test::Mods{
        {"lib", ""},
        {"lib.models", R"py(
from django.db import models
from six import with_metaclass
from treebeard.mp_tree import MP_Node
from taggit.managers import TaggableManager
from outside.base import TimeStamped
import auto_prefetch

def is_model_registered(app, name):
    return False

class ForeignKey(models.ForeignKey):
    pass

class Typed(models.Model):
    class Meta:
        abstract = True

class Plain(TimeStamped):
    pass

if not is_model_registered('lib', 'Category'):
    class Category(MP_Node):
        name = models.CharField(max_length=5)

try:
    class Product(Typed[int]):
        category = ForeignKey(Category, on_delete=models.CASCADE)
        tags = TaggableManager()
        related = models.ManyToManyField('Product')
        maker = models.ForeignKey('vendors.Maker', on_delete=models.CASCADE)
except ImportError:
    pass

class Legacy(with_metaclass(type, models.Model)):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)

class Stamped(Plain):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)

class Lazy(auto_prefetch.Model):
    product = auto_prefetch.ForeignKey(Product, on_delete=models.CASCADE)
)py"},
    });
    const index::Model *Category = P.G->modelByLabel("lib.Category");
    const index::Model *Product = P.G->modelByLabel("lib.Product");
    REQUIRE(Category);
    REQUIRE(Product);
    CHECK(P.G->manager(Category, "objects") != nullptr); // treebeard's MP_NodeManager
    REQUIRE(P.G->relation(Product, "category"));
    CHECK(P.G->relation(Product, "category")->Kind == index::RelationKind::ForeignKey);
    CHECK(P.G->relation(Product, "tags")->Target == P.G->modelByLabel("taggit.Tag"));
    // ManyToManyField('Product') on Product is not symmetrical: it has a reverse accessor.
    CHECK(P.G->relation(Product, "product_set") != nullptr);
    // Another package's model is still a relation.
    REQUIRE(P.G->relation(Product, "maker"));
    CHECK(P.G->relation(Product, "maker")->Target->label() == "vendors.Maker");
    CHECK(P.G->modelByLabel("lib.Legacy") != nullptr);
    // A field-less project class on a package base, then a model with fields.
    CHECK(P.G->modelByLabel("lib.Plain") == nullptr);
    CHECK(P.G->modelByLabel("lib.Stamped") != nullptr);
    // auto-prefetch loads the relation for every peer row: a column, never an N+1.
    const index::Model *Lazy = P.G->modelByLabel("lib.Lazy");
    REQUIRE(Lazy);
    CHECK(P.G->relation(Lazy, "product") == nullptr);
    CHECK(P.G->isColumn(Lazy, "product_id"));
  }
}

TEST_SUITE("index.framework") {
  TEST_CASE("the catalog answers what a framework module, a queryset method, a base is") {
    CHECK(index::isFrameworkModule("django"));
    CHECK(index::isFrameworkModule("django.db.models"));
    CHECK(index::isFrameworkModule("rest_framework.serializers.Serializer"));
    CHECK(index::isFrameworkModule("django_filters.rest_framework"));
    CHECK(!index::isFrameworkModule("djangoapp.models")); // a package, not a prefix
    CHECK(!index::isFrameworkModule("rest_framework_gis.fields"));
    CHECK(!index::isFrameworkModule("shop.views"));
    CHECK(index::isDjangoModule("django.shortcuts.render"));
    CHECK(!index::isDjangoModule("rest_framework.generics"));

    using index::QueryMethodKind;
    CHECK(index::queryMethodKind("filter") == QueryMethodKind::Chain);
    CHECK(index::queryMethodKind("first") == QueryMethodKind::Single);
    CHECK(index::queryMethodKind("values_list") == QueryMethodKind::Values);
    CHECK(index::queryMethodKind("select_related") == QueryMethodKind::Related);
    CHECK(index::queryMethodKind("only") == QueryMethodKind::Fields);
    CHECK(index::queryMethodKind("union") == QueryMethodKind::SetOp);
    CHECK(index::queryMethodKind("published") == QueryMethodKind::Unknown);
    CHECK(index::queryMethodOf("count").has(index::qm::Counts | index::qm::Queries));
    CHECK(index::queryMethodOf("in_bulk").has(index::qm::ReturnsRows));
    CHECK(index::queryMethodOf("none").has(index::qm::Empty));
    CHECK(!index::queryMethodOf("filter").has(index::qm::LosesLookups));
    CHECK((index::modelMethodFlags("add") & index::mm::RelatedOnly));
    CHECK(index::modelMethodFlags("append") == 0);

    CHECK(index::isFrameworkBase(index::BaseRole::Model, "django.db.models.Model"));
    CHECK(!index::isFrameworkBase(index::BaseRole::Manager, "django.db.models.Model"));
    CHECK(index::frameworkCall("django.shortcuts.get_object_or_404") ==
          index::CallRole::GetObjectOr404);
    const index::RenderHelper *R = index::renderHelper("django.template.loader.render_to_string");
    REQUIRE(R);
    CHECK(R->ContextArg == 1);
    CHECK(index::renderHelper("django.template.loader.get_template")->ContextArg == -1);
    CHECK(index::renderHelper("shop.shortcuts.render") == nullptr);
    CHECK(index::renderHelper("django.other.render") == nullptr); // only django.shortcuts'
  }
}
