# Two commands do everything on a fresh machine: `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# uv (pinned in constraints.txt, installed into the venv by its own pip) installs the pinned
# dependencies: the same versions as pip would, in seconds instead of pip's 25-50 s of index
# look-ups one package at a time; compiled at install, not by five processes at their first
# start (docs/benchmarks.md, "`make up`").
UV := $(VENV)/bin/uv
INSTALL := $(UV) pip install --quiet --compile-bytecode --python $(PY) -c constraints.txt

.PHONY: up up-cluster test bench lint down format clean browser nginx migrate province-sim simulate-city

# What the apps need (`make up` and the other runs); the test and lint tools come on top,
# with the first `make test` or `make lint` (a first `make up` does not wait for them).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt uv
	$(INSTALL) -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(INSTALL) -e '.[dev]'
	touch $(DEV_STAMP)

## up: start embedded Postgres + NATS, migrate, run all services and the gateway, load demo data
up: $(STAMP)
	$(PY) -m deploy.local.up

## up-cluster: `make up` as a cluster: three NATS JetStream nodes (streams replicated three
## ways), two processes of every service and of the gateway (8000 and 8010), the nginx edge
## in front of both gateways (https://localhost:8443, if nginx is installed: `make nginx`),
## and a streaming PostgreSQL standby that lists read
up-cluster: $(STAMP)
	PENSION_LOCAL_CLUSTER=1 PENSION_LOCAL_STANDBY=1 $(PY) -m deploy.local.up

## migrate: every schema to head, printing revisions before and after (PENSION_DATABASE_URL,
## else make up's embedded server in .data/, started for the run if it is not up)
migrate: $(STAMP)
	$(PY) -m deploy.local.migrate --local

## test: the whole suite against real Postgres and NATS (embedded unless URLs are given)
test: $(DEV_STAMP) browser nginx
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadfile --ignore=tests/perf

## browser: headless Chromium and a CJK font for the printables' browser tests (once; root)
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-wqy-zenhei) >/dev/null 2>&1 || \
	    echo "could not install chromium: the printables' browser tests will be skipped"; }

## nginx: the distribution's nginx for the edge (its tests, the fault month, up-cluster; once; root)
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      nginx-light) >/dev/null 2>&1 || \
	    echo "could not install nginx: the edge's e2e test will be skipped"; }

## bench: performance benchmarks; they print figures and never fail the suite
bench: $(DEV_STAMP)
	$(PY) -m pytest tests/perf -p no:xdist -s -q

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## simulate-city: a city (1,500 units, 150,000 insured, 50,000 retirees) through one month on
## a cluster of its own (fresh temp dir, free ports; not .data): each step's wall time and
## events/s, printed and written to city-month.json (SCALE=0.02 for a quick run)
SCALE ?= 1.0
simulate-city: $(STAMP)
	$(PY) -m deploy.local.simulate_city --scale $(SCALE)

## province-sim: a provincial platform against `make up` (pulls the feeds, receives pushes on
## port 8200, prints what it mirrored; Ctrl-C stops, a restart resumes from .data/province_sim.json)
province-sim: $(STAMP)
	PENSION_DEV_MODE=1 $(PY) -m deploy.local.province_sim

## down: stop a `make up` running in another terminal
down:
	@test -f .data/up.pid && kill $$(cat .data/up.pid) && echo "stopping make up" || echo "make up is not running"

clean:
	rm -rf .data
