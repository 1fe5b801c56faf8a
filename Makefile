# The two commands of the README. Each one does its own set-up on a fresh clone.
.PHONY: run test bench

run:  ## start the product with demo data on http://127.0.0.1:8000
	@bash scripts/bootstrap.sh run
	@.venv/bin/python scripts/run.py

test:  ## install what the tests need, then run ruff and the whole test suite
	@bash scripts/bootstrap.sh test
	@.venv/bin/python scripts/test.py $(ARGS)

bench:  ## not a set-up command: generate the scale datasets and measure (see docs/performance.md)
	@bash scripts/bootstrap.sh bench
	@.venv/bin/python scripts/bench.py --write-docs $(ARGS)
