"""課 administration and the contractor companies' master data."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.authz import CITY, load_visible, require, roles
from portal.authz.org import can_manage_companies, can_view_company
from portal.org import bp, services
from portal.org.forms import CertificateForm, CompanyForm, InspectionIntervalForm, SectionForm
from portal.org.models import CertificateKind, Company, CompanyCertificate
from portal.profile import current_profile
from portal.templating import register_nav
from portal.web import current_actor, flash_form_errors, paged, run
from portal.web.args import text_arg

register_nav("org.companies", "委託先事業者", {*CITY, "admin"}, order=80)
register_nav("org.sections", "課の管理", {"admin"}, order=96)
register_nav("org.settings", "市の設定", {"admin"}, order=97)


@bp.route("/admin/settings", methods=["GET", "POST"])
@roles("admin")
def settings() -> ResponseReturnValue:
    """The city's own settings where its rule leaves the choice to the city."""
    form = InspectionIntervalForm()
    if request.method == "GET":
        rules = current_profile().inspection
        form.months.data = rules.frequency_months if rules.frequency_source == "setting" else None
    if form.validate_on_submit() and run(
        lambda: services.set_inspection_interval(
            actor=current_actor(), profile=current_profile().name, months=form.months.data
        ),
        success="検査の頻度を保存しました。",
    ):
        return redirect(url_for("org.settings"))
    return render_template("org/settings.html", form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/admin/sections", methods=["GET", "POST"])
@roles("admin")
def sections() -> ResponseReturnValue:
    form = SectionForm()
    if form.validate_on_submit() and run(
        lambda: services.create_section(
            actor=current_actor(), code=form.code.data or "", name=form.name.data or ""
        ),
        success="課を登録しました。",
    ):
        return redirect(url_for("org.sections"))
    return render_template("org/sections.html", form=form, sections=services.sections())


@bp.get("/companies")
@roles(*CITY, "admin")
def companies() -> ResponseReturnValue:
    q = text_arg(request.args.get("q"))
    page = paged(services.search_companies_stmt(q))
    return render_template("org/companies.html", page=page, q=q)


def _company_form(company: Company | None) -> ResponseReturnValue:
    """Register (company=None) or edit a company: one screen, one flow."""
    form = CompanyForm(obj=company)
    form.parent_id.choices = [
        (0, "（なし）"),
        *services.company_choices(exclude_id=company.id if company else None),
    ]
    if request.method == "GET" and company is not None:
        form.parent_id.data = company.parent_id or 0
    if form.validate_on_submit():
        values: dict[str, Any] = {
            "name": form.name.data or "",
            "corporate_number": form.corporate_number.data or "",
            "address": form.address.data or "",
            "parent_id": form.parent_id.data or None,
        }
        if company is None:
            created = run(
                lambda: services.create_company(actor=current_actor(), **values),
                success=lambda c: f"{c.name} を登録しました。",
            )
            if created:
                return redirect(url_for("org.company_detail", company_id=created.value.id))
        else:
            edited = company
            if run(
                lambda: services.update_company(actor=current_actor(), company=edited, **values),
                success="事業者情報を更新しました。",
            ):
                return redirect(url_for("org.company_detail", company_id=edited.id))
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
    require(can_manage_companies(current_actor()))
    return _company_form(company)


@bp.post("/companies/<int:company_id>/certificates")
@roles("admin", "procurement", "protection_manager")
def certificate_add(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(can_manage_companies(current_actor()))
    form = CertificateForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        run(
            lambda: services.add_certificate(
                actor=current_actor(),
                company=company,
                kind=CertificateKind(form.kind.data),
                number=form.number.data or "",
                expires_on=form.expires_on.data,
            ),
            success="認証情報を登録しました。",
        )
    return redirect(url_for("org.company_detail", company_id=company.id))


@bp.post("/companies/<int:company_id>/certificates/<int:cert_id>/delete")
@roles("admin", "procurement", "protection_manager")
def certificate_delete(company_id: int, cert_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    cert = load_visible(CompanyCertificate, cert_id, lambda _u, c: c.company_id == company.id)
    require(can_manage_companies(current_actor()))
    run(
        lambda: services.remove_certificate(actor=current_actor(), cert=cert),
        success="認証情報を削除しました。",
    )
    return redirect(url_for("org.company_detail", company_id=company.id))
