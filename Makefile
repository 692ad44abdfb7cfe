# The README's commands. Everything a fresh Debian machine with Python 3.11 needs is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

# `make run` is for a workstation: development settings unless the caller says otherwise, and the QR codes and
# e-mail links point at the address it serves (`make run PORT=8080`) unless PUBLIC_BASE_URL says otherwise.
run: export APP_ENV ?= development
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test test-browser bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# the web server and the scheduler process together; Ctrl-C (or either one ending) stops both.
# Both run in the background of a non-interactive bash, which makes them ignore Ctrl-C: bash catches it, and on
# the way out — after Ctrl-C, or when `wait -n` sees either one end — its EXIT trap stops the other. Stopped on
# purpose (Ctrl-C, or a TERM), it ends quietly with status 0; when one of the two ended by itself, with 1.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@bash -c 'trap "exit 0" INT TERM; \
	  trap "kill \$$sched \$$web 2>/dev/null; wait" EXIT; \
	  $(FLASK) scheduler & sched=$$!; \
	  $(FLASK) run --host $(HOST) --port $(PORT) & web=$$!; \
	  wait -n; echo "调度进程或网站进程已退出，另一个也已停止" >&2; exit 1'


# the suite on every core (pytest-xdist; each worker has its own database); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-browser: install
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check portal exams certificates tests bench wsgi.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
