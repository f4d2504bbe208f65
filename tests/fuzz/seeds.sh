#!/usr/bin/env bash
# Builds the fuzz seed corpora from fixtures/ (and the README's configuration example) into
# OUT/<target>/, one file per seed. OUT is a build directory: seeds are never committed.
#   tests/fuzz/seeds.sh OUT
# Seeds of fuzz_python_flow start with the mode byte (see fuzz_python_flow.cpp): '0' the
# text is app.views beside fixed models, '1' it is app.models, '2' a whole small project
# (`#### module NAME` / `#### template NAME` sections).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
fixtures=$src/fixtures/projects
rm -rf "$out"
mkdir -p "$out"/{fuzz_template,fuzz_python_flow,fuzz_config,fuzz_fix}

# seed TARGET LABEL < CONTENT: named LABEL-<sha1 prefix>, so that equal seeds are one file
# and the names do not depend on the order (or subshells) they are written in.
seed() {
  local tmp="$out/$1/.tmp"
  cat > "$tmp"
  mv "$tmp" "$out/$1/$2-$(sha1sum < "$tmp" | cut -c1-12)"
}

# Python files of the fixture projects (migrations and .fixed twins left out), sorted so that
# the seed names are the same on every run.
mapfile -t pyfiles < <(cd "$fixtures" && find . -name '*.py' -not -path '*/migrations/*' | sed 's|^\./||' | LC_ALL=C sort)
mapfile -t tplfiles < <(cd "$fixtures" && find . -path '*/templates/*' -type f | sed 's|^\./||' | LC_ALL=C sort)

# fuzz_template: every template, plus constructs the fixtures may lack.
for f in "${tplfiles[@]}"; do
  seed fuzz_template "$(basename "$f")" < "$fixtures/$f"
done
while IFS= read -r line; do
  printf '%b' "$line" | seed fuzz_template snippet.html
done <<'SNIPPETS'
{% for a, b in items reversed %}{{ a|default:"x"|length }}{% empty %}-{% endfor %}
{% if a and not b or c == "x" %}1{% elif d in e %}2{% else %}3{% endif %}
{% with x=a.b y="s" %}{{ x }}{% endwith %}{% include "x.html" with z=1 only %}
{% extends base %}{% block c %}{{ block.super }}{% endblock c %}
{% comment "n" %}{{ x }}{% endcomment %}{# c #}{% verbatim v %}{{ x }}{% endverbatim v %}
{% blocktranslate with n=a.b count c=l|length %}{{ n }}{% plural %}{{ c }}{% endblocktranslate %}
{% url "v" a b=c as u %}{% cycle a b as cy silent %}{% firstof a b "c" as f %}{% regroup l by k as g %}
{% ifequal a b %}1{% else %}2{% endifequal %}{% ifchanged a.b %}x{% else %}y{% endifchanged %}
{% filter lower|escape %}x{% endfilter %}{% spaceless %} {% endspaceless %}{% autoescape off %}{% endautoescape %}
{% load humanize %}{% custom a b=c %}x{% else %}y{% endcustom %}{% now "Y" as yr %}
{% for x in a %}{% for y in x.b.all %}{% if y.c.exists %}{{ y.c.count }}{% endif %}{% endfor %}{% endfor %}
SNIPPETS

# fuzz_python_flow, mode 0: each Python file as app.views, its imports of other apps'
# models pointed at app.models.
for f in "${pyfiles[@]}"; do
  { printf 0; sed -E 's/^from [A-Za-z_.]+\.models import/from app.models import/; s/^from \.models import/from app.models import/' "$fixtures/$f"; } |
    seed fuzz_python_flow "$(echo "$f" | tr / _)"
done
# mode 1: each models.py as app.models.
for f in "${pyfiles[@]}"; do
  case $f in */models.py) { printf 1; cat "$fixtures/$f"; } | seed fuzz_python_flow "m-$(echo "$f" | tr / _)";; esac
done
# mode 2: per project and Python file, every models module of the project, the file under
# its own module name, and the templates of the file's app.
for project in $(cd "$fixtures" && ls); do
  for f in "${pyfiles[@]}"; do
    case $f in "$project"/*) ;; *) continue;; esac
    rel=${f#"$project"/}
    case $rel in */models.py|*/__init__.py|*/apps.py|manage.py|*/settings.py) continue;; esac
    app=${rel%%/*}
    {
      printf 2
      for m in "${pyfiles[@]}"; do
        case $m in "$project"/*/models.py)
          mod=${m#"$project"/}; mod=${mod%.py}
          printf '#### module %s\n' "${mod//\//.}"
          cat "$fixtures/$m";;
        esac
      done
      mod=${rel%.py}
      printf '#### module %s\n' "${mod//\//.}"
      cat "$fixtures/$f"
      for t in "${tplfiles[@]}"; do
        case $t in "$project/$app/templates/"*)
          printf '\n#### template %s\n' "${t#"$project/$app/templates/"}"
          cat "$fixtures/$t";;
        esac
      done
    } | seed fuzz_python_flow "p-$(echo "$f" | tr / _)"
  done
done

# fuzz_config: the first byte picks the file: '0' pyproject.toml, '1' nplus1.toml,
# '2' .nplus1.toml. The README's example, then one snippet per key and per error.
readme_toml=$(awk '/^```toml$/{on=1; next} /^```$/{on=0} on' "$src/README.md")
{ printf 0; printf '%s\n' "$readme_toml"; } | seed fuzz_config readme.toml
{ printf 1; printf '%s\n' "$readme_toml" | sed 's/^\[tool\.nplus1\]$//; s/^\[tool\.nplus1\./[/'; } |
  seed fuzz_config readme-nplus1.toml
while IFS= read -r line; do
  printf '%b' "$line" | seed fuzz_config snippet.toml
done <<'SNIPPETS'
0[project]\nname = "x"\n\n[tool.nplus1]\nignore = ["NP903"]\n
0[tool.nplus1]\nselect = "NP9"\nextend-select = ["NP1", "NP2"]\n
0[tool.nplus1]\n[tool.nplus1.per-file-ignores]\n"app/*.py" = ["NP1", "NP903"]\n"{a,b}/**/[!x]?.py" = "NP106"\n
0[tool.nplus1]\ndjango-version = "4.2.1"\nunsafe-fixes = true\n
0[tool.nplus1]\nselect = ["NP1"]\nunknown-key = 1\n
0[tool.nplus1]\nunsafe-fixes = "yes"\n
0[tool]\nnplus1 = { exclude = ["a", "b"], extend-exclude = ['c'], template-dirs = ["t"] }\n
1select = ["NP1"]\nper-file-ignores = { "x.py" = ["NP101"] }\n
2django-version = 5.2\n[per-file-ignores]\n'a' = [1]\n
0[tool.nplus1]\nselect = [\n  "NP1", # c\n]\nignore = """NP\n106"""\n
SNIPPETS

# fuzz_fix: any bytes drive FuzzedDataProvider; a few fixtures give it material.
for f in "${pyfiles[@]}"; do
  case $f in */views.py) seed fuzz_fix "$(echo "$f" | tr / _)" < "$fixtures/$f";; esac
done
printf '\x01a\nb\na\nb\nb\na\n\x03\x00\x01\x02b\n' | seed fuzz_fix small

for d in "$out"/*/; do
  echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"
done
