#!/usr/bin/env bash
# test.sh: what `make test` runs. Every stage runs and reports its result,
# even when an earlier one failed, and the script fails at the end, with a
# summary of the stages, when any did:
#
#   modules      go mod download (the first run on a fresh clone fetches them)
#   vet          go vet ./...
#   unit         go test -race on the shared/ packages whose tests need no
#                AWS endpoint
#   integration  go test on the others (with the CDK tests), on a moto server
#                of this run's own
#                (infra/scripts/with-endpoint.sh: a free loopback port unless
#                AWS_ENDPOINT_URL names an endpoint)
#   synth        the CloudFormation template (make synth)
#   cfn-lint     cfn-lint on it (make cfn-lint)
#   sizes        every function's binary, which synth built, at most 12 MB
#                (make check-sizes)
#   web          the admin console (web/): npm ci when its modules are
#                missing or stale, the generated API types current, vitest,
#                the build, the initial-JS budget (250 KB gzipped) and the
#                Playwright end-to-end tests in Debian's Chromium (installed
#                with apt-get when /usr/bin/chromium is missing and we are
#                root) against a dev system of their own
#
# A stage that runs longer than HEARTBEAT seconds (default 30) says that it
# is still running, and how many packages are done, every HEARTBEAT seconds.
#
# Settings: GO_TEST_FLAGS (extra flags for both go test stages, e.g. -v or
# -run), RACE (set to 0 to run the unit stage without -race).
set -uo pipefail
cd "$(dirname "$0")/../.."

mkdir -p .build
heartbeat="${HEARTBEAT:-30}"
race=-race
[[ "${RACE:-1}" == 0 ]] && race=
read -r -a extra <<<"${GO_TEST_FLAGS:-}"
start=$SECONDS
names=()
results=()

clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# stage NAME TOTAL CMD...: runs CMD, its output shown and kept in
# .build/test-NAME.log, with a heartbeat; TOTAL is how many packages it
# tests (0 for none), for the heartbeat's count of packages done.
stage() {
	local name=$1 total=$2
	shift 2
	local log=.build/test-$name.log began=$SECONDS
	echo
	echo "==> $name: ${say:-$*}"
	(
		while sleep "$heartbeat"; do
			local done=""
			if ((total > 0)); then
				local n
				n=$(grep -cE '^(ok|FAIL|\?) ' "$log" 2>/dev/null)
				done=", ${n:-0} of $total packages done"
			fi
			echo "... $name still running after $(clock $((SECONDS - began)))$done"
		done
	) &
	local beat=$!
	"$@" 2>&1 | tee "$log"
	local status=${PIPESTATUS[0]}
	kill "$beat" 2>/dev/null
	wait "$beat" 2>/dev/null
	local result="ok"
	((status == 0)) || result="FAILED (exit $status)"
	echo "<== $name: $result in $(clock $((SECONDS - began)))"
	names+=("$name")
	results+=("$result in $(clock $((SECONDS - began)))")
	return "$status"
}

# skip NAME WHY records a stage that could not run.
skip() {
	echo
	echo "==> $1: not run, $2"
	names+=("$1")
	results+=("NOT RUN ($2)")
}

# download_modules runs go mod download, printing each module it fetches
# (nothing when the module cache has them all).
download_modules() {
	go mod download -x 2>&1 | grep --line-buffered -E '^# get .*\.zip$'
	return "${PIPESTATUS[0]}"
}

say="go mod download (each module fetched is printed)" stage modules 0 download_modules

stage vet 0 go vet ./...

# The packages whose tests (or their helpers) use the emulator test kit need
# an endpoint; the rest are pure and run under the race detector.
mapfile -t endpoint < <(go list -test -f '{{if .ForTest}}{{.ForTest}} {{join .Deps " "}}{{end}}' ./... |
	awk '/ github.com\/learnops\/backoffice\/shared\/testkit\/emulatortest( |$)/ {print $1}' | sort -u)
# The CDK assertion tests (infra, no endpoint) run without -race: the CDK's
# generated packages would take minutes more to build with it.
mapfile -t unit < <(go list ./shared/... | grep -vxF -f <(printf '%s\n' "${endpoint[@]}"))
mapfile -t rest < <(go list ./... | grep -vxF -f <(printf '%s\n' "${unit[@]}"))

say="go test -count=1 $race ${extra[*]} (${#unit[@]} packages: ${unit[*]#github.com/learnops/backoffice/})" \
	stage unit "${#unit[@]}" go test -count=1 $race "${extra[@]}" "${unit[@]}"

say="infra/scripts/with-endpoint.sh go test -count=1 ${extra[*]} (${#rest[@]} packages: ${rest[*]#github.com/learnops/backoffice/})" \
	stage integration "${#rest[@]}" infra/scripts/with-endpoint.sh go test -count=1 "${extra[@]}" "${rest[@]}"

if stage synth 0 make --no-print-directory synth; then
	stage cfn-lint 0 make --no-print-directory cfn-lint
	stage sizes 0 make --no-print-directory check-sizes
else
	skip cfn-lint "synth failed"
	skip sizes "synth failed"
fi

# web_checks runs the console's checks, stopping at the first that fails.
web_checks() {
	make --no-print-directory web/node_modules/.package-lock.json || return
	if [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			echo "web: installing Debian's chromium for the browser tests"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || return
		else
			echo "web: no Chromium at ${CHROMIUM:-/usr/bin/chromium}: install Debian's chromium package (or set CHROMIUM)" >&2
			return 1
		fi
	fi
	(
		cd web &&
			echo "--- generated API types" && npm run --silent check:types-current &&
			echo "--- vitest" && npx vitest run &&
			echo "--- build" && npm run --silent build >/dev/null &&
			echo "--- bundle size" && npm run --silent size &&
			echo "--- playwright" && npx playwright test
	)
}

say="web/: npm ci (when needed), generated types current, vitest, build, bundle size, playwright" stage web 0 web_checks

echo
echo "make test: $(clock $((SECONDS - start))) in all"
failed=0
for i in "${!names[@]}"; do
	printf '  %-12s %s\n' "${names[$i]}" "${results[$i]}"
	[[ "${results[$i]}" == ok* ]] || failed=1
done
if ((failed)); then
	echo "make test: FAILED (each stage's output is in .build/test-<stage>.log)"
	exit 1
fi
echo "make test: every stage passed"
