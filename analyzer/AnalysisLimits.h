//===- AnalysisLimits.h - every cap the analyzer puts on its work ---------===//
//
// The bounds on recursion, worklists and quoted text, named in one place. They are there
// for hostile or pathological input (an import cycle, a template including itself, code
// generated thousands of levels deep, a class hierarchy with a cycle the index could not
// see): with them every walk stays linear in its input and no recursion can overflow the
// stack. Code people write reaches none of them; where one is reached the analysis loses
// precision (a value becomes unknown, a walk stops early), it never reports more.
//
// Raising or lowering one changes behaviour: run the fixture tests and the real projects
// (scripts/corpus.sh) before and after. Where two constants bound the same kind of walk
// with different values (ClassChain, SerializerClassChain, ModelClassChain) they were
// found that way; making them one is such a change, not a rename.
//
//===----------------------------------------------------------------------===//

#ifndef NPLUS1_ANALYSISLIMITS_H
#define NPLUS1_ANALYSISLIMITS_H

#include <cstddef>
#include <cstdint>

namespace nplus1::limits {

//--- Names and classes (index, discover) ---------------------------------------------

/// Hops through re-exports and aliases (`from .a import b` where `a` re-exports `b`)
/// before a name counts as unresolved. Real chains are two or three long; an import cycle
/// stops here.
inline constexpr unsigned ImportChain = 16;

/// Module globals followed when a model is named by its qualified name and that name is
/// bound to another name (`Customer = Profile`, re-exported again elsewhere): shorter
/// than ImportChain because each hop restarts a whole name resolution.
inline constexpr unsigned ModelReferenceHops = 8;

/// Recursion through base classes (is this class a model, which abstract parents give it
/// fields). A cycle is caught by its own guard; this bounds the stack on a chain of
/// thousands of generated classes.
inline constexpr unsigned InheritanceDepth = 32;

/// Entries of a breadth-first worklist over a class or model and its ancestors (method
/// lookup, derivesFrom, a relation or manager inherited from a parent). Diamonds repeat a
/// base in the list, so this counts visits, not classes.
inline constexpr std::size_t AncestorWalk = 64;

/// Levels of project subclasses followed to find which Django field a field class is
/// (`class UnsavedForeignKey(models.ForeignKey)`): one or two in real code.
inline constexpr unsigned FieldClassDepth = 8;

/// Parent directories climbed while each still has an `__init__.py`, to name a module
/// by its package (`a/b/c.py` is `a.b.c`): deeper than any real package, and a stop on a
/// filesystem whose parents never end (a symlink loop).
inline constexpr unsigned PackageDepth = 64;

//--- Settings (index/TemplateEngines) -------------------------------------------------

/// Names referring to names while a settings expression is evaluated (`DIRS =
/// [TEMPLATE_DIR]`, `TEMPLATE_DIR = BASE_DIR / "templates"`): a cycle, or settings built
/// by code, stop here.
inline constexpr unsigned SettingsIndirection = 16;

/// The largest N of `BASE_DIR.parents[N]` that is evaluated: more than any path has.
inline constexpr unsigned PathParentsIndex = 64;

/// Subscripts and attributes walked back from an expression to `TEMPLATES`
/// (`TEMPLATES[0]["OPTIONS"]["loaders"]` is three).
inline constexpr unsigned TemplatesSubscripts = 8;

//--- Flow (interpretation of functions, classes and templates) -------------------------

/// Calls interpreted inside one another (a view calling a helper calling a helper...)
/// before a call's result is unknown: keeps interprocedural summaries cheap and recursion
/// finite.
inline constexpr std::size_t CallDepth = 8;

/// A class and its project bases collected nearest first, for the attributes and
/// declared fields they set (forms, django-tables2 tables, views).
inline constexpr std::size_t ClassChain = 32;

/// A serializer and its bases read for declared fields, and a DRF view and its bases read
/// for the serializer classes it uses.
inline constexpr std::size_t SerializerClassChain = 16;

/// A model's project classes searched for code that sets a private attribute on its rows
/// (`self._cache = ...`, `setattr`) before a read of it counts as a query.
inline constexpr std::size_t ModelClassChain = 16;

/// Serializers nested in serializers (`items = ItemSerializer(many=True)` inside an order
/// serializer...), each walked on the rows of the one above.
inline constexpr unsigned SerializerNesting = 6;

/// graphene: Field(...)/NonNull(...)/List(...) wrappers read around a field's type, and
/// list fields nested in list fields walked from one root list.
inline constexpr unsigned GraphQLWrapDepth = 4;
inline constexpr unsigned GraphQLNesting = 4;

/// `{% include %}` / `{% extends %}` levels walked from one render.
inline constexpr unsigned TemplateIncludeDepth = 12;

/// Templates one render may walk in all: includes can fan out exponentially (a template
/// including two others, each including two more...), so depth alone is not enough.
inline constexpr unsigned TemplateWalks = 400;

/// Expression nesting searched for a `super().method(...)` call.
inline constexpr unsigned SuperCallNesting = 64;

/// Statements of one method searched for a `super().method(...)` call.
inline constexpr std::size_t SuperCallStatements = 4096;

/// Statement nesting searched for writes of a form's field attributes
/// (`self.fields["x"].queryset = ...`).
inline constexpr unsigned FormFieldWriteNesting = 16;

/// Expression nesting searched for a django-tables2 column's `A("...")` accessors (a
/// LinkColumn's arguments, a linkify dict).
inline constexpr unsigned LinkAccessorNesting = 16;

//--- Parsing ---------------------------------------------------------------------------

/// Syntax tree depth lowered from tree-sitter's tree; deeper code becomes an error node
/// instead of a stack overflow.
inline constexpr unsigned PythonSyntaxDepth = 400;

/// Values and containers above which a list, tuple, set or dict literal of plain data (strings,
/// numbers, `_("...")`-style calls of such, nested containers of such) is lowered as one
/// opaque node: a code list of thousands of tuples is nothing the analysis reads, and
/// lowering each string cost akvo-rsr's generated code lists most of its memory.
inline constexpr unsigned DataLiteralNodes = 256;

/// Syntax errors kept per Python file: the first ones say what is wrong, later ones are
/// mostly the parser recovering.
inline constexpr std::size_t PythonSyntaxErrors = 20;

/// Nesting of a Jinja2 expression before the rest of it is skipped.
inline constexpr unsigned JinjaExprDepth = 200;

/// Block tags nested in a template (Django or Jinja2) before the parser gives up.
inline constexpr unsigned TemplateNesting = 1000;

/// Errors kept per template; one more says "Too many errors".
inline constexpr std::size_t TemplateErrors = 1000;

//--- Driver ----------------------------------------------------------------------------

/// Rounds of an incremental (cached) run that load more files because a name looked up
/// denotes a file the first guess of what is needed did not load; after that many the
/// run stops reusing the cached model graph and analyzes as a full run does.
inline constexpr unsigned AnalysisRounds = 8;

/// Header bytes of one LSP message: more than any client sends; the input is not LSP.
inline constexpr std::size_t LspHeaderBytes = 64 * 1024;

/// The largest LSP message body accepted; a larger one is refused, not buffered.
inline constexpr std::uint64_t LspBodyBytes = std::uint64_t(1) << 30;

//--- Output ----------------------------------------------------------------------------

/// Source quoted in a finding's message or headline (`Order.objects.get(pk=...)`): longer
/// or multi-line code is clipped with "...", so the first line stays readable.
inline constexpr std::size_t QuotedCodeWidth = 60;

/// A queryset's chain quoted after its name (`orders` (Order.objects.filter(...))): left
/// out when longer.
inline constexpr std::size_t QuotedChainWidth = 80;

/// Bytes of a very long source line (minified or generated code) shown around the caret.
inline constexpr unsigned SnippetWidth = 160;

/// Bytes of the source line shown under a note, "..." included.
inline constexpr std::size_t NoteLineWidth = 100;

} // namespace nplus1::limits

#endif // NPLUS1_ANALYSISLIMITS_H
