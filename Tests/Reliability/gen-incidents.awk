# Generates an incident CSV export for the crash tests.
#   awk -v rows=N [-v version=1|2|3|snapshot] -f gen-incidents.awk
# version 1: rows 1..N. version 2: every 2nd row updated (new state, later sys_updated_on,
# sys_mod_count+1, a formula-looking description) plus N/10 new rows. version 3 (a delta after
# version 2, for the job trials): only every 3rd row of version 2's, updated again (May), plus
# N/20 new rows. snapshot: version 1 without every 25th row (so a snapshot import retires 4%)
# and every 5th row updated.
BEGIN {
    if (version == "") version = 1
    print "sys_id,number,short_description,state,priority,impact,urgency,category,opened_at,sys_updated_on,sys_mod_count,reopen_count"
    total = rows
    if (version == 2) total = rows + int(rows / 10)
    if (version == 3) total = rows + int(rows / 10) + int(rows / 20)
    for (i = 1; i <= total; i++) {
        if (version == "snapshot" && i % 25 == 0) continue
        if (version == 3) {
            if (i % 3 != 0 && i <= rows + int(rows / 10)) continue
            printf "%032x,INC%07d,\"Third version of incident %d; see KB%d\",2,%d,%d,%d,%s,2026-02-%02d 08:00:00,2026-05-%02d %02d:%02d:%02d,3,%d\n", i, i, i, i % 97, (i % 4) + 1, (i % 3) + 1, (i % 3) + 1, (i % 2 ? "Software" : "Hardware"), (i % 28) + 1, (i % 28) + 1, i % 24, i % 60, (i * 11) % 60, (i % 3) + 1
            continue
        }
        changed = (version == 2 && i % 2 == 0) || (version == "snapshot" && i % 5 == 0) || i > rows
        state = changed ? 6 : (i % 3) + 1
        day = (i % 28) + 1
        updated = sprintf("2026-0%d-%02d %02d:%02d:%02d", changed ? 4 : 3, day, i % 24, i % 60, (i * 7) % 60)
        desc = changed ? sprintf("\"=HYPERLINK(\"\"http://x/%d\"\",\"\"updated %d\"\")\"", i, i) : sprintf("\"Generated incident %d, printer on floor %d\"", i, i % 9)
        printf "%032x,INC%07d,%s,%d,%d,%d,%d,%s,2026-02-%02d 08:00:00,%s,%d,%d\n", i, i, desc, state, (i % 4) + 1, (i % 3) + 1, (i % 3) + 1, (i % 2 ? "Software" : "Hardware"), day, updated, changed ? 2 : 1, i % 3
    }
}
