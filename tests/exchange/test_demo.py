"""The exchange demo data (`portal demo load`)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.account.models import Role
from portal.contract.models import Contract, ContractStatus
from portal.db import utcnow
from portal.demo import DemoContext
from portal.exchange import demo
from portal.exchange.models import CITY_PARTY, ExchangeDocument, ExchangeSpace, company_party
from tests.exchange.factories import make_contract
from tests.factories import make_company, make_section, make_user


def _context():
    shimin, alpha = make_section(), make_company()
    ctx = DemoContext(now=utcnow())
    ctx.sections["shimin"] = shimin
    ctx.companies["alpha"] = alpha
    ctx.users["proc_shimin"] = make_user(Role.PROCUREMENT, section=shimin)
    ctx.users["vendor_alpha"] = make_user(Role.CONTRACTOR, company=alpha)
    return ctx


def test_the_demo_shares_documents_with_a_comment_and_read_receipts(db):
    ctx = _context()

    demo.load(ctx)

    space = db.session.get(ExchangeSpace, ctx.extra["exchange_space_id"])
    documents = db.session.scalars(
        sa.select(ExchangeDocument).where(ExchangeDocument.space_id == space.id)
    ).all()
    assert space.contract.status == ContractStatus.ACTIVE
    assert space.contract.company_id == ctx.companies["alpha"].id
    assert [f.name for f in space.folders] == ["仕様書・資料"]
    assert sorted(d.personal_info for d in documents) == [False, True]
    spec = next(d for d in documents if not d.personal_info)
    assert spec.current_version.cleaned is True
    assert len(spec.comments) == 1
    vendor_party = company_party(ctx.companies["alpha"].id)
    for d in documents:
        assert d.current_version.receipt_for(CITY_PARTY) is not None
        assert d.current_version.receipt_for(vendor_party) is not None


def test_the_demo_uses_an_existing_active_contract_of_alpha(db):
    ctx = _context()
    existing = make_contract(
        section=ctx.sections["shimin"],
        company=ctx.companies["alpha"],
        status=ContractStatus.ACTIVE,
    )

    demo.load(ctx)

    space = db.session.get(ExchangeSpace, ctx.extra["exchange_space_id"])
    assert space.contract_id == existing.id
    assert db.session.scalar(sa.select(sa.func.count(Contract.id))) == 1
