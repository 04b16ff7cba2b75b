#!/bin/sh
# Renders an HTML report in headless Chromium at phone (390 px) and desktop (1280 px) width and
# prints it to PDF, for a look (needs chromium: apt-get install -y chromium). Usage:
#   scripts/report-check.sh [scenario.ron] [out-folder]
set -eu
scenario=${1:-scenarios/rag-docs.ron}
out=${2:-target/report-check}
mkdir -p "$out"
target/release/costplan report "$scenario" -o "$out/report.html" --runs 30
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars"
for w in 390 1280; do
    chromium $flags --user-data-dir="$(mktemp -d)" --window-size=$w,2400 --screenshot="$out/report-$w.png" "file://$(realpath "$out/report.html")" 2>/dev/null
done
chromium $flags --user-data-dir="$(mktemp -d)" --print-to-pdf="$out/report.pdf" "file://$(realpath "$out/report.html")" 2>/dev/null
echo "wrote $out/report-390.png, $out/report-1280.png and $out/report.pdf"
