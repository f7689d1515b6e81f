# Two commands set everything up on a fresh machine:
#   make site   virtualenv + install + build the sample desk into site/
#   make test   the above set-up + browser for the page tests + the whole test suite
VENV ?= .venv
# The Python the virtualenv is made from: the system's when it is 3.11 or newer and can make one.
# Distributions build Python with profile-guided and link-time optimisation, which configure's defaults
# (pyenv's builds, for one) leave out; `briefgen check` runs faster on Debian's (docs/performance.md).
# Otherwise the first `python3` on the PATH. Another: `make clean`, then
# `make test BASE_PYTHON=python3.12`.
SYSTEM_PYTHON := /usr/bin/python3
BASE_PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: site test serve check lint browser screenshots clean

$(STAMP): pyproject.toml
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(VENV)/bin/briefgen build

check: $(STAMP)
	$(VENV)/bin/briefgen check

serve: $(STAMP)
	$(VENV)/bin/briefgen serve

lint: $(STAMP)
	$(VENV)/bin/ruff check briefgen tests

# Headless Chromium and its driver from Debian for the browser tests (root or sudo; skipped if present).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

test: $(STAMP) browser
	$(PY) -m pytest

# The README's screenshots (docs/screenshots/): the demo desk's pages at desktop width, light and dark, taken by
# the accessibility tests (axe-core is vendored in tests/vendor/: nothing to install beyond `browser`).
screenshots: $(STAMP) browser
	BRIEFGEN_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_accessibility.py -k demo

clean:
	rm -rf site .site.briefgen-* $(VENV)
