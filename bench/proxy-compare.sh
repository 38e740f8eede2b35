#!/usr/bin/env bash
# End-to-end comparison of the Guise access point with HAProxy and nginx on
# loopback. Run by hand on an otherwise quiet machine with at least 2 cores; it is
# not part of CI or `mvn verify`. It needs root for apt-get when haproxy, nginx,
# its stream module or wrk is missing.
#
#   mvn -B -q -pl bench -am package -DskipTests     # builds scenarios/target/guise.jar
#   bench/proxy-compare.sh                          # prints a Markdown table
#
# What it does, one target after another with identical wrk settings:
#   direct   wrk straight to one backend: the ceiling that wrk and the backends
#            allow on core 1, with no proxy in between
#   guise    `guise access-point --threads 1`: an L7 listener (HTTP/1.1 proxy) and
#            an L4 listener (TCP relay), persona "bench" that injects nothing
#   haproxy  nbthread 1: `mode http` frontend for L7, `mode tcp` for L4
#   nginx    worker_processes 1: http proxy_pass for L7, stream proxy_pass for L4
# Each proxy runs as one process with both listeners; L7 and L4 are measured
# separately. The proxy under test is pinned to core 0 and wrk plus the backends to
# core 1 (taskset). Every proxy balances over the same two backends, round robin
# (Guise: weighted random with equal weights), and keeps idle upstream connections
# for reuse (Guise pools them by default, HAProxy reuses them by default, nginx gets
# `keepalive 64`).
#
# The backends are two nginx `return 200` servers in a separate nginx process
# (worker_processes 1) by default, BACKEND=fleet switches to `guise fleet`. nginx
# is the default because the backends share core 1 with wrk: the cheaper they are,
# the more of that core wrk gets, so the proxy on core 0 stays the bottleneck.
# Both answer 200 with a body of the endpoint id.
#
# wrk runs with 1 thread and CONNECTIONS keep-alive connections (HTTP/1.1, no
# Connection: close), WARMUP_SECONDS of unrecorded load first (for the JIT, and
# the same for every target), then DURATION_SECONDS measured with --latency and a
# Lua hook that prints p50, p99 and p99.9.
#
# Environment: CONNECTIONS (64), DURATION_SECONDS (30), WARMUP_SECONDS (10),
# BACKEND (nginx | fleet), TARGETS (default "direct guise haproxy nginx"),
# GUISE_JFR=1 (records each measured run of the access point with JFR, through
# jcmd JFR.start and JFR.stop so that the warm-up is left out, one file per mode,
# and prints the top frames), GUISE_JAVA_OPTS (JVM flags of the access point,
# default "-Xms512m -Xmx512m"), MAX_SECONDS (1800), OUT_DIR (default
# reports/runs/proxy-compare-DATE, which git ignores).
#
# Safety: every server binds 127.0.0.1 and all traffic targets 127.0.0.1. Every
# process this script starts is stopped by its PID when the script exits, fails
# or is interrupted, and `timeout` ends the whole script after MAX_SECONDS (1800).
set -euo pipefail

if [[ -z "${PROXY_COMPARE_BOUNDED:-}" ]]; then
  exec timeout --signal=TERM "${MAX_SECONDS:-1800}" env PROXY_COMPARE_BOUNDED=1 "$0" "$@"
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jar="$root/scenarios/target/guise.jar"
connections=${CONNECTIONS:-64}
duration=${DURATION_SECONDS:-30}
warmup=${WARMUP_SECONDS:-10}
backend=${BACKEND:-nginx}
targets=${TARGETS:-"direct guise haproxy nginx"}
guise_java_opts=${GUISE_JAVA_OPTS:-"-Xms512m -Xmx512m"}
out_dir=${OUT_DIR:-"$root/reports/runs/proxy-compare-$(date -u +%Y%m%dT%H%M%SZ)"}

proxy_core=0
load_core=1
backend_ports=(18081 18082)
declare -A l7_port=([guise]=18180 [haproxy]=18280 [nginx]=18380)
declare -A l4_port=([guise]=18190 [haproxy]=18290 [nginx]=18390)

started_pids=()
last_pid=""
proxy_pid=""

log() {
  echo "proxy-compare: $*" >&2
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${started_pids[@]}"; do
    stop_pid "$pid"
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts a command in the background on one core, sets last_pid and records the PID for cleanup.
start_on_core() {
  local core=$1 name=$2
  shift 2
  taskset -c "$core" "$@" >"$out_dir/$name.out" 2>&1 &
  last_pid=$!
  started_pids+=("$last_pid")
}

await_port() {
  local port=$1 what=$2
  for _ in $(seq 300); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "$what did not listen on 127.0.0.1:$port within 30 s; see $out_dir"
  exit 1
}

# Fails unless an HTTP GET through the port returns status 200, so no run measures errors.
check_http() {
  local port=$1 what=$2 status
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/") || true
  if [[ "$status" != 200 ]]; then
    log "$what on 127.0.0.1:$port returned status '$status' (expected: 200); see the logs in $out_dir"
    exit 1
  fi
}

install_tools() {
  local missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v nginx >/dev/null || missing+=(nginx)
  [[ -f /usr/lib/nginx/modules/ngx_stream_module.so ]] || missing+=(libnginx-mod-stream)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v taskset >/dev/null || missing+=(util-linux)
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]} with apt-get"
    apt-get update -q >&2
    # Debian starts services on install unless policy-rc.d forbids it, so stop any that started.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
      systemctl stop nginx haproxy 2>/dev/null || true
    fi
  fi
}

write_wrk_script() {
  cat >"$out_dir/report.lua" <<'EOF'
-- Prints one machine-readable line after the run: requests/s, p50, p99 and
-- p99.9 latency in microseconds, and the error counts.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
EOF
}

write_backend_config() {
  cat >"$out_dir/backend-nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $out_dir/backend-nginx.pid;
error_log $out_dir/backend-nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $out_dir/tmp/backend-body;
  proxy_temp_path $out_dir/tmp/backend-proxy;
  fastcgi_temp_path $out_dir/tmp/backend-fastcgi;
  uwsgi_temp_path $out_dir/tmp/backend-uwsgi;
  scgi_temp_path $out_dir/tmp/backend-scgi;
  server { listen 127.0.0.1:${backend_ports[0]}; location / { return 200 "bench-1"; } }
  server { listen 127.0.0.1:${backend_ports[1]}; location / { return 200 "bench-2"; } }
}
EOF
}

write_guise_config() {
  cat >"$out_dir/access-point.yaml" <<EOF
id: bench
listeners:
  - name: http
    mode: L7
    addresses: ["127.0.0.1"]
    port: ${l7_port[guise]}
  - name: tcp
    mode: L4
    addresses: ["127.0.0.1"]
    port: ${l4_port[guise]}
personas:
  - id: bench
    address_family: IPv4
    address: bench
    port: ${backend_ports[0]}
    priority: 100
endpoints:
  - id: bench-1
    address: 127.0.0.1
    port: ${backend_ports[0]}
    pool: bench
  - id: bench-2
    address: 127.0.0.1
    port: ${backend_ports[1]}
    pool: bench
subsets:
  - prefix: 127.0.0.1/32
    persona: bench
EOF
}

write_haproxy_config() {
  cat >"$out_dir/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend l7
  mode http
  bind 127.0.0.1:${l7_port[haproxy]}
  default_backend l7_backends
backend l7_backends
  mode http
  balance roundrobin
  server bench-1 127.0.0.1:${backend_ports[0]}
  server bench-2 127.0.0.1:${backend_ports[1]}
frontend l4
  mode tcp
  bind 127.0.0.1:${l4_port[haproxy]}
  default_backend l4_backends
backend l4_backends
  mode tcp
  balance roundrobin
  server bench-1 127.0.0.1:${backend_ports[0]}
  server bench-2 127.0.0.1:${backend_ports[1]}
EOF
}

write_nginx_config() {
  cat >"$out_dir/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid $out_dir/nginx.pid;
error_log $out_dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $out_dir/tmp/body;
  proxy_temp_path $out_dir/tmp/proxy;
  fastcgi_temp_path $out_dir/tmp/fastcgi;
  uwsgi_temp_path $out_dir/tmp/uwsgi;
  scgi_temp_path $out_dir/tmp/scgi;
  upstream backends {
    server 127.0.0.1:${backend_ports[0]};
    server 127.0.0.1:${backend_ports[1]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${l7_port[nginx]};
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
stream {
  upstream tcp_backends {
    server 127.0.0.1:${backend_ports[0]};
    server 127.0.0.1:${backend_ports[1]};
  }
  server {
    listen 127.0.0.1:${l4_port[nginx]};
    proxy_pass tcp_backends;
  }
}
EOF
}

start_backends() {
  if [[ "$backend" == fleet ]]; then
    start_on_core "$load_core" backend java -Xms256m -Xmx256m -jar "$jar" fleet \
      --listen "bench-1=127.0.0.1:${backend_ports[0]},bench-2=127.0.0.1:${backend_ports[1]}"
  else
    start_on_core "$load_core" backend nginx -p "$out_dir" -c "$out_dir/backend-nginx.conf"
  fi
  await_port "${backend_ports[0]}" "backend bench-1"
  await_port "${backend_ports[1]}" "backend bench-2"
  check_http "${backend_ports[0]}" "backend bench-1"
}

# Starts a proxy on the proxy core and sets last_pid.
start_proxy() {
  local name=$1
  case "$name" in
    guise)
      # shellcheck disable=SC2086 # word splitting of the JVM options is intended
      start_on_core "$proxy_core" guise java $guise_java_opts -XX:+PrintCommandLineFlags \
        -jar "$jar" access-point --config "$out_dir/access-point.yaml" --threads 1
      ;;
    haproxy)
      start_on_core "$proxy_core" haproxy haproxy -db -f "$out_dir/haproxy.cfg"
      ;;
    nginx)
      start_on_core "$proxy_core" nginx nginx -p "$out_dir" -c "$out_dir/nginx.conf"
      ;;
  esac
}

load_average() {
  cut -d' ' -f1 /proc/loadavg
}

# Runs wrk against a port, first the warm-up and then the measured run, and appends a result row.
measure() {
  local target=$1 mode=$2 port=$3 label="$1-$2" line
  if ((warmup > 0)); then
    taskset -c "$load_core" timeout $((warmup + 30)) \
      wrk -t1 -c"$connections" -d"${warmup}s" "http://127.0.0.1:$port/" >"$out_dir/$label-warmup.txt" 2>&1
  fi
  local load_before load_after recording=""
  if [[ "$target" == guise && "${GUISE_JFR:-0}" == 1 ]]; then
    # Records the measured run only, after the warm-up, into one file per mode.
    recording="$out_dir/guise-$mode.jfr"
    jcmd "$proxy_pid" JFR.start name="$label" settings=profile filename="$recording" >/dev/null
  fi
  load_before=$(load_average)
  taskset -c "$load_core" timeout $((duration + 30)) \
    wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$out_dir/report.lua" \
    "http://127.0.0.1:$port/" >"$out_dir/$label.txt" 2>&1
  load_after=$(load_average)
  if [[ -n "$recording" ]]; then
    jcmd "$proxy_pid" JFR.stop name="$label" >/dev/null
  fi
  line=$(grep '^RESULT ' "$out_dir/$label.txt") || {
    log "wrk printed no result for $label; see $out_dir/$label.txt"
    exit 1
  }
  echo "$target $mode ${line#RESULT } $load_before $load_after" >>"$out_dir/results.txt"
  log "$label: $(grep 'Requests/sec' "$out_dir/$label.txt" | tr -s ' ')"
}

run_target() {
  local target=$1
  if [[ "$target" == direct ]]; then
    measure direct HTTP "${backend_ports[0]}"
    return
  fi
  start_proxy "$target"
  proxy_pid=$last_pid
  await_port "${l7_port[$target]}" "$target L7 listener"
  await_port "${l4_port[$target]}" "$target L4 listener"
  check_http "${l7_port[$target]}" "$target L7"
  check_http "${l4_port[$target]}" "$target L4"
  measure "$target" L7 "${l7_port[$target]}"
  measure "$target" L4 "${l4_port[$target]}"
  stop_pid "$proxy_pid"
}

print_machine() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- cores: $(nproc); memory: $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uname -sr)"
  echo "- JDK: $(java -version 2>&1 | sed -n 2p)"
  echo "- JVM flags of the access point (taskset -c $proxy_core): $(grep -m1 -- '-XX:' "$out_dir/guise.out" 2>/dev/null || echo 'not run')"
  echo "- $(haproxy -v | head -1 | cut -d' ' -f1-3); nginx $(nginx -v 2>&1 | cut -d/ -f2); wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
  echo "- backends: $backend; wrk -t1 -c$connections, ${warmup} s warm-up then ${duration} s measured per row; proxy on core $proxy_core, wrk and backends on core $load_core"
}

print_table() {
  echo
  echo "| target | mode | requests/s | p50 ms | p99 ms | p99.9 ms | errors (connect/read/write/status/timeout) | load avg before/after |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"
  while read -r target mode rps p50 p99 p999 e1 e2 e3 e4 e5 lb la; do
    printf '| %s | %s | %.0f | %.3f | %.3f | %.3f | %s/%s/%s/%s/%s | %s / %s |\n' \
      "$target" "$mode" "$rps" "$(us_to_ms "$p50")" "$(us_to_ms "$p99")" "$(us_to_ms "$p999")" \
      "$e1" "$e2" "$e3" "$e4" "$e5" "$lb" "$la"
  done <"$out_dir/results.txt"

  echo
  echo "| mode | ratio | requests/s | p50 | p99 | p99.9 |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  local mode peer
  for mode in L7 L4; do
    for peer in haproxy nginx; do
      ratio_row "$mode" "$peer"
    done
  done
}

us_to_ms() {
  awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'
}

# Prints Guise / peer for one mode, when both rows exist.
ratio_row() {
  local mode=$1 peer=$2 guise_row peer_row
  guise_row=$(awk -v m="$mode" '$1 == "guise" && $2 == m' "$out_dir/results.txt")
  peer_row=$(awk -v p="$peer" -v m="$mode" '$1 == p && $2 == m' "$out_dir/results.txt")
  [[ -n "$guise_row" && -n "$peer_row" ]] || return 0
  awk -v g="$guise_row" -v p="$peer_row" -v m="$mode" -v name="$peer" 'BEGIN {
    split(g, a, " "); split(p, b, " ")
    printf "| %s | Guise / %s | %.2f | %.2f | %.2f | %.2f |\n", m, name, a[3] / b[3], a[4] / b[4], a[5] / b[5], a[6] / b[6]
  }'
}

# Prints the most frequent top frames of the JFR samples of each mode: Java code
# (jdk.ExecutionSample) and threads in native code such as socket calls
# (jdk.NativeMethodSample).
print_jfr_top_frames() {
  local mode event recording
  for mode in L7 L4; do
    recording="$out_dir/guise-$mode.jfr"
    [[ -s "$recording" ]] || continue
    for event in jdk.ExecutionSample jdk.NativeMethodSample; do
      jfr print --events "$event" "$recording" >"$out_dir/guise-$mode-$event.txt"
      echo
      echo "JFR $mode, $event: $(grep -c "^$event" "$out_dir/guise-$mode-$event.txt") samples, top frames:"
      echo
      awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print }' \
        "$out_dir/guise-$mode-$event.txt" | sort | uniq -c | sort -rn | head -20 | sed 's/^/    /'
    done
  done
}

main() {
  if [[ ! -f "$jar" ]]; then
    log "$jar is missing; build it first: mvn -B -q -pl bench -am package -DskipTests"
    exit 2
  fi
  if (($(nproc) < 2)); then
    log "needs at least 2 cores (found $(nproc)): the proxy runs on core $proxy_core, wrk on core $load_core"
    exit 2
  fi
  install_tools
  mkdir -p "$out_dir/tmp"
  # nginx workers run as the unprivileged user of the nginx build and must reach their temp folders.
  chmod 755 "$out_dir" "$out_dir/tmp"
  : >"$out_dir/results.txt"

  write_wrk_script
  write_backend_config
  write_guise_config
  write_haproxy_config
  write_nginx_config
  start_backends
  local target
  for target in $targets; do
    log "measuring $target"
    run_target "$target"
  done
  {
    print_machine
    print_table
    print_jfr_top_frames
  } | tee "$out_dir/summary.md"
}

main "$@"
