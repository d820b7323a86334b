from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.forms import NFKC, PortalForm, text_field


class LoginForm(PortalForm):
    email = EmailField(
        "メールアドレス",
        validators=[DataRequired("メールアドレスを入力してください。")],
        filters=NFKC,
    )
    password = PasswordField(
        "パスワード", validators=[DataRequired("パスワードを入力してください。")]
    )


class PasswordChangeForm(PortalForm):
    current = PasswordField(
        "現在のパスワード", validators=[DataRequired("現在のパスワードを入力してください。")]
    )
    new = PasswordField(
        "新しいパスワード", validators=[DataRequired("新しいパスワードを入力してください。")]
    )
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[EqualTo("new", "確認用のパスワードが一致しません。")],
    )


class UserEditForm(PortalForm):
    name = text_field("氏名", required="氏名を入力してください。", max_length=100)
    role = SelectField("役割", validators=[DataRequired("役割を選んでください。")])
    section_id = SelectField("所属課", coerce=int, validators=[Optional()])
    company_id = SelectField("委託先事業者", coerce=int, validators=[Optional()])


class UserForm(UserEditForm):
    """Creating an account: the editable fields plus the login e-mail and a first password."""

    email = EmailField(
        "メールアドレス",
        validators=[
            DataRequired("メールアドレスを入力してください。"),
            Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
            Length(max=254, message="254文字以内で入力してください。"),
        ],
        filters=NFKC,
    )
    password = PasswordField("初期パスワード", validators=[Optional()])


class ConfirmForm(PortalForm):
    """Empty form: a POST button carrying only the CSRF token."""

    confirm = BooleanField(default=True)
