"""Who may use the 再委託 endpoints (see tests/test_access_matrix.py)."""

VIEWERS = {"contractor", "procurement", "protection_manager", "chief", "auditor"}
LISTERS = {"chief", "auditor", "procurement", "protection_manager"}

PUBLIC: set[str] = set()

EXPECTED = {
    "subcontract.index": {"contractor"},
    "subcontract.new": {"contractor"},
    "subcontract.new_next": {"contractor"},
    "subcontract.edit": {"contractor"},
    "subcontract.submit": {"contractor"},
    "subcontract.withdraw": {"contractor"},
    "subcontract.decide": {"protection_manager"},
    "subcontract.detail": VIEWERS,
    "subcontract.document": VIEWERS,
    "subcontract.chain": VIEWERS,
    "subcontract.queue": {"procurement", "protection_manager"},
    "subcontract.chains": LISTERS,
    "subcontract.chains_csv": LISTERS,
}
