"""Demo data: a two-tier chain alpha → gamma (subsidiary, approved) → beta (submitted)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.contract.models import Contract, ContractStatus
from portal.demo import DemoContext, _load_core
from portal.subcontract import demo, services
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from tests.subcontract.factories import NOW, make_contract


def test_demo_builds_a_two_tier_chain_on_an_active_contract_of_alpha(db):
    ctx = DemoContext(now=NOW)
    _load_core(ctx)

    demo.load(ctx)

    rows = db.session.scalars(sa.select(SubcontractRequest).order_by(SubcontractRequest.tier)).all()
    assert [(r.tier, r.requester_company.name, r.subcontractor.name, r.status) for r in rows] == [
        (1, ctx.companies["alpha"].name, ctx.companies["gamma"].name, SubcontractStatus.APPROVED),
        (2, ctx.companies["gamma"].name, ctx.companies["beta"].name, SubcontractStatus.SUBMITTED),
    ]
    assert rows[0].is_subsidiary is True
    assert rows[0].conditions
    assert rows[1].parent_id == rows[0].id
    contract = rows[0].contract
    assert contract.company_id == ctx.companies["alpha"].id
    assert contract.status == ContractStatus.ACTIVE
    assert services.approved_tiers(contract) == [rows[0]]
    assert services.pending_count(ctx.users["pm_shimin"]) == 1


def test_demo_uses_the_contract_features_active_alpha_contract_preferring_the_shimin_section(db):
    ctx = DemoContext(now=NOW)
    _load_core(ctx)
    alpha = ctx.companies["alpha"]
    make_contract(section=ctx.sections["fukushi"], company=alpha)
    make_contract(section=ctx.sections["shimin"], company=alpha, status=ContractStatus.CLOSED)
    wanted = make_contract(section=ctx.sections["shimin"], company=alpha)
    count = db.session.scalar(sa.select(sa.func.count(Contract.id)))

    demo.load(ctx)

    contract_ids = set(db.session.scalars(sa.select(SubcontractRequest.contract_id)))
    assert contract_ids == {wanted.id}
    assert db.session.scalar(sa.select(sa.func.count(Contract.id))) == count
