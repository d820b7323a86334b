from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.account.forms import ConfirmForm
from portal.authz import CITY, load_visible, require, roles
from portal.authz.org import can_manage_companies, can_view_company
from portal.errors import PortalError
from portal.extensions import db
from portal.org import bp, services
from portal.org.forms import CertificateForm, CompanyForm, SectionForm
from portal.org.models import CertificateKind, Company, CompanyCertificate, Section
from portal.pagination import page_arg, paginate


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
            db.session.rollback()
            flash(err.message, "error")
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


def _parent_choices(form: CompanyForm, exclude: int | None = None) -> None:
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
    form.parent_id.choices = [(0, "（なし）")] + [(i, n) for i, n in rows if i != exclude]


@bp.route("/companies/new", methods=["GET", "POST"])
@roles("admin", "procurement", "protection_manager")
def company_new() -> ResponseReturnValue:
    form = CompanyForm()
    _parent_choices(form)
    if form.validate_on_submit():
        try:
            company = services.create_company(
                actor=current_user._get_current_object(),
                name=form.name.data or "",
                corporate_number=form.corporate_number.data or "",
                address=form.address.data or "",
                parent_id=form.parent_id.data or None,
            )
        except PortalError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("org/company_form.html", form=form, company=None), 422
        db.session.commit()
        flash(f"{company.name} を登録しました。", "success")
        return redirect(url_for("org.company_detail", company_id=company.id))
    return render_template("org/company_form.html", form=form, company=None), (
        422 if form.errors else 200
    )


def _load_company(company_id: int) -> Company:
    return load_visible(Company, company_id, can_view_company)


@bp.get("/companies/<int:company_id>")
@roles(*CITY, "admin", "contractor")
def company_detail(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    return render_template(
        "org/company_detail.html",
        company=company,
        cert_form=CertificateForm(),
        confirm=ConfirmForm(),
    )


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles("admin", "procurement", "protection_manager")
def company_edit(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(can_manage_companies(current_user))
    form = CompanyForm(obj=company)
    _parent_choices(form, exclude=company.id)
    if request.method == "GET":
        form.parent_id.data = company.parent_id or 0
    if form.validate_on_submit():
        try:
            services.update_company(
                actor=current_user._get_current_object(),
                company=company,
                name=form.name.data or "",
                corporate_number=form.corporate_number.data or "",
                address=form.address.data or "",
                parent_id=form.parent_id.data or None,
            )
        except PortalError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("org/company_form.html", form=form, company=company), 422
        db.session.commit()
        flash("事業者情報を更新しました。", "success")
        return redirect(url_for("org.company_detail", company_id=company.id))
    return render_template("org/company_form.html", form=form, company=company), (
        422 if form.errors else 200
    )


@bp.post("/companies/<int:company_id>/certificates")
@roles("admin", "procurement", "protection_manager")
def certificate_add(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(can_manage_companies(current_user))
    form = CertificateForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
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
    if ConfirmForm().validate_on_submit():
        services.remove_certificate(actor=current_user._get_current_object(), cert=cert)
        db.session.commit()
        flash("認証情報を削除しました。", "success")
    return redirect(url_for("org.company_detail", company_id=company.id))
