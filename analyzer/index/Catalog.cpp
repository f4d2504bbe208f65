// Django's own models, written as the model declarations Django ships (fields that matter
// for relations only). They are parsed like project code, so every rule of the model graph
// applies to them unchanged.
#include "index/ModelGraph.h"

namespace nplus1::index {

static const CatalogModule Catalog[] = {
    {"django.contrib.contenttypes.models", R"py(
from django.db import models

class ContentType(models.Model):
    app_label = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
)py"},
    {"django.contrib.auth.models", R"py(
from django.db import models
from django.contrib.contenttypes.models import ContentType

class Permission(models.Model):
    name = models.CharField(max_length=255)
    content_type = models.ForeignKey(ContentType, models.CASCADE)
    codename = models.CharField(max_length=100)

    def __str__(self):
        return "%s | %s" % (self.content_type, self.name)

class Group(models.Model):
    name = models.CharField(max_length=150, unique=True)
    permissions = models.ManyToManyField(Permission, blank=True)

class AbstractBaseUser(models.Model):
    password = models.CharField(max_length=128)
    last_login = models.DateTimeField(blank=True, null=True)
    class Meta:
        abstract = True

class PermissionsMixin(models.Model):
    is_superuser = models.BooleanField(default=False)
    groups = models.ManyToManyField(Group, blank=True, related_name="user_set", related_query_name="user")
    user_permissions = models.ManyToManyField(Permission, blank=True, related_name="user_set", related_query_name="user")
    class Meta:
        abstract = True

class AbstractUser(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=150)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField()
    class Meta:
        abstract = True

class User(AbstractUser):
    class Meta:
        swappable = "AUTH_USER_MODEL"
)py"},
    {"django.contrib.admin.models", R"py(
from django.conf import settings
from django.db import models
from django.contrib.contenttypes.models import ContentType

class LogEntry(models.Model):
    action_time = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)
    content_type = models.ForeignKey(ContentType, models.SET_NULL, blank=True, null=True)
    object_id = models.TextField(blank=True, null=True)
    object_repr = models.CharField(max_length=200)
    action_flag = models.PositiveSmallIntegerField()
    change_message = models.TextField(blank=True)
)py"},
    {"django.contrib.sites.models", R"py(
from django.db import models

class Site(models.Model):
    domain = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=50)
)py"},
    {"django.contrib.sessions.models", R"py(
from django.db import models

class Session(models.Model):
    session_key = models.CharField(max_length=40, primary_key=True)
    session_data = models.TextField()
    expire_date = models.DateTimeField()
)py"},
    {"django.contrib.flatpages.models", R"py(
from django.db import models
from django.contrib.sites.models import Site

class FlatPage(models.Model):
    url = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    content = models.TextField(blank=True)
    sites = models.ManyToManyField(Site)
)py"},
    {"django.contrib.redirects.models", R"py(
from django.db import models
from django.contrib.sites.models import Site

class Redirect(models.Model):
    site = models.ForeignKey(Site, models.CASCADE)
    old_path = models.CharField(max_length=200)
    new_path = models.CharField(max_length=200, blank=True)
)py"},
    // Third-party model bases and fields, as each package declares them (fields that
    // matter for relations and columns only). A project model on one of these bases is a
    // model like any other.
    {"treebeard.models", R"py(
from django.db import models

class Node(models.Model):
    class Meta:
        abstract = True
)py"},
    {"treebeard.mp_tree", R"py(
from django.db import models
from treebeard.models import Node

class MP_NodeManager(models.Manager):
    pass

class MP_Node(Node):
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveIntegerField()
    numchild = models.PositiveIntegerField(default=0)
    objects = MP_NodeManager()
    class Meta:
        abstract = True
)py"},
    {"treebeard.ns_tree", R"py(
from django.db import models
from treebeard.models import Node

class NS_NodeManager(models.Manager):
    pass

class NS_Node(Node):
    lft = models.PositiveIntegerField(db_index=True)
    rgt = models.PositiveIntegerField(db_index=True)
    tree_id = models.PositiveIntegerField(db_index=True)
    depth = models.PositiveIntegerField(db_index=True)
    objects = NS_NodeManager()
    class Meta:
        abstract = True
)py"},
    {"treebeard.al_tree", R"py(
from django.db import models
from treebeard.models import Node

class AL_NodeManager(models.Manager):
    pass

class AL_Node(Node):
    objects = AL_NodeManager()
    class Meta:
        abstract = True
)py"},
    {"mptt.models", R"py(
from django.db import models
from mptt.fields import TreeForeignKey, TreeOneToOneField, TreeManyToManyField
from mptt.managers import TreeManager

class MPTTModel(models.Model):
    lft = models.PositiveIntegerField(editable=False)
    rght = models.PositiveIntegerField(editable=False)
    tree_id = models.PositiveIntegerField(db_index=True, editable=False)
    level = models.PositiveIntegerField(editable=False)
    objects = TreeManager()
    class Meta:
        abstract = True
)py"},
    {"mptt.managers", R"py(
from django.db import models

class TreeManager(models.Manager):
    pass
)py"},
    {"mptt.fields", R"py(
from django.db import models

class TreeForeignKey(models.ForeignKey):
    pass

class TreeOneToOneField(models.OneToOneField):
    pass

class TreeManyToManyField(models.ManyToManyField):
    pass
)py"},
    {"polymorphic.models", R"py(
from django.db import models
from django.contrib.contenttypes.models import ContentType

class PolymorphicManager(models.Manager):
    pass

class PolymorphicModel(models.Model):
    polymorphic_ctype = models.ForeignKey(ContentType, null=True, editable=False, on_delete=models.CASCADE, related_name="polymorphic_%(app_label)s.%(class)s_set+")
    objects = PolymorphicManager()
    non_polymorphic = models.Manager()
    class Meta:
        abstract = True
)py"},
    {"model_utils.models", R"py(
from django.db import models

class TimeStampedModel(models.Model):
    created = models.DateTimeField()
    modified = models.DateTimeField()
    class Meta:
        abstract = True

class TimeFramedModel(models.Model):
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    class Meta:
        abstract = True

class StatusModel(models.Model):
    status = models.CharField(max_length=100)
    status_changed = models.DateTimeField()
    class Meta:
        abstract = True

class SoftDeletableManager(models.Manager):
    pass

class SoftDeletableModel(models.Model):
    is_removed = models.BooleanField(default=False)
    objects = SoftDeletableManager()
    all_objects = models.Manager()
    class Meta:
        abstract = True

class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, editable=False)
    class Meta:
        abstract = True
)py"},
    {"django_extensions.db.models", R"py(
from django.db import models

class TimeStampedModel(models.Model):
    created = models.DateTimeField()
    modified = models.DateTimeField()
    class Meta:
        abstract = True

class TitleDescriptionModel(models.Model):
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, null=True)
    class Meta:
        abstract = True

class TitleSlugDescriptionModel(TitleDescriptionModel):
    slug = models.SlugField()
    class Meta:
        abstract = True

class ActivatorModel(models.Model):
    status = models.IntegerField()
    activate_date = models.DateTimeField(blank=True, null=True)
    deactivate_date = models.DateTimeField(blank=True, null=True)
    class Meta:
        abstract = True
)py"},
    {"modelcluster.models", R"py(
from django.db import models

class ClusterableModel(models.Model):
    class Meta:
        abstract = True
)py"},
    {"modelcluster.fields", R"py(
from django.db import models

class ParentalKey(models.ForeignKey):
    pass

class ParentalManyToManyField(models.ManyToManyField):
    pass
)py"},
    {"wagtail.models", R"py(
from django.conf import settings
from django.db import models
from django.contrib.contenttypes.models import ContentType
from treebeard.mp_tree import MP_Node
from modelcluster.models import ClusterableModel

class Locale(models.Model):
    language_code = models.CharField(max_length=100, unique=True)
    class Meta:
        app_label = "wagtailcore"

class PageManager(models.Manager):
    pass

class Page(MP_Node, ClusterableModel):
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    content_type = models.ForeignKey(ContentType, related_name="pages", on_delete=models.SET(None))
    live = models.BooleanField(default=True)
    url_path = models.TextField(blank=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=True, on_delete=models.SET_NULL, related_name="owned_pages")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="locked_pages")
    locale = models.ForeignKey(Locale, on_delete=models.PROTECT, related_name="+", editable=False)
    objects = PageManager()
    class Meta:
        app_label = "wagtailcore"

class Orderable(models.Model):
    sort_order = models.IntegerField(null=True, blank=True, editable=False)
    class Meta:
        abstract = True
)py"},
    {"wagtail.core.models", R"py(
from wagtail.models import Locale, Page, Orderable
)py"},
    {"taggit.models", R"py(
from django.db import models
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.fields import GenericForeignKey

class TagBase(models.Model):
    name = models.CharField(unique=True, max_length=100)
    slug = models.SlugField(unique=True, max_length=100)
    class Meta:
        abstract = True

class Tag(TagBase):
    class Meta:
        app_label = "taggit"

class ItemBase(models.Model):
    class Meta:
        abstract = True

class TaggedItemBase(ItemBase):
    tag = models.ForeignKey(Tag, related_name="%(app_label)s_%(class)s_items", on_delete=models.CASCADE)
    class Meta:
        abstract = True

class CommonGenericTaggedItemBase(ItemBase):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_tagged_items")
    content_object = GenericForeignKey()
    class Meta:
        abstract = True

class GenericTaggedItemBase(CommonGenericTaggedItemBase):
    object_id = models.IntegerField(db_index=True)
    class Meta:
        abstract = True

class TaggedItem(GenericTaggedItemBase, TaggedItemBase):
    class Meta:
        app_label = "taggit"
)py"},
    {"taggit.managers", R"py(
class TaggableManager:
    pass
)py"},
    {"auto_prefetch", R"py(
from django.db import models

class Model(models.Model):
    class Meta:
        abstract = True
)py"},
};

llvm::ArrayRef<CatalogModule> builtinCatalog() { return Catalog; }

} // namespace nplus1::index
