#!/bin/sh
# Renders the steward report of the demo store with headless Chromium (Debian's `chromium`
# package) to PNG, 1280 and 390 px wide, and checks the page itself never scrolls sideways.
#
#   Tests/render-report.sh [OUT_DIR [STORE]]
#
# OUT_DIR (default .build/report-render) receives report.html, report-1280.png, report-390.png.
# STORE is an existing store to report on; without it the demo store is built in a temp folder by
# importing every bundled fixture, as the demo job does, plus the reject fixtures.
# Uses $TALLY_BIN when set, else builds `tally`. Exits 0 with "skipped" when Chromium is missing.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build/report-render}
store=${2:-}

chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chromium" ]; then
    echo "render-report: skipped: Chromium is not installed (Debian: apt-get install chromium)"
    exit 0
fi

tally=${TALLY_BIN:-}
if [ -z "$tally" ]; then
    (cd "$root" && swift build --product tally >&2)
    tally="$root/.build/debug/tally"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "$store" ]; then
    store="$work/tally.db"
    for pair in cmdb/cmdb_ci.csv:ci cmdb/cmdb_ci_labels.csv:ci cmdb/cmdb_rel_ci.json:ci_relationship \
                itsm/problem.json:problem itsm/change_request.json:change itsm/incident.csv:incident \
                itsm/incident_labels.csv:incident itsm/sc_request.ndjson:request \
                csm/sn_customerservice_case.xml:case csm/case_updates.csv:case sla/task_sla.json:task_sla \
                fsm/wm_order.csv:work_order fsm/wm_task.json:work_task knowledge/kb_knowledge.csv:knowledge \
                knowledge/m2m_kb_task.json:kb_citation; do
        "$tally" import "$root/fixtures/${pair%%:*}" --entity "${pair##*:}" --db "$store" >/dev/null 2>&1 || [ $? -eq 65 ]
    done
    for file in "$root"/fixtures/rejects/*.csv; do
        "$tally" import "$file" --entity incident --db "$store" >/dev/null 2>&1 || [ $? -eq 65 ]
    done
fi

"$tally" report --html "$out/report.html" --db "$store"

run_chromium() {
    "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --allow-file-access-from-files \
        --user-data-dir="$work/profile" --force-device-scale-factor=1 "$@" 2>/dev/null
}

# Headless Chromium will not make a window narrower than 500 px, so the page is shown in an
# iframe exactly WIDTH px wide (a true viewport of that width: media queries and all), inside a
# grey host page. The host reads the page's own layout width and height and writes them into its
# DOM, which --dump-dom prints.
host() { # WIDTH HEIGHT
    cat > "$work/host-$1.html" <<HOST
<!DOCTYPE html><html><body style="margin:0;background:#777"><iframe id="page" src="file://$out/report.html"
 style="border:0;display:block;width:$1px;height:$2px;background:#fff"></iframe><script>
document.getElementById("page").onload = function () {
  var d = this.contentDocument.documentElement;
  document.body.setAttribute("data-measured", d.scrollWidth + "x" + d.scrollHeight);
};
</script></body></html>
HOST
    echo "file://$work/host-$1.html"
}

status=0
for width in 1280 390; do
    window=$(( width < 500 ? 500 : width ))
    size=$(run_chromium --window-size="$window,900" --virtual-time-budget=5000 --dump-dom "$(host "$width" 900)" \
        | sed -n 's/.*data-measured="\([0-9]*x[0-9]*\)".*/\1/p' | head -n 1)
    if [ -z "$size" ]; then
        echo "render-report: could not measure the page at $width px" >&2
        exit 1
    fi
    page_width=${size%x*}
    height=${size#*x}
    if [ "$page_width" -gt "$width" ]; then
        echo "render-report: FAIL: at $width px the page is $page_width px wide (it scrolls sideways)" >&2
        status=1
    fi
    run_chromium --window-size="$window,$height" --virtual-time-budget=5000 --screenshot="$out/report-$width.png" \
        "$(host "$width" "$height")" >/dev/null
    note=""
    [ "$window" -gt "$width" ] && note=", grey beyond $width px"
    echo "render-report: $out/report-$width.png (page $page_width x $height px$note)"
done
exit $status
