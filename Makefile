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

# The browser tests drive Debian's chromium (never a downloaded browser), and the proxy test starts
# Debian's nginx with a self-signed certificate (openssl). As root with apt-get they are installed here;
# otherwise the run stops at once with the one command to run.
SYSTEM_PACKAGES := chromium nginx-light openssl
browser:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing="$$missing nginx-light"; \
	  command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing Debian's$$missing for the browser and proxy tests..."; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else \
	      echo "The browser and proxy tests need Debian's$$missing. Install them, then run make test again:" >&2; \
	      echo "    sudo apt-get install$$missing" >&2; exit 1; \
	    fi; \
	  fi

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
