#!/bin/sh
# Regenerates the README's screenshots of the window under Xvfb at three sizes (needs xvfb,
# imagemagick and xdotool: apt-get install -y xvfb imagemagick xdotool). Run from the repository
# root after `cargo build --release`.
set -eu
bin=target/release/costplan
out=assets/screenshots
mkdir -p "$out"
display=:91
for size in 1024x640 1400x900 1920x1080; do
    w=${size%x*}
    h=${size#*x}
    Xvfb $display -screen 0 "${w}x${h}x24" >/dev/null 2>&1 &
    xvfb=$!
    sleep 1
    # A fresh settings folder: no remembered window size or dismissed hint.
    home=$(mktemp -d)
    DISPLAY=$display HOME=$home XDG_DATA_HOME=$home $bin scenarios/rag-docs.ron >/dev/null 2>&1 &
    app=$!
    sleep 4
    DISPLAY=$display xdotool search --name "CostPlan" windowmove 0 0 windowsize "$w" "$h" >/dev/null 2>&1 || true
    sleep 8
    DISPLAY=$display import -window root "$out/overview-$size.png"
    if [ "$size" = 1400x900 ]; then
        # The Charts and Compare tabs (menu bar positions at this size).
        DISPLAY=$display xdotool mousemove 255 12 click 1
        sleep 2
        DISPLAY=$display import -window root "$out/charts.png"
        DISPLAY=$display xdotool mousemove 312 12 click 1
        sleep 12
        DISPLAY=$display import -window root "$out/compare.png"
    fi
    kill $app $xvfb 2>/dev/null || true
    rm -rf "$home"
    sleep 1
done
echo "wrote $out/overview-1024x640.png, overview-1400x900.png, overview-1920x1080.png"
