# The two commands of the README are `make dev` and `make test`; the rest are
# the steps they are made of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export AWS_ENDPOINT_URL ?= http://127.0.0.1:4566
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
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: dev
dev: ## run the whole system locally on http://127.0.0.1:8080 until stopped
	@go build -o .build/dev ./infra/cmd/dev
	@$(WITH_ENDPOINT) .build/dev

.PHONY: test
test: ## run every test: unit, integration (against the endpoint), CDK, synth and cfn-lint
	go vet ./...
	$(WITH_ENDPOINT) go test -count=1 ./...
	$(MAKE) --no-print-directory lint-cfn

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
sizes: build ## print each function's binary size; fail when one is over 12 MB
	@du -b $(BUILD)/*/bootstrap | awk -v max=$(MAX_BINARY_BYTES) \
		'{ printf "%6.2f MB  %s\n", $$1/1e6, $$2 } $$1 > max { over = over " " $$2 } \
		END { if (over != "") { print "over " max/1e6 " MB:" over; exit 1 } }'

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
	@command -v cfn-lint >/dev/null || pip install --quiet cfn-lint
	cfn-lint cdk.out/*.template.json

.PHONY: deploy
deploy: build $(CDK) ## deploy to the AWS account of your credentials (see README)
	env -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY $(CDK) deploy --no-notices
