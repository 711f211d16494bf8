# One command to start the app, one to run the tests. Both create .venv/ on first use,
# so they work where the system pip is locked.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test demo clean browser

run: $(VENV)/.runtime
	$(BIN)/python -m streamlit run streamlit_app.py --server.port $(PORT)

test: $(VENV)/.dev browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium (never a downloaded browser). As root with apt-get it is
# installed here; otherwise the run stops at once with the one command to run.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium. Install it, then run make test again:" >&2; \
	    echo "    sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

demo: $(VENV)/.runtime
	$(BIN)/python -m lib.demo

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

clean:
	rm -rf $(VENV)
