"""Who may use the incident endpoints (see tests/test_access_matrix.py).

The administrator has none (入間市 第22条: least privilege). The PPC filing date is open to the
監査責任者 as well, for the cities whose rule has the auditor file (広島市要綱 第12 8); the
profile decides in the object-level check.
"""

CITY = {"procurement", "protection_manager", "chief", "auditor"}
VIEWERS = CITY | {"contractor"}
REPORTERS = {"procurement", "protection_manager", "contractor"}
PM = {"protection_manager"}

EXPECTED = {
    "incident.index": VIEWERS,
    "incident.export": CITY,
    "incident.new": REPORTERS,
    "incident.detail": VIEWERS,
    "incident.decide": PM,
    "incident.facts": PM,
    "incident.known_on": PM,
    "incident.filing": {"protection_manager", "auditor"},
    "incident.response": PM,
    "incident.analysis": PM,
    "incident.add_measure": PM,
    "incident.measure_done": PM,
    "incident.share": PM,
    "incident.close": PM,
    "incident.files": REPORTERS,
    "incident.download": VIEWERS,
    "incident.draft": CITY,
}
