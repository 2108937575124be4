# GANplify Lab. Two commands on a fresh machine:
#   make run    installs into .venv and starts the app
#   make test   installs into .venv (the package with its [test] extra) and runs the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: install run test lint bench assets clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m streamlit run app.py --server.port $(PORT)

lint: install
	$(VENV)/bin/ruff check .

# pytest exits 5 when it collects nothing: that is a broken suite, say so.
# Layers: pytest -m "not browser" (no Chromium), -m page, -m browser.
test: install
	@$(PY) -m pytest -q -rs tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; fi; exit $$rc

# The shipped results every page shows on first view (assets/shipped/, with a manifest of config and code version).
assets: install
	$(PY) scripts/make_assets.py

bench: install
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache build *.egg-info
