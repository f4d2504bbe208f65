#include "Helpers.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

namespace {
const char *BlogModels = R"py(
from django.db import models

class Author(models.Model):
    username = models.CharField(max_length=10)

class Tag(models.Model):
    name = models.CharField(max_length=10)

class Post(models.Model):
    title = models.CharField(max_length=10)
    creator = models.ForeignKey(Author, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True)

    def __str__(self):
        return '%s (%s)' % (self.title, self.tag.name)
)py";
} // namespace

TEST_SUITE("flow.feeds") {
  TEST_CASE("item_* methods read every item of items(); the fix goes into items()") {
    test::MiniProject P(test::Mods{{"blog.models", BlogModels}, {"blog.feeds", R"py(
from django.contrib.syndication.views import Feed
from .models import Post

class LatestPosts(Feed):
    title = 'Latest'
    link = '/'

    def items(self):
        return Post.objects.order_by('-id')[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.title

    def item_link(self, item):
        return '/p/%d/' % item.pk

    def item_author_name(self, item):
        return item.creator.username
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("blog.feeds", &D) == Strings{"22:NP101:creator"});
    REQUIRE(D.size() == 1);
    REQUIRE(D[0].Fix);
    CHECK(D[0].Fix->Applies == rules::Applicability::Safe);
  }

  TEST_CASE("items() that select_related what the item_* methods read: nothing to say") {
    test::MiniProject P(test::Mods{{"blog.models", BlogModels}, {"blog.feeds", R"py(
from django.contrib.syndication import views
from .models import Post

class Base(views.Feed):
    def item_author_name(self, item):
        return item.creator.username

class LatestPosts(Base):
    title = 'Latest'
    description_template = 'feeds/missing.html'

    def items(self):
        return Post.objects.select_related('creator')[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.title

    def item_link(self, item):
        return '/p/%d/' % item.pk
)py"}});
    CHECK(P.findings("blog.feeds").empty());
  }

  TEST_CASE("the same methods on a class that is no Feed are not run per item") {
    test::MiniProject P(test::Mods{{"blog.models", BlogModels}, {"blog.feeds", R"py(
from feedlib import Feed
from .models import Post

class LatestPosts(Feed):
    def items(self):
        return Post.objects.all()

    def item_author_name(self, item):
        return item.creator.username
)py"}});
    CHECK(P.findings("blog.feeds").empty());
  }

  TEST_CASE("no item_title/item_description: str(item) is rendered for every item") {
    test::MiniProject P(test::Mods{{"blog.models", BlogModels}, {"blog.feeds", R"py(
from django.contrib.syndication.views import Feed
from .models import Post

class LatestPosts(Feed):
    def items(self, obj):
        return Post.objects.select_related('creator')

    def item_link(self, item):
        return '/p/%d/' % item.pk

    def item_author_name(self, item):
        return item.creator.username
)py"}});
    std::vector<rules::Diagnostic> D;
    // Reported at the class (Django's default title and description templates).
    CHECK(P.findings("blog.feeds", &D) == Strings{"5:NP101:tag"});
  }

  TEST_CASE("title_template renders {{ obj }} per item") {
    test::MiniProject P(test::Mods{{"blog.models", BlogModels}, {"blog.feeds", R"py(
from django.contrib.syndication.views import Feed
from .models import Post

class LatestPosts(Feed):
    title_template = 'feeds/title.html'

    def items(self):
        return Post.objects.all()

    def item_description(self, item):
        return item.title

    def item_link(self, item):
        return '/p/%d/' % item.pk
)py"}},
                        {{"feeds/title.html", "{{ obj.title }} by {{ obj.creator.username }}"}});
    CHECK(P.findings("blog.feeds") == Strings{"templates/feeds/title.html:1:NP101:creator"});
  }
}
