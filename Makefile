# composestack: deploys Docker Compose projects to AWS ECS through CloudFormation, from Kubernetes.

include hack/versions.env

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)
IMG ?= composestack-controller:dev
# The image's timestamps: the last commit's time, so that a commit always gives the same image digest.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and RBAC from the API types and kubebuilder markers; copy them into the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
# The Helm chart installs these as they are; charts/chart_test.go fails when the copies differ.
	cp config/crd/bases/*.yaml charts/composestack/crds/
	cp config/rbac/role.yaml charts/composestack/files/role.yaml

.PHONY: generate
generate: controller-gen ## Generate deepcopy code for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: api-docs
api-docs: crd-ref-docs ## Generate the API reference, docs/api.md, from the API types.
	$(CRD_REF_DOCS) --config hack/api-docs.yaml --source-path ./api/v1alpha1 --renderer markdown \
		--output-path docs/api.md --log-level ERROR

.PHONY: fmt
fmt: ## Run gofmt over the code.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (pinned).
	$(GOLANGCI_LINT) run ./...

.PHONY: verify-generated
verify-generated: controller-gen crd-ref-docs ## Fail when the generated deepcopy, CRD, RBAC or API reference are stale.
	hack/verify-generated.sh "$(MAKE)"

.PHONY: envtest-bins
envtest-bins: ## Build kube-apiserver, etcd and kubectl from the Go module proxy into bin/ (cached).
	@hack/build-envtest-bins.sh >/dev/null

.PHONY: test
test: verify-generated vet lint envtest-bins ## Build and run every test (envtest, cfn-lint, moto, local CloudFormation).
	hack/check-test-tools.sh
	KUBEBUILDER_ASSETS="$$(hack/build-envtest-bins.sh | tail -n 1)" go test ./... -count=1 -timeout 30m
	$(MAKE) fuzz

# FUZZTIME bounds each fuzz target in `make test`; the corpus each grows from is committed under testdata/fuzz.
# A count of inputs, not a duration: Go 1.26's fuzzing coordinator can fail a target with a bare "context deadline
# exceeded" when a duration ends while a worker is busy (go.dev/issue/75804, fixed in Go 1.27), which a loaded
# machine makes likely. A count has no deadline to race and is bounded work all the same.
FUZZTIME ?= 10000x
FUZZ_TARGETS = ./internal/compose:FuzzLoad ./internal/overlay:FuzzParse ./internal/render:FuzzRender \
	./internal/render:FuzzOverlayCheck ./internal/cfnyaml:FuzzExpandMatchesValue

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME inputs (load+render, overlay parse and merge, env files, the template check).
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		go test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME); \
	done

.PHONY: bench
bench: ## Run the Go benchmarks.
	go test ./... -run '^$$' -bench . -benchmem

SCALE_ARGS ?= -n 100
.PHONY: scale
scale: ## Measure N ComposeStacks end to end under account rate limits (SCALE_ARGS="-n 1000").
	KUBEBUILDER_ASSETS="$$(hack/build-envtest-bins.sh | tail -n 1)" go run ./hack/scale $(SCALE_ARGS)

##@ Build

.PHONY: build
build: ## Build the manager, the composestack CLI and the local CloudFormation endpoint into bin/.
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/manager ./cmd/manager
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/composestack ./cmd/composestack
	CGO_ENABLED=0 go build -trimpath -o $(LOCALBIN)/cfnlocal ./cmd/cfnlocal

.PHONY: run
run: manifests generate ## Run the manager against the cluster in ~/.kube/config.
	go run ./cmd/manager

.PHONY: demo
demo: build envtest-bins ## Deploy the Utopia sample end to end on this machine, with no cloud account.
	hack/demo.sh

.PHONY: demo-private
demo-private: build envtest-bins ## The demo, with the Utopia sample in a private ComposeNetwork.
	hack/demo.sh --private

UTOPIA_COMPOSE := internal/render/testdata/seed-utopia-main/docker-compose.yaml
.PHONY: diagram
diagram: ## Draw the Utopia project's template into docs/utopia-diagram.svg, the drawing the README shows.
	go run ./cmd/composestack diagram -f $(UTOPIA_COMPOSE) -p ss-utopia --format svg > docs/utopia-diagram.svg.tmp
	mv docs/utopia-diagram.svg.tmp docs/utopia-diagram.svg

.PHONY: image
image: ## Build the manager image for linux/amd64 and linux/arm64 into bin/image (an OCI layout; no Docker engine).
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run ./hack/image build -o $(LOCALBIN)/image

.PHONY: image-push
image-push: image ## Push bin/image to IMG=registry/repository:tag with the Docker credentials (docker login).
	go run ./hack/image push -from $(LOCALBIN)/image $(IMG)

.PHONY: docker-build
docker-build: ## Build the same manager image with a Docker engine.
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests ## Install the CRD into the cluster in ~/.kube/config.
	kubectl apply -k config/crd

.PHONY: deploy
deploy: manifests ## Deploy the controller into the cluster in ~/.kube/config.
	kubectl apply -k config/default

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN)/.tmp-cg go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/.tmp-cg/controller-gen $@ && rmdir $(LOCALBIN)/.tmp-cg

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN)/.tmp-gl go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/.tmp-gl/golangci-lint $@ && rmdir $(LOCALBIN)/.tmp-gl

.PHONY: crd-ref-docs
crd-ref-docs: $(CRD_REF_DOCS)
$(CRD_REF_DOCS):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN)/.tmp-crd go install github.com/elastic/crd-ref-docs@$(CRD_REF_DOCS_VERSION)
	mv $(LOCALBIN)/.tmp-crd/crd-ref-docs $@ && rmdir $(LOCALBIN)/.tmp-crd
