"""Who may use the erasure endpoints (see tests/test_access_matrix.py).

The administrator has none (入間市 第22条: least privilege); only the 保護管理者 reviews and
closes; only contractors submit. Object-level rules (own section, own company, own tier) are
tested in tests/erasure/test_views.py.
"""

CITY = {"procurement", "protection_manager", "chief", "auditor"}
VIEWERS = CITY | {"contractor"}

EXPECTED = {
    "erasure.index": VIEWERS,
    "erasure.export": CITY,
    "erasure.case": VIEWERS,
    "erasure.submit": {"contractor"},
    "erasure.certificate": VIEWERS,
    "erasure.accept": {"protection_manager"},
    "erasure.send_back": {"protection_manager"},
    "erasure.close": {"protection_manager"},
    "erasure.file": VIEWERS,
}
