from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.forms import NFKC


class LoginForm(FlaskForm):
    email = EmailField(
        "メールアドレス",
        validators=[DataRequired("メールアドレスを入力してください。")],
        filters=NFKC,
    )
    password = PasswordField(
        "パスワード", validators=[DataRequired("パスワードを入力してください。")]
    )


class PasswordChangeForm(FlaskForm):
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


class UserForm(FlaskForm):
    email = EmailField(
        "メールアドレス",
        validators=[
            DataRequired("メールアドレスを入力してください。"),
            Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
            Length(max=254),
        ],
        filters=NFKC,
    )
    name = StringField(
        "氏名", validators=[DataRequired("氏名を入力してください。"), Length(max=100)], filters=NFKC
    )
    role = SelectField("役割", validators=[DataRequired()])
    section_id = SelectField("所属課", coerce=int, validators=[Optional()])
    company_id = SelectField("委託先事業者", coerce=int, validators=[Optional()])
    password = PasswordField("初期パスワード", validators=[Optional()])


class UserEditForm(FlaskForm):
    name = StringField(
        "氏名", validators=[DataRequired("氏名を入力してください。"), Length(max=100)], filters=NFKC
    )
    role = SelectField("役割", validators=[DataRequired()])
    section_id = SelectField("所属課", coerce=int, validators=[Optional()])
    company_id = SelectField("委託先事業者", coerce=int, validators=[Optional()])


class ConfirmForm(FlaskForm):
    """Empty form: a POST button carrying only the CSRF token."""

    confirm = BooleanField(default=True)
