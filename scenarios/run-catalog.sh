#!/usr/bin/env bash
# Runs every scenario in scenarios/catalog/ (or the files given) with guise run
# and prints one line per scenario with its exit status: 0 passed, 1 an
# expectation failed, 2 invalid file or the run could not start.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -eq 0 ]]; then
  set -- "$root"/scenarios/catalog/*.yaml
fi

failed=0
for file in "$@"; do
  start=$(date +%s)
  "$root/bin/guise" run --quiet "$file" > "/tmp/guise-catalog-$(basename "$file" .yaml).log" 2>&1
  status=$?
  printf '%-40s exit %d  %4d s\n' "$(basename "$file")" "$status" "$(( $(date +%s) - start ))"
  [[ $status -eq 0 ]] || failed=$((failed + 1))
done
echo "$failed of $# scenarios did not pass; logs in /tmp/guise-catalog-*.log"
[[ $failed -eq 0 ]]
