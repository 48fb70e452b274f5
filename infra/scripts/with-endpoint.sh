#!/usr/bin/env bash
# with-endpoint.sh CMD [ARG...]
#
# Runs CMD with an AWS-compatible endpoint of its own in AWS_ENDPOINT_URL and
# exits with CMD's exit code.
#
# When AWS_ENDPOINT_URL is unset (the usual case), moto's server is started
# on a free loopback port (installed with pip first if it is missing), logging
# to .build/moto-PORT.log, and stopped when CMD ends, also on Ctrl-C. Nothing
# that happens to answer on a well-known port (LocalStack's 4566, somebody
# else's emulator on a shared machine) is used by accident.
#
# When AWS_ENDPOINT_URL is set, that endpoint is used: left alone when
# something answers there, otherwise moto is started on it if it is a
# loopback address, and the script fails if it is not.
#
# Settings: AWS_ENDPOINT_URL; MOTO_START_TIMEOUT (seconds to wait for moto to
# answer, default 60).
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
named="${AWS_ENDPOINT_URL:-}"
timeout="${MOTO_START_TIMEOUT:-60}"

say() { echo "with-endpoint: $*" >&2; }

# answers reports whether anything answers HTTP at the endpoint: moto and
# LocalStack both answer GET / with some status. curl prints 000 when nothing
# answers; without curl, a raw HTTP request through bash's /dev/tcp does.
answers() {
	if command -v curl >/dev/null; then
		local code
		code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$endpoint/" || true)"
		[[ "$code" != 000 && -n "$code" ]]
	else
		local line
		line="$(timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' '$host' >&3 && head -c 12 <&3" 2>/dev/null || true)"
		[[ "$line" == HTTP/* ]]
	fi
}

# set_endpoint points endpoint, host and port at the URL, http://host:port/...
set_endpoint() {
	endpoint="${1%/}"
	local hostport="${endpoint#*://}"
	hostport="${hostport%%/*}"
	host="${hostport%:*}"
	port="${hostport##*:}"
	if [[ "$hostport" != *:* ]]; then
		host="$hostport"
		[[ "$endpoint" == https://* ]] && port=443 || port=80
	fi
}

if [[ -n "$named" ]]; then
	set_endpoint "$named"
	if answers; then
		say "using the endpoint AWS_ENDPOINT_URL names, already answering at $endpoint"
		exec "$@"
	fi
	case "$host" in
	127.0.0.1 | localhost) ;;
	*)
		say "nothing answers at $endpoint (AWS_ENDPOINT_URL), and it is not a loopback address this script could start moto on."
		say "start that endpoint, or unset AWS_ENDPOINT_URL to have a moto server of this run's own on a free port."
		exit 1
		;;
	esac
fi

# moto's server runs through moto_server.py beside this script, which
# serialises DynamoDB operations as real DynamoDB's atomicity requires (see
# its comment); it needs a python3 that can import moto.
moto=()
find_moto() {
	if command -v python3 >/dev/null && python3 -c 'import moto.server, moto.dynamodb' 2>/dev/null; then
		moto=(python3 "$root/infra/scripts/moto_server.py")
	else
		return 1
	fi
}

if ! find_moto; then
	say "moto_server not found; installing it with pip install 'moto[server]'"
	if ! { command -v python3 >/dev/null && python3 -m pip install --quiet 'moto[server]'; } || ! find_moto; then
		say "could not install moto's server. Install Python 3 and run: pip install 'moto[server]' (or pipx install 'moto[server]')"
		say "or start LocalStack on $endpoint (AWS_ENDPOINT_URL)."
		exit 1
	fi
fi

# free_port prints a loopback TCP port that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

mkdir -p "$root/.build"
moto_pid=
stop_moto() {
	if [[ -n "$moto_pid" ]] && kill -0 "$moto_pid" 2>/dev/null; then
		kill "$moto_pid" 2>/dev/null || true
		wait "$moto_pid" 2>/dev/null || true
	fi
}
trap stop_moto EXIT
# Exit through the EXIT trap on Ctrl-C and on termination, with the usual
# 128+signal status.
trap 'exit 130' INT
trap 'exit 143' TERM

# start_moto starts moto on $host:$port and waits until it answers; it
# returns 1 when moto exits first (the port was taken) and exits the script
# when moto does not answer in time.
start_moto() {
	log="$root/.build/moto-$port.log"
	say "starting moto on $endpoint (log: ${log#"$root"/})"
	"${moto[@]}" -H "$host" -p "$port" >"$log" 2>&1 &
	moto_pid=$!
	local deadline=$((SECONDS + timeout))
	until answers; do
		if ! kill -0 "$moto_pid" 2>/dev/null; then
			say "moto exited before answering on $endpoint; the end of ${log#"$root"/}:"
			tail -n 20 "$log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			say "moto did not answer on $endpoint within ${timeout}s; the end of ${log#"$root"/}:"
			tail -n 20 "$log" >&2
			exit 1
		fi
		sleep 0.2
	done
}

if [[ -n "$named" ]]; then
	start_moto || exit 1
else
	# A port found free can be taken before moto binds it; try a few.
	for attempt in 1 2 3; do
		set_endpoint "http://127.0.0.1:$(free_port)"
		start_moto && break
		((attempt < 3)) || exit 1
	done
fi
export AWS_ENDPOINT_URL="$endpoint"

# From here on CMD decides what Ctrl-C means (the terminal sends it SIGINT
# too); the script only waits for it and exits with its status.
trap ':' INT
set +e
"$@"
status=$?
set -e
exit "$status"
