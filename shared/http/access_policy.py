"""Which caller may reach which path: the gateway's coarse gate, and a service's in edge mode."""

from shared.http.auth import HUMAN_ROLES, Principal
from shared.problems import ProblemError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_access(principal: Principal, method: str, service_path: str) -> None:
    """Coarse gate; each service checks the fine-grained role of each route again.

    Banks reach only their result endpoints (/bank/...), the provincial platform only the
    sync endpoints (/sync/...), auditors only read, people never use machine endpoints.
    """
    segments = service_path.strip("/").split("/")
    area = segments[0] if segments else ""
    if "admin" in principal.roles:
        return
    if area == "bank":
        if "bank" not in principal.roles:
            raise ProblemError(403, "role_forbidden", message="bank_endpoints_only")
        return
    if area == "sync":
        if "province" not in principal.roles:
            raise ProblemError(403, "role_forbidden", message="sync_endpoints_only")
        return
    if not principal.roles & HUMAN_ROLES:
        raise ProblemError(403, "role_forbidden", message="machine_client_endpoints_only")
    if principal.roles <= {"auditor"} and method not in READ_METHODS:
        raise ProblemError(403, "role_forbidden", message="auditor_read_only")
