# The two commands of the README are `make dev` and `make test`; the rest are
# the steps they are made of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# AWS_ENDPOINT_URL is not given a default: unless you set it, `make dev` and
# `make test` start a moto server of their own on a free loopback port
# (infra/scripts/with-endpoint.sh), so that nothing answering on a well-known
# port on a shared machine is used by accident.
export AWS_REGION ?= us-east-1
export AWS_ACCESS_KEY_ID ?= test
export AWS_SECRET_ACCESS_KEY ?= test
export DEV_JWT_SECRET ?= local-dev-secret-change-me
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

# STAGE names the deployment: infra/stages/$(STAGE).json, stack BackOffice-$(STAGE).
STAGE ?= dev
# CDK_FLAGS are passed on to cdk, e.g. CDK_FLAGS='--require-approval never' in CI.
CDK_FLAGS ?=

# AWS_ENV runs a command against AWS with the credentials you have (profile,
# SSO, AWS_SESSION_TOKEN, a CI role): without the local endpoint, and
# without the region and the fake key pair above unless you set them
# yourself, so that your profile's region and credentials apply.
AWS_ENV := env -u AWS_ENDPOINT_URL \
	$(if $(filter file,$(origin AWS_REGION)),-u AWS_REGION) \
	$(if $(filter test,$(AWS_ACCESS_KEY_ID)),-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY)

FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD := .build/functions
CDK := infra/node_modules/.bin/cdk
WITH_ENDPOINT := infra/scripts/with-endpoint.sh

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: dev
dev: web ## run the whole system locally on http://127.0.0.1:8080 (API and admin console) until stopped
	@go build -o .build/dev ./infra/cmd/dev
	@$(WITH_ENDPOINT) .build/dev

WEB_MODULES := web/node_modules/.package-lock.json

$(WEB_MODULES): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@# node_modules may ship Go files; an empty go.mod keeps ./... out of it
	@: > web/node_modules/go.mod
	@touch $(WEB_MODULES)

.PHONY: web
web: $(WEB_MODULES) ## build the admin console into web/dist (npm ci first when its modules are missing or stale)
	cd web && npm run --silent build

.PHONY: screenshots
screenshots: $(WEB_MODULES) ## retake the README's console screenshots (docs/screens/) with a Playwright run
	cd web && npm run --silent build && SCREENSHOTS_DIR=$(CURDIR)/docs/screens npx playwright test

.PHONY: test
test: ## run every test: vet, unit (-race), integration (own endpoint), CDK, synth, cfn-lint; a summary at the end
	@infra/scripts/test.sh

.PHONY: e2e-messaging
e2e-messaging: ## the messaging end-to-end test at 2,000 recipients on its own endpoint (10-20 minutes)
	MESSAGING_E2E_RECIPIENTS=2000 $(WITH_ENDPOINT) go test -count=1 -v -timeout 60m -run '^TestEveryRecipientGetsOneEmail$$' ./functions/messaging/

.PHONY: token
token: ## mint a dev JWT: make token EMAIL=ada@example.com [GROUPS=platform-operators]
	@go run ./infra/cmd/devtoken -email "$(EMAIL)" -groups "$(GROUPS)"

.PHONY: build
build: ## build every function for Lambda (arm64, provided.al2023) into .build/functions/<name>/bootstrap
	@for f in $(FUNCTIONS); do \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o $(BUILD)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

# MAX_BINARY_BYTES is the most a function's stripped arm64 binary may weigh
# (12 MB): a smaller zip starts colder functions sooner.
MAX_BINARY_BYTES := 12000000

.PHONY: sizes
sizes: build check-sizes ## print each function's binary size; fail when one is over 12 MB

.PHONY: check-sizes
check-sizes: ## as sizes, on the binaries built last (make test runs it after synth, which builds them)
	@du -b $(BUILD)/*/bootstrap | awk -v max=$(MAX_BINARY_BYTES) \
		'{ printf "%6.2f MB  %s\n", $$1/1e6, $$2 } $$1 > max { over = over " " $$2 } \
		END { if (over != "") { print "over " max/1e6 " MB:" over; exit 1 } }'

$(CDK): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	@# node_modules ships Go template files; an empty go.mod keeps ./... out of it
	@: > infra/node_modules/go.mod
	@touch $(CDK)

# synth takes the admin console from web/dist when `make web` has built it,
# else a placeholder page (infra/console.go, ConsoleBundle), so that it
# needs no console build (make test synthesises before its web stage);
# diff and deploy build the console first, so that what they compare and
# ship is the real one.
.PHONY: synth
synth: build $(CDK) ## synthesise the stage's template into cdk.out (offline, no AWS account; the console from web/dist if built): make synth [STAGE=prod]
	CDK_DISABLE_VERSION_CHECK=true $(CDK) synth -c stage=$(STAGE) --quiet --no-notices --no-version-reporting

.PHONY: lint-cfn
lint-cfn: synth ## cfn-lint the synthesised template
	@$(MAKE) --no-print-directory cfn-lint

.PHONY: cfn-lint
cfn-lint: ## cfn-lint the template synthesised last (make synth), without synthesising it again
	@command -v cfn-lint >/dev/null || pip install --quiet cfn-lint
	cfn-lint cdk.out/*.template.json

.PHONY: bootstrap
bootstrap: build $(CDK) ## once per AWS account and region: cdk bootstrap with your credentials
	$(AWS_ENV) $(CDK) bootstrap -c stage=$(STAGE) --no-notices $(CDK_FLAGS)

.PHONY: diff
diff: build web $(CDK) ## what make deploy would change: make diff STAGE=prod
	$(AWS_ENV) $(CDK) diff -c stage=$(STAGE) --no-notices $(CDK_FLAGS)

.PHONY: deploy
deploy: build web $(CDK) ## deploy the stage (functions, API, admin console) with your AWS credentials: make deploy STAGE=prod (see README, Deploying)
	$(AWS_ENV) $(CDK) deploy -c stage=$(STAGE) --no-notices $(CDK_FLAGS)

# redrive runs against AWS with your credentials (AWS_ENV) unless you name an
# endpoint yourself, e.g. AWS_ENDPOINT_URL=http://127.0.0.1:4566 for make dev's.
.PHONY: redrive
redrive: ## move a dead-letter queue's messages back to its queue: make redrive QUEUE=<name or URL> (docs/runbook.md)
	@go build -o .build/redrive ./infra/cmd/redrive
	@$(if $(AWS_ENDPOINT_URL),,$(AWS_ENV)) .build/redrive -queue "$(QUEUE)"

.PHONY: migrate
migrate: ## run the table's pending migrations: `AWS_ENDPOINT_URL=<make dev's> make migrate` (an emulator) or `make migrate TABLE=<TableName output>` (AWS); ARGS=-status
ifdef TABLE
	$(AWS_ENV) go run ./infra/cmd/migrate -table "$(TABLE)" $(ARGS)
else
	go run ./infra/cmd/migrate $(ARGS)
endif
