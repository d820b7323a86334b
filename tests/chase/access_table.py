"""Who may use the chase endpoints (see tests/test_access_matrix.py)."""

PUBLIC: set[str] = set()

EXPECTED = {
    # 「今すぐ督促」: the section's 保護管理者 (object-level checks in test_views.py).
    "chase.remind_now": {"protection_manager"},
    # Scheduler heartbeat and runs: the system administrator.
    "chase.status": {"admin"},
}
