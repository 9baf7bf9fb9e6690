#!/usr/bin/env python3
"""Deterministic benchmark data for Tally: large ServiceNow-style exports.

Usage:  python3 Benchmarks/generate.py ROWS OUTDIR [--seed N] [--cis N]
Needs:  Python 3.8+, standard library only. Same ROWS and seed -> byte-identical files.

Writes into OUTDIR:
  incident.csv           ROWS incidents, canonical field names (the default map takes them as-is)
  incident.json          the same incidents as Table API JSON {"result":[...]}, all values strings
  incident_changed.csv   the same export later: ~5% of rows updated (newer sys_updated_on, higher
                         sys_mod_count, a reassignment and a new work note), ~1% new rows appended
  case.csv / case.json   ROWS/10 customer-service cases (some linking an incident)
  ci.csv / ci.json       --cis configuration items (default max(1000, ROWS/20)); incidents and cases
                         point at them (run.sh gives ROWS/10: 200,000 incidents point at 20,000 CIs)
  task_sla.csv           one resolution SLA per incident (its definition by priority; completed,
                         in progress, paused or cancelled as the incident stands; ~15% breached),
                         from a generator of its own, so the other files stay as they were

Realism: 28 incident columns; ~3% of rows carry quotes, commas, embedded newlines (CRLF and LF)
and non-ASCII text in short_description/description; names with accents everywhere; state,
active, resolved_at and closed_at consistent with each other (the validator's rules hold, so
every row imports cleanly); priority = impact + urgency - 1; references (cmdb_ci, problem_id, rfc)
are sys_ids. About 570 bytes per incident row in CSV (1,000,000 rows ~ 570 MB).
"""

import calendar
import csv
import json
import os
import random
import sys
import time

INCIDENT_FIELDS = [
    "sys_id", "number", "short_description", "description", "state", "active", "priority", "impact",
    "urgency", "assignment_group", "assigned_to", "opened_at", "opened_by", "resolved_at", "closed_at",
    "cmdb_ci", "caller_id", "category", "subcategory", "contact_type", "close_code", "close_notes",
    "problem_id", "rfc", "sys_created_on", "sys_updated_on", "sys_updated_by", "sys_mod_count",
]
CASE_FIELDS = [
    "sys_id", "number", "short_description", "description", "state", "active", "priority", "impact",
    "urgency", "assignment_group", "assigned_to", "opened_at", "opened_by", "resolved_at", "closed_at",
    "account", "contact", "product", "category", "contact_type", "incident", "sys_created_on",
    "sys_updated_on", "sys_mod_count",
]
CI_FIELDS = [
    "sys_id", "name", "sys_class_name", "serial_number", "mac_address", "ip_address", "fqdn", "os",
    "os_version", "manufacturer", "model_id", "asset_tag", "owned_by", "managed_by", "support_group",
    "location", "short_description", "operational_status", "install_status", "discovery_source",
    "first_discovered", "last_discovered", "sys_created_on", "sys_updated_on", "sys_mod_count",
]

PEOPLE = [
    "Ava Thompson", "Lukas Becker", "Sofia Rossi", "Hiroshi Tanaka", "Chloé Martin", "Jürgen Weiß",
    "Priya Natarajan", "Marcus Johnson", "Elena Petrova", "Tom O'Brien", "Fatima Al-Sayed", "Nina Kowalski",
    "Daniel Kim", "Isabel García", "Oliver Smith", "Mei Lin", "Jonas Lindqvist", "Grace Okafor",
    "Rafael Souza", "Hannah Schmidt", "Arjun Mehta", "Zoë Dubois", "Samuel Adeyemi", "Laura Bianchi",
]
USERS = [p.lower().replace("'", "").replace(" ", ".").replace("é", "e").replace("ë", "e")
         .replace("ü", "u").replace("ß", "ss").replace("í", "i") for p in PEOPLE]
GROUPS = ["Service Desk", "Network", "Database", "Linux Operations", "Windows Operations",
          "Application Support", "Hardware", "Security Operations"]
CATEGORIES = [("Software", ["Application", "Operating System", "Email", "Browser"]),
              ("Hardware", ["Laptop", "Monitor", "Printer", "Keyboard"]),
              ("Network", ["VPN", "Wi-Fi", "DNS", "Firewall"]),
              ("Database", ["Performance", "Backup", "Replication"]),
              ("Inquiry / Help", ["How-to", "Access request"])]
CHANNELS = ["phone", "email", "self-service", "chat", "walk-in", "monitoring"]
CLOSE_CODES = ["Solved (Permanently)", "Solved (Work Around)", "Solved Remotely (Permanently)",
               "Not Solved (Not Reproducible)", "Closed/Resolved by Caller"]
SUBJECTS = [
    "Order API returns 500 for bulk orders", "Laptop fan very loud, overheating", "Cannot connect to VPN from home",
    "Outlook keeps asking for password", "Printer on floor 3 jams every morning", "Database backup job failed",
    "Slow response times on the customer portal", "Disk almost full on batch host", "Wi-Fi drops in meeting room B",
    "User locked out after password reset", "SSL certificate expires in 7 days", "Payroll report missing rows",
    "Replication lag on orders database", "Cannot print to PDF", "New starter needs access to shared drive",
    "Monitor flickers when docked", "DNS lookups time out intermittently", "CRM search returns no results",
]
NOTES = [
    "Reported via monitoring. No workaround yet, checking logs.",
    "Caller confirmed the issue started after the weekend change window.",
    "Escalated to second line; awaiting vendor feedback on the case.",
    "Reproduced on two machines; collecting diagnostics and screenshots.",
    "Affects several users in the same department; priority raised.",
    "Temporary workaround given: restart the client and clear the cache.",
]
RESOLUTIONS = ["Resolved, user confirmed.", "Restarted the service; monitoring for recurrence.",
               "Replaced the faulty part under warranty.", "Configuration corrected and documented in KB."]
# The awkward share: quotes, commas, embedded newlines (LF and CRLF), non-ASCII and emoji.
AWKWARD_SUBJECTS = [
    'Error "E_ACCESS_DENIED" when opening shared folder, again',
    "Umlaut-Dateinamen (Größe, Übersicht) können nicht geöffnet werden",
    "日本語のファイル名が文字化けする",
    'Quote test: 5\'11" screen, "24 inch", size mismatch',
    "Ticket with emoji in subject 🚨🔥, mobile app",
]
AWKWARD_NOTES = [
    'Steps:\n1. Open the app\n2. Click "Export", choose CSV\n3. Observe the error',
    "Line one of the log,\r\nline two of the log, with a comma\r\nand a third line.",
    'Customer wrote: "It worked yesterday, it doesn\'t today." — escalate?',
    "Ça ne marche pas; l'écran reste noir après la mise à jour.\nMerci d'avance.",
]
CI_CLASSES = [
    ("cmdb_ci_linux_server", "Dell Inc.", "PowerEdge R650", "Red Hat Enterprise Linux", "9.4", "Linux Operations"),
    ("cmdb_ci_win_server", "HPE", "ProLiant DL380 Gen10", "Windows Server 2022 Datacenter", "10.0.20348", "Windows Operations"),
    ("cmdb_ci_server", "Lenovo", "ThinkSystem SR650 V2", "VMware ESXi", "8.0.2", "Linux Operations"),
    ("cmdb_ci_computer", "Lenovo", "ThinkPad T14 Gen 4", "Windows 11 Enterprise", "23H2", "Service Desk"),
    ("cmdb_ci_netgear", "Cisco Systems", "Catalyst 9300-48P", "", "", "Network"),
]
LOCATIONS = ["Frankfurt DC1", "London Office, Floor 3", "Berlin HQ", "Tokyo Office", "Chicago DC2", "Remote"]

BASE = 1767225600  # 2026-01-01 00:00:00 UTC
YEAR = 300 * 86400
_gm = time.gmtime


def ts(t):
    g = _gm(t)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (g[0], g[1], g[2], g[3], g[4], g[5])


class Gen:
    def __init__(self, rows, seed, cis=None):
        self.rows = rows
        self.rng = random.Random(seed)
        self.ci_count = cis if cis else max(1000, rows // 20)
        r = self.rng
        self.ci_ids = ["%032x" % r.getrandbits(128) for _ in range(self.ci_count)]
        self.problem_ids = ["%032x" % r.getrandbits(128) for _ in range(max(100, rows // 200))]
        self.change_ids = ["%032x" % r.getrandbits(128) for _ in range(max(100, rows // 100))]
        self.incident_ids = []

    def incident(self, i):
        r = self.rng
        rnd = r.random
        impact = r.randint(1, 3)
        urgency = r.randint(1, 3)
        state = r.choices((1, 2, 3, 6, 7, 8), (5, 10, 5, 15, 60, 5))[0]
        opened = BASE + r.randrange(YEAR)
        resolved = opened + r.randrange(600, 5 * 86400) if state in (6, 7) else None
        closed = (resolved or opened + 3600) + r.randrange(3600, 3 * 86400) if state in (7, 8) else None
        updated = (closed or resolved or opened) + r.randrange(30, 4000)
        cat, subs = r.choice(CATEGORIES)
        agent = r.randrange(12)
        awkward = rnd() < 0.03
        subject = r.choice(AWKWARD_SUBJECTS) if awkward else r.choice(SUBJECTS)
        note = r.choice(AWKWARD_NOTES) if awkward else r.choice(NOTES)
        desc = "%s %s %s" % (subject, note, r.choice(NOTES))
        if rnd() < 0.7:
            desc += " " + r.choice(NOTES)
        row = [
            "%032x" % r.getrandbits(128),
            "INC%07d" % (10000 + i),
            subject,
            desc,
            str(state),
            "false" if state in (7, 8) else "true",
            str(impact + urgency - 1), str(impact), str(urgency),
            r.choice(GROUPS),
            PEOPLE[agent] if state != 1 else "",
            ts(opened),
            PEOPLE[r.randrange(24)],
            ts(resolved) if resolved else "",
            ts(closed) if closed else "",
            r.choice(self.ci_ids) if rnd() < 0.8 else "",
            PEOPLE[8 + r.randrange(16)],
            cat, r.choice(subs), r.choice(CHANNELS),
            r.choice(CLOSE_CODES) if resolved else "",
            r.choice(RESOLUTIONS) if resolved else "",
            r.choice(self.problem_ids) if rnd() < 0.1 else "",
            r.choice(self.change_ids) if rnd() < 0.05 else "",
            ts(opened), ts(updated), USERS[agent], str(r.randrange(1, 30)),
        ]
        return row

    def change(self, row):
        """The same incident seen later: reassigned, a note appended, newer version."""
        r = self.rng
        row = list(row)
        updated = calendar.timegm(time.strptime(row[25], "%Y-%m-%d %H:%M:%S"))
        row[25] = ts(updated + r.randrange(3600, 30 * 86400))
        row[27] = str(int(row[27]) + r.randint(1, 3))
        agent = r.randrange(12)
        if row[10]:
            row[10] = PEOPLE[agent] if PEOPLE[agent] != row[10] else PEOPLE[(agent + 1) % 12]
        row[3] = row[3] + " Update: " + r.choice(NOTES)
        row[26] = USERS[agent]
        return row

    def case(self, i):
        r = self.rng
        state = r.choices((1, 10, 18, 6, 3, 7), (5, 15, 5, 15, 55, 5))[0]
        impact, urgency = r.randint(1, 3), r.randint(1, 3)
        opened = BASE + r.randrange(YEAR)
        resolved = opened + r.randrange(600, 5 * 86400) if state in (6, 3) else None
        closed = (resolved or opened + 3600) + r.randrange(3600, 3 * 86400) if state in (3, 7) else None
        updated = (closed or resolved or opened) + r.randrange(30, 4000)
        subject = r.choice(SUBJECTS)
        return [
            "%032x" % r.getrandbits(128), "CS%07d" % (1000 + i), subject, subject + ". " + r.choice(NOTES),
            str(state), "false" if state in (3, 7) else "true",
            str(impact + urgency - 1), str(impact), str(urgency),
            r.choice(GROUPS), PEOPLE[r.randrange(12)] if state != 1 else "",
            ts(opened), PEOPLE[r.randrange(24)], ts(resolved) if resolved else "", ts(closed) if closed else "",
            "ACME %s GmbH" % r.choice(["Nord", "Süd", "West", "Ost"]), PEOPLE[8 + r.randrange(16)],
            r.choice(["Portal", "Mobile App", "Billing", "Shipping"]), r.choice(CATEGORIES)[0], r.choice(CHANNELS),
            r.choice(self.incident_ids) if self.incident_ids and r.random() < 0.2 else "",
            ts(opened), ts(updated), str(r.randrange(1, 20)),
        ]

    def ci(self, i):
        r = self.rng
        cls, man, model, os_, osv, group = CI_CLASSES[i % len(CI_CLASSES)]
        created = BASE - r.randrange(YEAR)
        updated = created + r.randrange(86400, YEAR)
        name = "%s-%06d" % (cls.split("_")[-1][:4], i)
        status = "7" if r.random() < 0.03 else "1"
        return [
            self.ci_ids[i], name, cls, "SN%08X" % r.getrandbits(32), "%02x:%02x:%02x:%02x:%02x:%02x" % tuple(r.getrandbits(8) for _ in range(6)),
            "10.%d.%d.%d" % (r.randrange(256), r.randrange(256), r.randrange(2, 250)), name + ".corp.example.com",
            os_, osv, man, model, "P%07d" % i, PEOPLE[r.randrange(12)], PEOPLE[r.randrange(12)], group,
            r.choice(LOCATIONS), "%s %s" % (model, r.choice(["web node", "app node", "db host", "laptop", "switch"])),
            "6" if status == "7" else "1", status, r.choice(["ServiceNow", "SCCM", "Manual Entry"]),
            ts(created), ts(updated - 600), ts(created), ts(updated), str(r.randrange(1, 40)),
        ]


class Out:
    """One entity written as CSV and, optionally, Table API JSON, side by side."""

    def __init__(self, outdir, name, fields, with_json=True):
        self.fields = fields
        self.csv_file = open(os.path.join(outdir, name + ".csv.tmp"), "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.csv_file, lineterminator="\n")
        self.writer.writerow(fields)
        self.json_file = None
        if with_json:
            self.json_file = open(os.path.join(outdir, name + ".json.tmp"), "w", encoding="utf-8")
            self.json_file.write('{"result":[')
            self.first = True
        self.names = [os.path.join(outdir, name + ext) for ext in ((".csv", ".json") if with_json else (".csv",))]

    def write(self, row):
        self.writer.writerow(row)
        if self.json_file:
            self.json_file.write(("\n" if self.first else ",\n") + json.dumps(dict(zip(self.fields, row)), ensure_ascii=False))
            self.first = False

    def close(self):
        self.csv_file.close()
        if self.json_file:
            self.json_file.write("\n]}\n")
            self.json_file.close()
        for name in self.names:
            os.replace(name + ".tmp", name)


SLA_FIELDS = ["sys_id", "task", "sla", "stage", "has_breached", "start_time", "end_time",
              "business_percentage", "business_duration", "sys_updated_on"]
SLA_TARGET_HOURS = {1: 4, 2: 8, 3: 24, 4: 72, 5: 120}


def task_sla(r, incident):
    """The resolution SLA of an incident row: stage from its state, elapsed % against its
    priority's target (breached past 100 %)."""
    sys_id, state, priority, opened = incident[0], int(incident[4]), int(incident[6]), incident[11]
    resolved, updated = incident[13], incident[25]
    target = SLA_TARGET_HOURS[priority] * 3600
    if state in (6, 7) and resolved:
        stage, end = "completed", resolved
        elapsed = calendar.timegm(time.strptime(resolved, "%Y-%m-%d %H:%M:%S")) - calendar.timegm(time.strptime(opened, "%Y-%m-%d %H:%M:%S"))
        elapsed = int(elapsed * r.uniform(0.2, 0.6))  # business hours only
    else:
        stage, end = ("cancelled" if state == 8 else "paused" if state == 3 else "in_progress"), ""
        elapsed = r.randrange(0, 2 * target)
    pct = 100.0 * elapsed / target
    return ["%032x" % r.getrandbits(128), sys_id, "Priority %d resolution (%d hour)" % (priority, SLA_TARGET_HOURS[priority]),
            stage, "true" if pct > 100 else "false", opened, end, "%.2f" % pct, str(elapsed), updated]


def main():
    args = sys.argv[1:]
    seed = 20260101
    if "--seed" in args:
        k = args.index("--seed")
        seed = int(args[k + 1])
        del args[k:k + 2]
    cis = None
    if "--cis" in args:
        k = args.index("--cis")
        cis = int(args[k + 1])
        del args[k:k + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    rows, outdir = int(args[0]), args[1]
    os.makedirs(outdir, exist_ok=True)
    g = Gen(rows, seed, cis)
    pick = random.Random(seed + 1)

    ci = Out(outdir, "ci", CI_FIELDS)
    for i in range(g.ci_count):
        ci.write(g.ci(i))
    ci.close()

    sla = Out(outdir, "task_sla", SLA_FIELDS, with_json=False)
    sla_rng = random.Random(seed + 2)
    inc = Out(outdir, "incident", INCIDENT_FIELDS)
    changed = Out(outdir, "incident_changed", INCIDENT_FIELDS, with_json=False)
    keep_ids = max(1, rows // 10)
    updated = 0
    for i in range(rows):
        row = g.incident(i)
        inc.write(row)
        sla.write(task_sla(sla_rng, row))
        if i % 10 == 0 and len(g.incident_ids) < keep_ids:
            g.incident_ids.append(row[0])
        if pick.random() < 0.05:
            row = g.change(row)
            updated += 1
        changed.write(row)
    new = max(1, rows // 100)
    for i in range(rows, rows + new):
        changed.write(g.incident(i))
    inc.close()
    changed.close()
    sla.close()

    case = Out(outdir, "case", CASE_FIELDS)
    for i in range(max(100, rows // 10)):
        case.write(g.case(i))
    case.close()
    print(f"generate.py: {rows} incidents ({updated} updated + {new} new in incident_changed.csv), "
          f"{max(100, rows // 10)} cases, {g.ci_count} CIs in {outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
