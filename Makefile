# exporter — `make` builds every briefing from seeds/ into out/; `make test` runs the tests.
# Targets are listed by `make help`. Everything installs into .venv/ (no root needed).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
INSTALLED := $(VENV)/.installed
FONTS   := fonts/build/.built
OUT     ?= out
SEEDS   := $(wildcard seeds/*.txt)
NAMES   := $(notdir $(SEEDS:.txt=))
EXPORTER := $(BIN)/exporter
# Outputs depend on the code and data that make them, so an edit rebuilds, a no-op doesn't.
CODE    := $(shell find exporter -name '*.py' -o -name '*.tsv' -o -name '*.toml' 2>/dev/null)
DEPS    := $(INSTALLED) $(FONTS) $(CODE)
HAS_MODEL = $(EXPORTER) --quiet models check zh en 2>/dev/null

ZH_OUT  := $(foreach n,$(NAMES),$(OUT)/$(n).zh-CN.pdf $(OUT)/$(n).zh-CN.docx)
HK_OUT  := $(foreach n,$(NAMES),$(OUT)/$(n).zh-HK.pdf $(OUT)/$(n).zh-HK.docx)
MO_OUT  := $(foreach n,$(NAMES),$(OUT)/$(n).zh-MO.pdf $(OUT)/$(n).zh-MO.docx)
TW_OUT  := $(foreach n,$(NAMES),$(OUT)/$(n).zh-TW.pdf $(OUT)/$(n).zh-TW.docx)
EN_OUT  := $(foreach n,$(NAMES),$(OUT)/$(n).en.pdf $(OUT)/$(n).en.docx)
# Bilingual outputs are named after the source's script (zh-CN_en, zh-Hant_en, …), which
# make cannot know in advance, so a stamp per seed stands for them.
BI_OUT  := $(foreach n,$(NAMES),$(OUT)/.$(n).bilingual.stamp)

.DEFAULT_GOAL := all
.PHONY: all help install ray fonts install-fonts zh hk mo tw en bilingual pack models test test-fast lint format bench bench-env clean distclean check-model

all: zh hk ## install, then build every briefing (Simplified, Hong Kong; English and bilingual when a model is installed)
	@if $(HAS_MODEL); then $(MAKE) --no-print-directory en bilingual; \
	else echo "make: skipped English and bilingual briefings: no zh→en translation model is installed; run 'make models' (or 'exporter models install --file X.argosmodel'), then 'make' again."; fi

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-14s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# argostranslate's declared dependencies pull stanza -> torch (GBs); its package
	# management needs none of them, so it is installed on its own.
	$(PY) -m pip install --quiet --no-deps 'argostranslate==1.11.0'
	# DejaVu Sans (fallback for arrows, maths, shapes): we only copy its TTF; the
	# package's declared rinohtype -> Sphinx dependencies are never imported.
	$(PY) -m pip install --quiet --no-deps 'rinoh-typeface-dejavusans==0.1.0'
	# OpenCC's derived phrase data (~/.cache/exporter/opencc-*.marshal; exporter/diskcache.py),
	# built now so that the first Traditional build loads it instead of deriving it (~1 s).
	$(PY) -c 'from exporter.transforms.convert import convert_text as c, detect_script as d; c("干部", "s2hk", corrections=(), word_guard=True); d("干部")'
	# The package's bytecode, written now: an editable install leaves it to the first run,
	# which cannot write it where PYTHONDONTWRITEBYTECODE is set (~0.1 s of every cold run).
	$(PY) -m compileall -q exporter >/dev/null
	touch $@

install: $(INSTALLED) ## create .venv and install the package with its dependencies

RAY_INSTALLED := $(VENV)/.ray-installed
$(RAY_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[ray]'
	touch $@

ray: $(RAY_INSTALLED) ## add the optional Ray extra to .venv (exporter build --executor ray; docs/SCALE.md)

$(FONTS): $(INSTALLED) exporter/fontbuild.py
	$(PY) -m exporter.fontbuild
	touch $@

fonts: $(FONTS) ## convert the bundled Noto CJK fonts to TrueType (one-time, a few minutes)

USER_FONTS ?= $(HOME)/.local/share/fonts/exporter
install-fonts: $(FONTS) ## copy the fonts where LibreOffice/Word on this machine find them (no root)
	mkdir -p "$(USER_FONTS)"
	cp fonts/build/*.ttf "$(USER_FONTS)/"
	-command -v fc-cache >/dev/null && fc-cache -f "$(USER_FONTS)"
	@echo "make: fonts copied to $(USER_FONTS); the DOCX briefings now open in the faces of the PDFs"

zh: $(ZH_OUT) ## Simplified Chinese briefings (DOCX + PDF)
hk: $(HK_OUT) ## Traditional Chinese briefings for Hong Kong readers
mo: $(MO_OUT) ## Traditional Chinese briefings for Macau readers (Hong Kong standard)
tw: $(TW_OUT) ## Traditional Chinese briefings for Taiwan readers

$(OUT)/%.zh-CN.pdf $(OUT)/%.zh-CN.docx: seeds/%.txt $(DEPS)
	$(EXPORTER) build $< --out $(OUT) --lang zh-CN
$(OUT)/%.zh-HK.pdf $(OUT)/%.zh-HK.docx: seeds/%.txt $(DEPS)
	$(EXPORTER) build $< --out $(OUT) --lang zh-HK
$(OUT)/%.zh-MO.pdf $(OUT)/%.zh-MO.docx: seeds/%.txt $(DEPS)
	$(EXPORTER) build $< --out $(OUT) --lang zh-MO
$(OUT)/%.zh-TW.pdf $(OUT)/%.zh-TW.docx: seeds/%.txt $(DEPS)
	$(EXPORTER) build $< --out $(OUT) --lang zh-TW

# One briefing pack (cover, contents, a section per source) from every source in seeds/.
PACK_SOURCES := $(sort $(wildcard $(addprefix seeds/*,.txt .md .markdown .docx .html .htm)))
PACK_OUT := $(OUT)/pack.zh-CN.pdf $(OUT)/pack.zh-CN.docx

pack: $(PACK_OUT) ## one briefing pack (DOCX + PDF, with contents) from every source in seeds/

$(PACK_OUT) &: $(PACK_SOURCES) $(DEPS)
	$(EXPORTER) pack $(PACK_SOURCES) --out $(OUT) --name pack --title "$(PACK_TITLE)"

PACK_TITLE ?= 简报汇编

check-model: $(INSTALLED)
	@$(HAS_MODEL) || { echo "make: no zh→en translation model is installed; run 'make models' (or 'exporter models install --file X.argosmodel') first." >&2; exit 4; }

en: check-model $(EN_OUT) ## English briefings (needs a zh→en model: make models)
bilingual: check-model $(BI_OUT) ## bilingual briefings, interleaved and side-by-side (needs a model)

$(OUT)/%.en.pdf $(OUT)/%.en.docx: seeds/%.txt $(DEPS) | check-model
	$(EXPORTER) build $< --out $(OUT) --lang en
# One rule makes both layouts, so the document is translated once (and cached).
$(OUT)/.%.bilingual.stamp: seeds/%.txt $(DEPS) | check-model
	$(EXPORTER) build $< --out $(OUT) --bilingual interleaved,side-by-side
	touch $@

models: $(INSTALLED) ## download and install the zh→en Argos model (needs network)
	$(EXPORTER) models install zh en

test: $(INSTALLED) $(FONTS) ## run the whole test suite (installs first if needed)
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests — treating as failure" >&2; exit 1; fi; exit $$rc

test-fast: $(INSTALLED) $(FONTS) ## the suite without tests marked slow
	$(PY) -m pytest -m "not slow"

lint: $(INSTALLED) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check exporter tests bench
	$(BIN)/ruff format --check exporter tests bench
	$(BIN)/mypy exporter

format: $(INSTALLED) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix exporter tests bench
	$(BIN)/ruff format exporter tests bench

BENCH_VENV := .bench-venv
# The peer "argostranslate's own translate path" needs stanza and torch; they live in a
# separate environment so the product's .venv stays lean. torch 2.13.0 (CPU) is pinned:
# an unpinned torch pulls a multi-GB CUDA build.
# The cold-process peers come from PyPI too: Typst (its Python binding) and pandoc
# (pypandoc-binary ships the executable). LibreOffice comes from Debian when we are root;
# otherwise its rows say skipped.
$(BENCH_VENV)/.installed-peers:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet 'torch==2.13.0' 'argostranslate==1.11.0' \
		'typst==0.15.0' 'pypandoc-binary==1.17'
	if ! command -v soffice >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui >/dev/null \
		|| echo "make: LibreOffice not installed; its benchmark rows will say skipped"; fi
	touch $@

bench-env: $(BENCH_VENV)/.installed-peers ## create .bench-venv (peers: torch CPU + argostranslate, Typst, pandoc; LibreOffice via apt)

bench: $(INSTALLED) $(RAY_INSTALLED) $(FONTS) $(BENCH_VENV)/.installed-peers ## benchmarks against the peers (~15 min); writes docs/BENCHMARKS.md
	$(PY) bench/run.py

clean: ## remove built briefings and caches (keeps .venv and fonts)
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## also remove .venv and the converted fonts
	rm -rf $(VENV) fonts/build .bench-venv
