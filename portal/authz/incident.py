"""Policies for incident reports (漏えい等事案).

- A contractor reports cases of its own company's contracts and sees those cases, never
  another company's; the 保護管理者 decides, the city-wide readers read.
- Section staff (契約担当, 保護管理者) report and see the cases of their section; only the
  保護管理者 decides reportability, records the response and closes the case.
- The PPC filing dates are recorded by the section's 保護管理者 or by the role the profile
  names as the one who files (広島市要綱 第12 8: 監査責任者).
- 総括保護管理者 and 監査責任者 read every case and export the list.
- The system administrator sees none (入間市 第22条: least privilege).
"""

from __future__ import annotations

from typing import Any

from portal.account.models import CITY_ROLES, CITYWIDE_ROLES, SECTION_ROLES, Role
from portal.authz import is_active_user, is_section_staff
from portal.contract.models import Contract, ContractStatus
from portal.incident.models import Incident, IncidentStatus

_REPORTABLE = frozenset(
    {
        ContractStatus.ACTIVE,
        ContractStatus.ENDING,
        ContractStatus.ERASURE_PENDING,
        ContractStatus.CLOSED,
    }
)


def can_report_incident(user: Any) -> bool:
    """Contractors and section staff open the report form."""
    if not is_active_user(user):
        return False
    if user.role == Role.CONTRACTOR:
        return user.company_id is not None
    return user.role in SECTION_ROLES and user.section_id is not None


def can_report_incident_for(user: Any, contract: Contract) -> bool:
    """A case of this contract: its contractor or its section's staff, once in performance."""
    if not can_report_incident(user) or contract.status not in _REPORTABLE:
        return False
    if user.role == Role.CONTRACTOR:
        return bool(user.company_id == contract.company_id)
    return is_section_staff(user, contract.section_id)


def can_view_incident(user: Any, incident: Incident) -> bool:
    """The reporting company, the section's staff and the city-wide readers."""
    if not is_active_user(user):
        return False
    if user.role in CITYWIDE_ROLES:
        return True
    if user.role == Role.CONTRACTOR:
        return user.company_id is not None and user.company_id in {
            incident.company_id,
            incident.contract.company_id,
        }
    return is_section_staff(user, incident.section_id)


def _manager_of(user: Any, incident: Incident) -> bool:
    return is_section_staff(user, incident.section_id) and user.role == Role.PROTECTION_MANAGER


def can_decide_incident(user: Any, incident: Incident) -> bool:
    """The section's 保護管理者 decides (and changes) reportability while the case is open."""
    return _manager_of(user, incident) and incident.status != IncidentStatus.CLOSED


def can_manage_incident(user: Any, incident: Incident) -> bool:
    """Facts, day of knowledge, response, follow-up and closure: the section's 保護管理者."""
    return can_decide_incident(user, incident)


def can_record_ppc_filing(
    user: Any, incident: Incident, reporter: str = Role.PROTECTION_MANAGER
) -> bool:
    """The section's 保護管理者, or the profile's PPC reporter role (e.g. 監査責任者)."""
    if incident.status == IncidentStatus.CLOSED or not is_active_user(user):
        return False
    return _manager_of(user, incident) or (
        reporter != Role.PROTECTION_MANAGER and user.role == reporter
    )


def can_add_incident_file(user: Any, incident: Incident) -> bool:
    """The reporting side and the section's staff add files while the case is open."""
    if incident.status == IncidentStatus.CLOSED or not can_view_incident(user, incident):
        return False
    return user.role == Role.CONTRACTOR or is_section_staff(user, incident.section_id)


def can_download_incident_file(user: Any, incident: Incident) -> bool:
    """Whoever may see the case may download its files (recorded: 入間市 第20条)."""
    return can_view_incident(user, incident)


def can_view_incident_decision(user: Any, incident: Incident) -> bool:
    """The reasoning, the PPC drafts and the response are the city's."""
    return can_view_incident(user, incident) and user.role in CITY_ROLES


def can_export_incidents(user: Any) -> bool:
    """City staff export the cases they may see (the auditor: all of them)."""
    return is_active_user(user) and user.role in CITY_ROLES
