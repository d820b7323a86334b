"""Who may use the exchange endpoints (see tests/test_access_matrix.py).

The system administrator is in none of them: no access to documents at all (入間市 第22条).
"""

READERS = {"procurement", "protection_manager", "chief", "auditor", "contractor"}
WRITERS = {"procurement", "protection_manager", "contractor"}
SECTION_STAFF = {"procurement", "protection_manager"}
RECORD_READERS = {"protection_manager", "auditor", "chief"}

EXPECTED = {
    "exchange.index": READERS,
    "exchange.contract": READERS,
    "exchange.open_spaces": WRITERS,
    "exchange.space": READERS,
    "exchange.folder_new": WRITERS,
    "exchange.upload": WRITERS,
    "exchange.document": READERS,
    "exchange.version_new": WRITERS,
    "exchange.comment": WRITERS,
    "exchange.personal_info": WRITERS,
    "exchange.staged": SECTION_STAFF,
    "exchange.staged_decide": SECTION_STAFF,
    "exchange.view": READERS,
    "exchange.download": READERS,
    "exchange.folder_zip": READERS,
    "exchange.purge": {"protection_manager"},
    "exchange.access_records": RECORD_READERS,
    "exchange.access_records_csv": RECORD_READERS,
}
