"""Who may use the foundation's endpoints (see tests/test_access_matrix.py)."""

ALL = {"procurement", "protection_manager", "chief", "auditor", "contractor", "admin"}
CITY = {"procurement", "protection_manager", "chief", "auditor"}

PUBLIC = {"account.login", "dashboard.health"}

EXPECTED = {
    "account.logout": ALL,
    "account.password": ALL,
    "account.users": {"admin"},
    "account.user_new": {"admin"},
    "account.user_edit": {"admin"},
    "account.user_action": {"admin"},
    "dashboard.index": ALL,
    "notification.index": ALL,
    "notification.read": ALL,
    "notification.read_all": ALL,
    "org.sections": {"admin"},
    "org.companies": CITY | {"admin"},
    "org.company_new": {"admin", "procurement", "protection_manager"},
    "org.company_detail": CITY | {"admin", "contractor"},
    "org.company_edit": {"admin", "procurement", "protection_manager"},
    "org.certificate_add": {"admin", "procurement", "protection_manager"},
    "org.certificate_delete": {"admin", "procurement", "protection_manager"},
    "org.certificate_confirm": {"admin", "procurement", "protection_manager"},
    "org.change_request_decide": {"admin", "procurement", "protection_manager"},
    "org.my_company": {"contractor"},
    "org.my_company_contact": {"contractor"},
    "org.my_company_certificate": {"contractor"},
    "org.my_company_change_request": {"contractor"},
    "audit.index": {"auditor", "chief"},
    "audit.export": {"auditor", "chief"},
}
