"""Who may use the inspection endpoints (see tests/test_access_matrix.py)."""

CITY = {"procurement", "protection_manager", "chief", "auditor"}
RECORDERS = {"procurement", "protection_manager", "contractor"}
READERS = {"auditor", "chief"}

EXPECTED = {
    "inspection.index": CITY | {"contractor"},
    "inspection.schedule": {"protection_manager"},
    "inspection.edit": {"protection_manager"},
    "inspection.cancel": {"protection_manager"},
    "inspection.detail": CITY | {"contractor"},
    "inspection.answers": {"contractor"},
    "inspection.evidence": {"contractor"},
    "inspection.download": CITY | {"contractor"},
    "inspection.record": RECORDERS,
    "inspection.action_add": RECORDERS,
    "inspection.action_respond": {"contractor"},
    "inspection.action_decide": {"protection_manager"},
    "inspection.status": READERS,
    "inspection.status_csv": READERS,
    "inspection.status_pdf_view": READERS,
}
