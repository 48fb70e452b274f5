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

.PHONY: sizes
sizes: build ## print each function's binary size
	@du -b $(BUILD)/*/bootstrap

$(CDK): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	@# node_modules ships Go template files; an empty go.mod keeps ./... out of it
	@: > infra/node_modules/go.mod
	@touch $(CDK)

.PHONY: synth
synth: build $(CDK) ## synthesise the CloudFormation template into cdk.out (offline, no AWS account)
	CDK_DISABLE_VERSION_CHECK=true $(CDK) synth --quiet --no-notices --no-version-reporting

.PHONY: lint-cfn
lint-cfn: synth ## cfn-lint the synthesised template
	@$(MAKE) --no-print-directory cfn-lint

.PHONY: cfn-lint
cfn-lint: ## cfn-lint the template synthesised last (make synth), without synthesising it again
	@command -v cfn-lint >/dev/null || pip install --quiet cfn-lint
	cfn-lint cdk.out/*.template.json

.PHONY: deploy
deploy: build $(CDK) ## deploy to the AWS account of your credentials (see README)
	env -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY $(CDK) deploy --no-notices
