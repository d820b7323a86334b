"""Who may use the contract register's endpoints (see tests/test_access_matrix.py).

The administrator has no contract endpoint at all (入間市 第22条: least privilege).
"""

CITY = {"procurement", "protection_manager", "chief", "auditor"}
VIEWERS = CITY | {"contractor"}
STAFF = {"procurement", "protection_manager"}

EXPECTED = {
    "contract.index": VIEWERS,
    "contract.export": CITY,
    "contract.new": STAFF,
    "contract.detail": VIEWERS,
    "contract.edit": STAFF,
    "contract.upload": STAFF,
    "contract.download": VIEWERS,
    "contract.recheck": STAFF,
    "contract.override": {"protection_manager"},
    "contract.request_confirmation": {"procurement"},
    "contract.activate": STAFF,
    "contract.start_ending": STAFF,
    "contract.erasure_pending": STAFF,
    "contract.cancel": STAFF,
    "contract.special_terms": STAFF,
    "contract.attach_special_terms": STAFF,
}
