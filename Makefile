# fluxsearch — the README's two commands are `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/release/fluxsearch

.PHONY: demo test setup build bench fixtures help-snapshots clean

## demo: install what is missing, build in release, index a small demo library, run queries.
demo: setup build
	Tools/demo

## test: install what is missing, then build and run every test.
test:
	@Tools/setup --tests
	$(SWIFT) test

setup:
	@Tools/setup

build:
	$(SWIFT) build -c release --product fluxsearch

bench: build
	$(BIN) bench kernels

## fixtures: regenerate the committed NumPy fixtures (needs numpy; not part of CI).
fixtures:
	python3 Tools/fixtures/make_core_fixtures.py
	python3 Tools/fixtures/make_interp_fixtures.py
	python3 Tools/fixtures/make_vision_fixtures.py   # needs torch
	python3 Tools/fixtures/make_text_fixtures.py     # needs torch, open_clip, ftfy
	python3 Tools/reference/resize_reference.py      # needs torch

## help-snapshots: rewrite the --help snapshots that the tests compare (review the diff).
help-snapshots:
	Tools/help_snapshots

clean:
	rm -rf .build
