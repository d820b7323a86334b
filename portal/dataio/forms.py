from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from portal.forms import PortalForm, text_field


class UploadForm(PortalForm):
    kind = SelectField("取り込むデータ", choices=[])
    file = FileField(
        "ファイル（Excelブック .xlsx または CSV）",
        validators=[FileRequired("ファイルを選択してください。")],
    )
    sheet = text_field(
        "シート名（空欄なら先頭のシート）",
        max_length=100,
    )
