# cme-bot: one command to try it, one to test it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test install lint bench serve docs card-pictures clean

chat: $(STAMP)  ## install everything and talk to the bot in this terminal (SQLite file, Bury profile)
	$(BIN)/cme-bot chat

# Bytecode is written even when the shell sets PYTHONDONTWRITEBYTECODE: without it every `cme-bot` process a
# test starts compiles the whole bot again (7.5 s of CPU instead of 2.6 s) and pytest re-rewrites every test.
test: $(STAMP)  ## install everything, check the import contracts, run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n 2 -q

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,docs]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check .

serve: $(STAMP)  ## Slack and Teams endpoints, /healthz and the scheduler on 127.0.0.1:3978
	$(BIN)/cme-bot serve

docs: $(STAMP)  ## the documentation site into site/ (offline; fails on a broken link or a page out of step with the code)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

CARDS_NPM := tools/cards/node_modules/.installed

card-pictures: $(STAMP) $(CARDS_NPM)  ## redraw the Teams card pictures in docs/img/cards from the bot's own cards (node, chromium)
	$(BIN)/python -m tools.cards.pictures

$(CARDS_NPM): tools/cards/package.json tools/cards/package-lock.json
	npm ci --prefix tools/cards --no-audit --no-fund
	touch $@

bench: $(STAMP)  ## every benchmark under bench/
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) site .pytest_cache .ruff_cache .hypothesis cme-bot.db cme-bot.db-wal cme-bot.db-shm
