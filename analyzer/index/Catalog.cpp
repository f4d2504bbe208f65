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
};

llvm::ArrayRef<CatalogModule> builtinCatalog() { return Catalog; }

} // namespace nplus1::index
