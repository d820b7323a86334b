"""The readiness check is public: a load balancer calls it without an account."""

EXPECTED: dict[str, set[str]] = {}
PUBLIC = {"ops.readyz"}
