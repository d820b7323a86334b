"""課 administration and the contractor companies' master data."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.authz import CITY, load_visible, require, roles
from portal.authz.org import can_manage_company, can_view_company
from portal.org import bp, selfservice, services
from portal.org.forms import (
    CertificateForm,
    ChangeDecisionForm,
    ChangeRequestForm,
    CompanyForm,
    ContactForm,
    SectionForm,
    SelfCertificateForm,
)
from portal.org.models import CertificateKind, Company, CompanyCertificate, CompanyChangeRequest
from portal.templating import register_nav
from portal.wareki import today_jst
from portal.web import current_actor, flash_form_errors, paged, run
from portal.web.args import text_arg

register_nav("org.companies", "委託先事業者", {*CITY, "admin"}, order=80)
register_nav("org.my_company", "自社情報・認証", {"contractor"}, order=81)
register_nav("org.sections", "課の管理", {"admin"}, order=96)


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
    city = current_actor().role != "contractor"
    return render_template(
        "org/company_detail.html",
        company=company,
        cert_form=CertificateForm(),
        decision_form=ChangeDecisionForm(),
        today=today_jst(),
        open_request=selfservice.open_change_request(company) if city else None,
        history=selfservice.history(company) if city else [],
        may_manage=_may_manage(company),
    )


def _may_manage(company: Company) -> bool:
    return can_manage_company(current_actor(), company, services.company_section_ids(company.id))


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles("admin", "procurement", "protection_manager")
def company_edit(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(_may_manage(company))
    return _company_form(company)


@bp.post("/companies/<int:company_id>/certificates")
@roles("admin", "procurement", "protection_manager")
def certificate_add(company_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    require(_may_manage(company))
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
    require(_may_manage(company))
    run(
        lambda: services.remove_certificate(actor=current_actor(), cert=cert),
        success="認証情報を削除しました。",
    )
    return redirect(url_for("org.company_detail", company_id=company.id))


# --- the contractor's own company (自社情報・認証) --------------------------------------------


def _own_company() -> Company:
    user = current_actor()
    if user.company is None:
        abort(404)
    return user.company


def _my_company_page(status: int = 200, **forms: Any) -> ResponseReturnValue:
    company = _own_company()
    page_forms = {
        "contact_form": forms.get("contact_form") or ContactForm(obj=company),
        "cert_form": forms.get("cert_form") or SelfCertificateForm(),
        "change_form": forms.get("change_form") or ChangeRequestForm(),
    }
    return render_template(
        "org/my_company.html",
        company=company,
        today=today_jst(),
        open_request=selfservice.open_change_request(company),
        requests=selfservice.change_requests(company),
        **page_forms,
    ), status


@bp.get("/my-company")
@roles("contractor")
def my_company() -> ResponseReturnValue:
    return _my_company_page()


@bp.post("/my-company/contact")
@roles("contractor")
def my_company_contact() -> ResponseReturnValue:
    company = _own_company()
    form = ContactForm()
    if form.validate_on_submit() and run(
        lambda: selfservice.update_contact(
            actor=current_actor(),
            company=company,
            contact_name=form.contact_name.data or "",
            contact_email=form.contact_email.data or "",
            address=form.address.data or "",
        ),
        success="連絡先・所在地を更新しました。",
    ):
        return redirect(url_for("org.my_company"))
    return _my_company_page(422, contact_form=form)


@bp.post("/my-company/certificates")
@roles("contractor")
def my_company_certificate() -> ResponseReturnValue:
    company = _own_company()
    form = SelfCertificateForm()
    if form.validate_on_submit() and run(
        lambda: selfservice.submit_certificate(
            actor=current_actor(),
            company=company,
            kind=CertificateKind(form.kind.data),
            number=form.number.data or "",
            scope=form.scope.data or "",
            expires_on=form.expires_on.data,
            today=today_jst(),
        ),
        success="認証を登録しました。市の担当者が認証書を確認すると「確認済み」になります。",
    ):
        return redirect(url_for("org.my_company"))
    return _my_company_page(422, cert_form=form)


@bp.post("/my-company/change-request")
@roles("contractor")
def my_company_change_request() -> ResponseReturnValue:
    company = _own_company()
    form = ChangeRequestForm()
    if form.validate_on_submit() and run(
        lambda: selfservice.request_change(
            actor=current_actor(),
            company=company,
            name=form.name.data or "",
            corporate_number=form.corporate_number.data or "",
            reason=form.reason.data or "",
        ),
        success="変更を依頼しました。市が確認すると登録内容に反映されます。",
    ):
        return redirect(url_for("org.my_company"))
    return _my_company_page(422, change_form=form)


# --- the city checks what the contractor registered --------------------------------------------


@bp.post("/companies/<int:company_id>/certificates/<int:cert_id>/confirm")
@roles("admin", "procurement", "protection_manager")
def certificate_confirm(company_id: int, cert_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    cert = load_visible(CompanyCertificate, cert_id, lambda _u, c: c.company_id == company.id)
    require(_may_manage(company))
    run(
        lambda: selfservice.confirm_certificate(actor=current_actor(), cert=cert),
        success="認証を確認済みにしました。",
    )
    return redirect(url_for("org.company_detail", company_id=company.id))


@bp.post("/companies/<int:company_id>/change-requests/<int:request_id>")
@roles("admin", "procurement", "protection_manager")
def change_request_decide(company_id: int, request_id: int) -> ResponseReturnValue:
    company = _load_company(company_id)
    change = load_visible(
        CompanyChangeRequest, request_id, lambda _u, r: r.company_id == company.id
    )
    require(_may_manage(company))
    form = ChangeDecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        accept = form.decision.data == "accept"
        run(
            lambda: selfservice.decide_change(
                actor=current_actor(), request=change, accept=accept, note=form.note.data or ""
            ),
            success="変更を反映しました。" if accept else "変更依頼を差し戻しました。",
        )
    return redirect(url_for("org.company_detail", company_id=company.id))
