# The two commands a reader needs (see README.md): `make book` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-12)
export TZ := UTC
# Notebook kernels (make notebooks, nbval, the book) must use Jupyter's inline backend, or plt.show()
# saves no figure in the outputs: drop any MPLBACKEND from the caller. The unit tests use Agg.
unexport MPLBACKEND
export PYTHONHASHSEED := 0
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg

.PHONY: help book site test verify bench notebooks lock clean downloads check-site lab kernel

help:
	@echo "make book   build the site from an empty cache (creates .venv, verifies the data)"
	@echo "make test   unit/known-answer tests of mktlib and nbval on every notebook"
	@echo "make site   rebuild keeping the execution cache (only changed notebooks execute)"
	@echo "make check-site  open every page of the built site in headless Chromium (after make book)"
	@echo "make bench  load and build timings"
	@echo "make lab    JupyterLab on the notebooks, with the project's kernel (Python (mktlib))"
	@echo "make notebooks [NB=notebooks/x.ipynb]  re-execute notebooks in place (authors)"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# The snapshot: there already, or fetched from MKTLIB_DATA_URL (python -m mktlib data ensure says exactly
# what to set when neither), then every file's sha256 checked.
verify: $(STAMP)
	$(PY) -m mktlib data ensure
	$(PY) -m mktlib data verify

test: verify
	$(VENV)/bin/ruff check mktlib scripts tests
	$(VENV)/bin/ruff format --check mktlib scripts tests
	MPLBACKEND=Agg $(PY) -m pytest -q -n 2 tests
	@# Notebooks: a book built from the current inputs already executed them all (make book); check that
	@# execution against the committed outputs. Otherwise nbval executes them, one notebook per core.
	rc=0; $(PY) scripts/check_outputs.py || rc=$$?; \
	if [ $$rc -eq 3 ]; then $(PY) -m pytest -q -n 2 --dist loadfile $(NBVAL) notebooks/; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

# The claims ledger as files the site offers for download (book/_generated/ ignores itself in git).
GENERATED := book/_generated
downloads: verify
	mkdir -p $(GENERATED)/site/figures
	echo '*' > $(GENERATED)/.gitignore
	$(PY) -m mktlib claims --format json -o $(GENERATED)/claims-ledger.json
	$(PY) -m mktlib claims --format csv -o $(GENERATED)/claims-ledger.csv

book: verify downloads
	rm -rf _build $(GENERATED)/site/figures
	mkdir -p $(GENERATED)/site/figures
	$(VENV)/bin/jupyter-book build . -n -W --keep-going
	$(PY) scripts/check_outputs.py --stamp
	@echo "The site is at file://$(CURDIR)/_build/html/index.html"

# While working on a chapter: rebuild the site keeping _build and its execution cache, so only the
# notebooks whose code changed execute again (make book always starts from an empty cache).
site: verify downloads
	$(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "The site is at file://$(CURDIR)/_build/html/index.html"

# The built site as a reader sees it: every page in headless Chromium (links, images, glue values, console
# errors); screenshots in _build/screenshots. Needs /usr/bin/chromium and /usr/bin/chromedriver.
check-site: $(STAMP)
	$(PY) scripts/check_site.py

notebooks: verify
	$(PY) scripts/run_notebooks.py $(NB)

# JupyterLab in the project's environment, its kernel registered as "mktlib" in the venv, opening on the
# notebooks (run from the repository root; the notebooks also run from notebooks/).
kernel: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name mktlib --display-name "Python (mktlib)" >/dev/null

lab: verify kernel
	$(VENV)/bin/jupyter lab --notebook-dir=. notebooks/ $(LAB_ARGS)

bench: verify
	$(PY) scripts/bench.py

lock: $(STAMP)
	{ echo "# Exact versions for a reproducible build (pip freeze of the project environment, Python 3.11)."; \
	  echo "# Regenerate deliberately, in its own commit: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements.lock

clean:
	rm -rf _build .cache .pytest_cache $(GENERATED)
