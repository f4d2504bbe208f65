// Frameworks that iterate rows for the code: django-tables2 tables and form choice fields.
#include "Helpers.h"
#include "fix/Fix.h"

#include <doctest/doctest.h>

using namespace nplus1;
using Strings = std::vector<std::string>;

namespace {
const char *LedgerModels = R"py(
from django.db import models

class Region(models.Model):
    name = models.CharField(max_length=10)

class Customer(models.Model):
    name = models.CharField(max_length=10)
    region = models.ForeignKey(Region, on_delete=models.CASCADE)

class Tag(models.Model):
    name = models.CharField(max_length=10)

class Invoice(models.Model):
    number = models.CharField(max_length=10)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)

class Account(models.Model):
    code = models.CharField(max_length=10)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)

    def __str__(self):
        return '%s (%s)' % (self.code, self.customer.name)
)py";

/// The text of \p Module after the safe (and with \p Unsafe, unsafe) fixes of \p D.
std::string fixed(test::MiniProject &P, const std::string &Module,
                  const std::vector<rules::Diagnostic> &D, bool Unsafe = false) {
  std::vector<fix::Edit> Edits = fix::planEdits(D, fix::Policy{Unsafe});
  auto Out = fix::applyEdits(P.P.module(Module)->Ast->file().text(), Edits);
  if (!Out) {
    llvm::consumeError(Out.takeError());
    return "<no fix>";
  }
  return *Out;
}
} // namespace

TEST_SUITE("flow.tables2") {
  TEST_CASE("Table(qs): a column on a foreign key renders str() of it for every row") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from django_tables2.utils import A
from .models import Invoice

class InvoiceTable(tables.Table):
    number = tables.Column(order_by=('customer__name',))
    customer = tables.Column()
    region = tables.Column(accessor='customer__region__name')
    tags = tables.ManyToManyColumn()
    link = tables.LinkColumn('detail', args=[A('customer.name')])
    hidden = tables.Column(accessor='customer', visible=False)

def invoices():
    return InvoiceTable(Invoice.objects.all())
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.reports", &D) ==
          Strings{"10:NP102:tags", "8:NP101:customer", "9:NP101:customer__region"});
    std::string Out = fixed(P, "ledger.reports", D);
    CHECK(Out.find("Invoice.objects.select_related('customer__region').prefetch_related('tags')") !=
          std::string::npos);
  }

  TEST_CASE("a loaded relation, an ordering accessor, a foreign key's column: nothing to say") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from .models import Invoice

class InvoiceTable(tables.Table):
    number = tables.Column(order_by=('customer__region__name',))
    customer = tables.Column()
    owner = tables.Column(accessor='customer_id')

    def render_number(self, value, record):
        return '%s %s' % (value, record.customer_id)

def invoices():
    return InvoiceTable(Invoice.objects.select_related('customer'))
)py"}});
    CHECK(P.findings("ledger.reports").empty());
  }

  TEST_CASE("render_<column>() replaces the column's template; Meta.fields read per row") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from .models import Invoice

class InvoiceTable(tables.Table):
    who = tables.TemplateColumn(template_code='<b>{{ record.customer.name }}</b>')

    def render_who(self, record):
        return record.customer.region.name

    class Meta:
        model = Invoice
        fields = ('number', 'customer')

def invoices():
    return InvoiceTable(Invoice.objects.all())
)py"}});
    CHECK(P.findings("ledger.reports") == Strings{"13:NP101:customer", "9:NP101:customer__region"});
  }

  TEST_CASE("TemplateColumn(template_code=...): the finding points into the string") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from .models import Invoice

class InvoiceTable(tables.Table):
    who = tables.TemplateColumn(template_code="""
        <b>{{ record.number }}</b>
        <i>{{ record.customer.name }}</i>
    """)

def invoices():
    return InvoiceTable(Invoice.objects.all())
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.reports", &D) == Strings{"8:NP101:customer"});
    REQUIRE(D.size() == 1);
    CHECK(D[0].File->slice(D[0].Where).starts_with("customer"));
  }

  TEST_CASE("Meta.model without fields: every foreign key is a column, unless excluded") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from .models import Account, Invoice

class InvoiceTable(tables.Table):
    class Meta:
        model = Invoice

class AccountTable(tables.Table):
    class Meta:
        model = Account
        exclude = ('customer',)

def invoices():
    return InvoiceTable(Invoice.objects.all())

def accounts():
    return AccountTable(Account.objects.all())
)py"}});
    CHECK(P.findings("ledger.reports") == Strings{"7:NP101:customer"});
  }

  TEST_CASE("a table that loads relations in its own __init__, a class named Table: silent") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.reports", R"py(
import django_tables2 as tables
from reportlab.platypus import Table
from .models import Invoice

class BaseTable(tables.Table):
    def __init__(self, data, **kwargs):
        super().__init__(data.select_related(*self.relations), **kwargs)

class InvoiceTable(BaseTable):
    relations = ('customer',)
    customer = tables.Column()

class PdfTable(Table):
    customer = tables.Column()

def invoices():
    return InvoiceTable(Invoice.objects.all())

def pdf():
    return PdfTable(Invoice.objects.all())
)py"}});
    CHECK(P.findings("ledger.reports").empty());
  }

  TEST_CASE("SingleTableView with model =: the fix adds the view's queryset") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.views", R"py(
import django_tables2 as tables
from django_tables2.views import SingleTableView
from .models import Invoice

class InvoiceTable(tables.Table):
    customer = tables.Column()

class InvoiceList(SingleTableView):
    model = Invoice
    table_class = InvoiceTable
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.views", &D) == Strings{"7:NP101:customer"});
    std::string Out = fixed(P, "ledger.views", D);
    INFO(Out);
    CHECK(Out.find("    model = Invoice\n    queryset = "
                   "Invoice.objects.select_related('customer')\n") != std::string::npos);
  }

  TEST_CASE("SingleTableMixin with get_queryset(): the fix goes into get_queryset()") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.views", R"py(
import django_tables2 as tables
from django.views.generic import ListView
from django_tables2 import SingleTableMixin
from .models import Invoice

class InvoiceTable(tables.Table):
    customer = tables.Column()

class InvoiceList(SingleTableMixin, ListView):
    table_class = InvoiceTable

    def get_queryset(self):
        return Invoice.objects.filter(number__gt='A')

class JoinedList(SingleTableMixin, ListView):
    table_class = InvoiceTable
    queryset = Invoice.objects.select_related('customer')
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.views", &D) == Strings{"8:NP101:customer"});
    std::string Out = fixed(P, "ledger.views", D);
    INFO(Out);
    CHECK(Out.find("Invoice.objects.select_related('customer').filter(number__gt='A')") !=
          std::string::npos);
  }
}

TEST_SUITE("flow.forms") {
  TEST_CASE("ModelChoiceField: str() of every option reads a relation") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.forms", R"py(
from django import forms
from .models import Account, Customer

class AccountForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.all())
    joined = forms.ModelChoiceField(queryset=Account.objects.select_related('customer'))
    hidden = forms.ModelChoiceField(queryset=Account.objects.all(), widget=forms.HiddenInput)
    radio = forms.ModelChoiceField(queryset=Account.objects.all(), widget=forms.RadioSelect())
    plain = forms.ModelChoiceField(queryset=Customer.objects.all())
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.forms", &D) == Strings{"6:NP101:customer", "9:NP101:customer"});
    std::string Out = fixed(P, "ledger.forms", D);
    INFO(Out);
    CHECK(Out.find("queryset=Account.objects.select_related('customer').all())\n"
                   "    joined") != std::string::npos);
  }

  TEST_CASE("__init__ relabels or replaces the class body's queryset: nothing to say") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.forms", R"py(
from operator import attrgetter
from django import forms
from .models import Account

class CodeForm(forms.Form):
    account = forms.ModelChoiceField(Account.objects.all())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields['account'].label_from_instance = attrgetter('code')

class ReplacedForm(forms.Form):
    account = forms.ModelChoiceField(Account.objects.all())

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields['account'].queryset = accounts
)py"}});
    CHECK(P.findings("ledger.forms").empty());
  }

  TEST_CASE("widgets that may not render every option: a project's, Meta.widgets, a field "
            "that builds its own bound field") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.forms", R"py(
from django import forms
from .models import Account, Invoice

class AutocompleteWidget(forms.Select):
    template_name = 'autocomplete.html'

class SelectedOnlyField(forms.ModelChoiceField):
    def get_bound_field(self, form, name):
        return super().get_bound_field(form, name)

class PickForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.all(), widget=AutocompleteWidget)
    other = SelectedOnlyField(queryset=Account.objects.all())

class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ('customer',)
        widgets = {'customer': forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields['customer'].queryset = Account.objects.all()
)py"}});
    CHECK(P.findings("ledger.forms").empty());
  }

  TEST_CASE("label_from_instance of a field subclass runs for every option") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.forms", R"py(
from django import forms
from .models import Customer

class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return '%s, %s' % (obj.name, obj.region.name)

class CustomerForm(forms.Form):
    customer = RegionChoiceField(queryset=Customer.objects.all())
)py"}});
    CHECK(P.findings("ledger.forms") == Strings{"7:NP101:region"});
  }

  TEST_CASE("self.fields[...].queryset in __init__, a ModelForm's own field, Permission labels") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.forms", R"py(
from django import forms
from django.contrib.auth.models import Permission, User
from .models import Account

class PickForm(forms.Form):
    account = forms.ModelMultipleChoiceField(queryset=Account.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields['account'].queryset = Account.objects.filter(code='A')

class UserPermissionForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ('user_permissions',)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        perms = Permission.objects.filter(codename__startswith='x')
        self.fields['user_permissions'].queryset = perms
        self.fields['unknown'].queryset = perms
)py"}});
    std::vector<rules::Diagnostic> D;
    CHECK(P.findings("ledger.forms", &D) == Strings{"11:NP101:customer", "21:NP101:content_type"});
    // `perms` could be read elsewhere too: the fix is unsafe.
    std::string Out = fixed(P, "ledger.forms", D, /*Unsafe=*/true);
    INFO(Out);
    CHECK(Out.find("Permission.objects.select_related('content_type').filter(codename__startswith="
                   "'x')") != std::string::npos);
  }
}

TEST_SUITE("flow.graphene") {
  TEST_CASE("a root list field's rows run the type's resolvers; types by string and lambda") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.schema", R"py(
import graphene
from graphene_django import DjangoObjectType
from graphene_django.fields import DjangoListField
from .models import Customer, Invoice

class InvoiceType(DjangoObjectType):
    class Meta:
        model = Invoice

    def resolve_customer_name(root, info):
        return root.customer.name

class CustomerType(DjangoObjectType):
    invoices = graphene.List(lambda: InvoiceType)

    class Meta:
        model = Customer

    @staticmethod
    def resolve_invoices(parent, info):
        return parent.invoice_set.all()

    @classmethod
    def resolve_type(cls, instance, info):
        return instance.region.name

class Query(graphene.ObjectType):
    invoices = DjangoListField('ledger.schema.InvoiceType')
    customers = graphene.NonNull(graphene.List(CustomerType))
    one = graphene.Field(InvoiceType)

    def resolve_invoices(root, info):
        return Invoice.objects.all()

    def resolve_customers(root, info):
        return Customer.objects.all()

    def resolve_one(root, info):
        return Invoice.objects.all()
)py"}});
    // The nested list's rows are read too: per customer, per invoice, its customer (a
    // reverse FK's rows hold their owner: no finding there). resolve_type is a classmethod
    // (an interface's type resolver), `one` is not a list.
    CHECK(P.findings("ledger.schema") == Strings{"12:NP101:customer", "22:NP102:invoice_set"});
  }

  TEST_CASE("a model's own type is not a root; a resolver that is not a queryset opens nothing") {
    test::MiniProject P(test::Mods{{"ledger.models", LedgerModels}, {"ledger.schema", R"py(
import graphene
from graphene_django import DjangoObjectType
from .models import Invoice

class InvoiceType(DjangoObjectType):
    others = graphene.List(lambda: InvoiceType)

    class Meta:
        model = Invoice

    def resolve_others(root, info):
        return Invoice.objects.all()

    def resolve_customer_name(root, info):
        return root.customer.name

class Query(graphene.ObjectType):
    invoices = graphene.List(InvoiceType)

    def resolve_invoices(root, info):
        return [Invoice(number='x')]
)py"}});
    CHECK(P.findings("ledger.schema").empty());
  }
}
