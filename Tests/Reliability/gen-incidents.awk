# Generates an incident CSV export for the crash tests.
#   awk -v rows=N [-v version=1|2|snapshot] -f gen-incidents.awk
# version 1: rows 1..N. version 2: every 2nd row updated (new state, later sys_updated_on,
# sys_mod_count+1, a formula-looking description) plus N/10 new rows. snapshot: version 1
# without every 25th row (so a snapshot import retires 4%) and every 5th row updated.
BEGIN {
    if (version == "") version = 1
    print "sys_id,number,short_description,state,priority,impact,urgency,category,opened_at,sys_updated_on,sys_mod_count,reopen_count"
    total = rows
    if (version == 2) total = rows + int(rows / 10)
    for (i = 1; i <= total; i++) {
        if (version == "snapshot" && i % 25 == 0) continue
        changed = (version == 2 && i % 2 == 0) || (version == "snapshot" && i % 5 == 0) || i > rows
        state = changed ? 6 : (i % 3) + 1
        day = (i % 28) + 1
        updated = sprintf("2026-0%d-%02d %02d:%02d:%02d", changed ? 4 : 3, day, i % 24, i % 60, (i * 7) % 60)
        desc = changed ? sprintf("\"=HYPERLINK(\"\"http://x/%d\"\",\"\"updated %d\"\")\"", i, i) : sprintf("\"Generated incident %d, printer on floor %d\"", i, i % 9)
        printf "%032x,INC%07d,%s,%d,%d,%d,%d,%s,2026-02-%02d 08:00:00,%s,%d,%d\n", i, i, desc, state, (i % 4) + 1, (i % 3) + 1, (i % 3) + 1, (i % 2 ? "Software" : "Hardware"), day, updated, changed ? 2 : 1, i % 3
    }
}
