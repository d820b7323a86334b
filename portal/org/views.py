from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.authz import CITY, load_visible, require, roles
from portal.authz.org import can_manage_companies, can_view_company
from portal.errors import PortalError, flash_refusal
from portal.extensions import db
from portal.forms import flash_form_errors
from portal.org import bp, services
from portal.org.forms import CertificateForm, CompanyForm, SectionForm
from portal.org.models import CertificateKind, Company, CompanyCertificate, Section
from portal.pagination import page_arg, paginate
from portal.templating import register_nav

register_nav("org.companies", "委託先事業者", {*CITY, "admin"}, order=80)
register_nav("org.sections", "課の管理", {"admin"}, order=96)


@bp.route("/admin/sections", methods=["GET", "POST"])
@roles("admin")
def sections() -> ResponseReturnValue:
    form = SectionForm()
    if form.validate_on_submit():
        try:
            services.create_section(
                actor=current_user._get_current_object(),
                code=form.code.data or "",
                name=form.name.data or "",
            )
        except PortalError as err:
            flash_refusal(err)
        else:
            db.session.commit()
            flash("課を登録しました。", "success")
            return redirect(url_for("org.sections"))
    items = db.session.scalars(sa.select(Section).order_by(Section.code)).all()
    return render_template("org/sections.html", form=form, sections=items)


@bp.get("/companies")
@roles(*CITY, "admin")
def companies() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    stmt = sa.select(Company).options(so.selectinload(Company.certificates)).order_by(Company.name)
    if q:
        stmt = stmt.where(
            sa.or_(Company.name.ilike(f"%{q}%"), Company.corporate_number.like(f"%{q}%"))
        )
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    return render_template("org/companies.html", page=page, q=q)


def _company_form(company: Company | None) -> ResponseReturnValue:
    """Register (company=None) or edit a company: one screen, one flow."""
    form = CompanyForm(obj=company)
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name))
    form.parent_id.choices = [
        (0, "（なし）"),
        *((i, n) for i, n in rows if company is None or i != company.id),
    ]
    if request.method == "GET" and company is not None:
        form.parent_id.data = company.parent_id or 0
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        name, number = form.name.data or "", form.corporate_number.data or ""
        address, parent_id = form.address.data or "", form.parent_id.data or None
        try:
            if company is None:
                company = services.create_company(
                    actor=actor,
                    name=name,
                    corporate_number=number,
                    address=address,
                    parent_id=parent_id,
                )
                message = f"{company.name} を登録しました。"
            else:
                services.update_company(
                    actor=actor,
                    company=company,
                    name=name,
                    corporate_number=number,
                    address=address,
                    parent_id=parent_id,
                )
                message = "事業者情報を更新しました。"
        except PortalError as err:
            flash_refusal(err)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("org.company_detail", company_id=company.id))
    status = 422 if request.method == "POST" else 200
    return render_template("org/company_form.html", form=form, company=company), status


@bp.route("/companies/new", methods=["GET", "POST"])
@roles("admin", "procurement", "protection_manager")
def company_new() -> ResponseReturnValue:
    return _company_form(None)


def _load_company(company_id: int) -> Company:
    return load_visible(Company, company_id, can_view_company)


@bp.get("/companies/<int:company_id>")
@roles(*CITY, "admin", "contractor")
def company_detail(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    return render_template("org/company_detail.html", company=company, cert_form=CertificateForm())


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles("admin", "procurement", "protection_manager")
def company_edit(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(can_manage_companies(current_user))
    return _company_form(company)


@bp.post("/companies/<int:company_id>/certificates")
@roles("admin", "procurement", "protection_manager")
def certificate_add(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(can_manage_companies(current_user))
    form = CertificateForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("org.company_detail", company_id=company.id))
    services.add_certificate(
        actor=current_user._get_current_object(),
        company=company,
        kind=CertificateKind(form.kind.data),
        number=form.number.data or "",
        expires_on=form.expires_on.data,
    )
    db.session.commit()
    flash("認証情報を登録しました。", "success")
    return redirect(url_for("org.company_detail", company_id=company.id))


@bp.post("/companies/<int:company_id>/certificates/<int:cert_id>/delete")
@roles("admin", "procurement", "protection_manager")
def certificate_delete(company_id: int, cert_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    cert = load_visible(CompanyCertificate, cert_id, lambda _u, c: c.company_id == company.id)
    require(can_manage_companies(current_user))
    services.remove_certificate(actor=current_user._get_current_object(), cert=cert)
    db.session.commit()
    flash("認証情報を削除しました。", "success")
    return redirect(url_for("org.company_detail", company_id=company.id))
