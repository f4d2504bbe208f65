#!/usr/bin/env bash
# `nplus1 models`: the model graph as nplus1 understood it, checked against facts read from
# the shop fixture (fixtures/projects/shop/*/models.py); the text format; usage errors exit 2.
set -euo pipefail
bin=$1
shop=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" models --format json "$shop" > "$work/models.json"
python3 - "$work/models.json" <<'PY'
import json, sys

models = json.load(open(sys.argv[1]))["models"]
by_name = {m["name"]: m for m in models}


def check(cond, what):
    if not cond:
        sys.exit("models: " + what)


def relation(model, name):
    rels = [r for r in by_name[model]["relations"] if r["name"] == name]
    check(len(rels) == 1, f"{model}.{name}: expected one relation, got {rels}")
    return rels[0]


def manager(model, name):
    mgrs = [m for m in by_name[model]["managers"] if m["name"] == name]
    check(len(mgrs) == 1, f"{model} manager {name}: expected one, got {mgrs}")
    return mgrs[0]


keys = [(m["name"], m["path"]) for m in models]
check(keys == sorted(keys), "models are sorted by name, then path")
for m in models:
    check(list(m) == ["name", "path", "line", "abstract", "proxy", "parents", "managers", "relations"],
          f"{m['name']}: keys in the documented order")
    names = [r["name"] for r in m["relations"]]
    check(names == sorted(names), f"{m['name']}: relations sorted by name")
# Project models only: Django's built-in catalog (auth, contenttypes...) is left out.
check("auth.User" not in by_name and "contenttypes.ContentType" not in by_name,
      "built-in catalog models are not listed")

order = by_name["orders.Order"]
check((order["path"], order["line"]) == ("orders/models.py", 15), f"orders.Order at {order}")
check(relation("orders.Order", "customer") == {"name": "customer", "kind": "fk",
                                                "target": "customers.Customer"},
      "Order.customer is a FK to customers.Customer")
check(relation("customers.Customer", "orders")["kind"] == "reverse-fk"
      and relation("customers.Customer", "orders")["target"] == "orders.Order",
      "related_name='orders' gives customer.orders")
check(relation("orders.Order", "shipping_address")["target"] == "customers.Address" and
      not any(r["target"] == "orders.Order" for r in by_name["customers.Address"]["relations"]),
      "related_name='+' gives no reverse accessor")
check(relation("orders.Order", "shipment")["kind"] == "reverse-o2o", "order.shipment")
check(relation("customers.Profile", "customer")["kind"] == "o2o", "Profile.customer is a O2O")
check(relation("catalog.Product", "tags") == {"name": "tags", "kind": "m2m",
                                              "target": "catalog.Tag"}, "Product.tags")
# Meta.default_related_name = 'products'
check(relation("catalog.Tag", "products")["kind"] == "reverse-m2m", "tag.products")
check(relation("catalog.Category", "products")["kind"] == "reverse-fk", "category.products")

# App label from BlogConfig.label: package `blog`, models `journal.*`.
check(not any(n.startswith("blog.") for n in by_name), "no model is labelled blog.*")
check(by_name["journal.Post"]["path"] == "blog/models.py", "journal.Post lives in blog/")
check(relation("journal.Comment", "post")["target"] == "journal.Post", "Comment.post")
check(relation("journal.Post", "comment_set") == {"name": "comment_set", "kind": "reverse-fk",
                                                   "target": "journal.Comment"},
      "post.comment_set (no related_name)")
check(relation("journal.Attachment", "content_object") == {"name": "content_object",
                                                           "kind": "gfk", "target": None},
      "a GenericForeignKey has no target")
check(relation("notes.Notebook", "pins")["kind"] == "generic-relation"
      and relation("notes.Notebook", "pins")["target"] == "notes.Pin", "notebook.pins")

publishable = by_name["journal.Publishable"]
check(publishable["abstract"] and not publishable["proxy"], "Publishable is abstract")
check(by_name["journal.PublishedPost"]["proxy"], "PublishedPost is a proxy")
check(by_name["journal.PublishedPost"]["parents"] == ["journal.Post"],
      "PublishedPost's parent is journal.Post")
check(not by_name["journal.Post"]["abstract"] and not by_name["journal.Post"]["proxy"],
      "Post is concrete")

check(manager("orders.Order", "objects") == {"name": "objects", "class": None,
                                             "queryset": "orders.models.OrderQuerySet"},
      "OrderQuerySet.as_manager()")
check(manager("catalog.Product", "objects")["queryset"] == "catalog.models.ProductQuerySet",
      "Manager.from_queryset(ProductQuerySet)")
check(manager("customers.Customer", "with_address")["class"]
      == "customers.models.WithAddressManager", "Customer.with_address")
check([m["name"] for m in by_name["customers.Customer"]["managers"]] == ["objects",
                                                                          "with_address"],
      "Customer's managers in declaration order")
check(by_name["catalog.Tag"]["managers"] == [{"name": "objects", "class": None,
                                              "queryset": None}],
      "a model without managers has Django's implicit objects")
PY

text=$("$bin" models "$shop")
grep -qx "orders.Order  orders/models.py:15" <<<"$text" || { echo "text: model line"; exit 1; }
grep -qx "  customer  fk -> customers.Customer" <<<"$text" || { echo "text: relation"; exit 1; }
grep -qx "journal.Publishable  blog/models.py:[0-9]*  \[abstract\]" <<<"$text" ||
  { echo "text: abstract"; exit 1; }
grep -qx "  objects  manager  queryset orders.models.OrderQuerySet" <<<"$text" ||
  { echo "text: manager"; exit 1; }
grep -qE "^[0-9]+ models, [0-9]+ relations$" <<<"$(tail -n1 <<<"$text")" ||
  { echo "text: summary line"; exit 1; }

status() { set +e; "$bin" "$@" >/dev/null 2>&1; echo $?; set -e; }
[ "$(status models "$work/no-such-dir")" = 2 ] || { echo "a missing path must exit 2"; exit 1; }
[ "$(status models --format xml "$shop")" = 2 ] || { echo "a bad --format must exit 2"; exit 1; }
echo "models: JSON facts, text format and usage errors behave"
