#!/usr/bin/env bash
# Renders a Guise report.html in headless Chromium, writes a screenshot next to it
# (report.png) and checks that the rendered DOM contains the expected number of SVG
# charts, each with drawn paths or rects.
#
# Usage: check-report-in-browser.sh REPORT_HTML [EXPECTED_CHARTS]
#   EXPECTED_CHARTS defaults to 4: throughput, latency, traffic share, delta propagation.
# Environment: CHROMIUM sets the browser binary (default /usr/bin/chromium).
# Exit status: 0 when every chart is drawn, 1 when a chart is missing or empty,
# 2 on invalid usage or when Chromium is missing or fails.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 REPORT_HTML [EXPECTED_CHARTS]" >&2
    exit 2
fi
report_html=$1
expected_charts=${2:-4}
chromium=${CHROMIUM:-/usr/bin/chromium}

if [[ ! -f $report_html ]]; then
    echo "report not found: $report_html (expected: the report.html of a run directory)" >&2
    exit 2
fi
if [[ ! -x $chromium ]]; then
    echo "Chromium not found at $chromium. Install it with 'apt-get install -y chromium' or set CHROMIUM" >&2
    exit 2
fi

report_html=$(realpath "$report_html")
screenshot="$(dirname "$report_html")/report.png"
dom=$(mktemp)
profile_dirs=()
cleanup() {
    rm -f "$dom"
    if [[ ${#profile_dirs[@]} -gt 0 ]]; then
        rm -rf "${profile_dirs[@]}"
    fi
}
trap cleanup EXIT

# Runs Chromium with a fresh profile and background network features off, adding the given arguments.
run_chromium() {
    local profile
    profile=$(mktemp -d)
    profile_dirs+=("$profile")
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@"
}

rm -f "$screenshot"
if ! run_chromium --screenshot="$screenshot" --window-size=1280,2400 "file://$report_html" 2>/dev/null; then
    echo "Chromium failed to take a screenshot of $report_html" >&2
    exit 2
fi
if [[ ! -s $screenshot ]] || [[ $(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n') != 89504e470d0a1a0a ]]; then
    echo "Chromium wrote no PNG screenshot to $screenshot" >&2
    exit 2
fi

if ! run_chromium --dump-dom "file://$report_html" >"$dom" 2>/dev/null; then
    echo "Chromium failed to dump the DOM of $report_html" >&2
    exit 2
fi

# One line per chart: its name and how many series paths and bars it draws.
charts=$({ grep -oE '<svg [^>]*data-chart="[^"]*"|<path class="series"|<rect class="bar"|</svg>' "$dom" || true; } | awk '
    /^<svg/ { match($0, /data-chart="[^"]*"/); name = substr($0, RSTART + 12, RLENGTH - 13); paths = 0; bars = 0; next }
    /^<path/ { paths++; next }
    /^<rect/ { bars++; next }
    /^<\/svg>/ { if (name != "") print name, paths, bars; name = "" }
')

status=0
found=0
while read -r name paths bars; do
    [[ -z ${name:-} ]] && continue
    found=$((found + 1))
    if [[ $((paths + bars)) -eq 0 ]]; then
        echo "chart $name: nothing drawn (0 series paths, 0 bars)" >&2
        status=1
    else
        echo "chart $name: $paths series paths, $bars bars"
    fi
done <<<"$charts"

if [[ $found -ne $expected_charts ]]; then
    echo "found $found charts in $report_html (expected: $expected_charts)" >&2
    status=1
fi
echo "screenshot: $screenshot"
exit $status
