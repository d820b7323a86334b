"""Contract documents for the tests: good and deficient texts, and every kind of bad file."""

from __future__ import annotations

import io
from functools import cache

CLAUSES = {
    "confidentiality": (
        "（秘密の保持）\n"
        "第2条　乙は、この契約による事務に関して知り得た個人情報をみだりに他人に知らせ、"
        "又は不当な目的に使用してはならない。この契約が終了し、又は解除された後においても、同様とする。\n"
        "（目的外利用及び提供の禁止）\n"
        "第3条　乙は、甲の指示又は承諾がある場合を除き、この契約による事務に関して知り得た"
        "個人情報を契約の目的以外の目的に利用し、又は第三者に提供してはならない。\n"
    ),
    "subcontracting": (
        "（再委託の禁止）\n"
        "第4条　乙は、この契約による個人情報を取り扱う事務を第三者に委託してはならない。"
        "ただし、あらかじめ甲の書面による承諾を得た場合は、この限りでない。\n"
    ),
    "copying": (
        "（複写又は複製の禁止）\n"
        "第5条　乙は、甲の承諾なしに、甲から引き渡された個人情報が記録された資料等を"
        "複写し、又は複製してはならない。\n"
    ),
    "safeguards": (
        "（安全管理措置）\n"
        "第6条　乙は、この契約による事務に関して知り得た個人情報の漏えい、滅失及びき損の防止"
        "その他の個人情報の適切な管理のために必要な措置を講じなければならない。\n"
    ),
    "incident": (
        "（事故発生時における報告）\n"
        "第7条　乙は、個人情報の漏えい、滅失、き損その他の事故が発生し、又は発生したおそれが"
        "あることを知ったときは、直ちに甲に報告し、甲の指示に従わなければならない。\n"
    ),
    "return_erasure": (
        "（資料等の返還等）\n"
        "第8条　乙は、この契約による事務を処理するために甲から引き渡され、又は乙が収集し、"
        "若しくは作成した個人情報が記録された資料等を、この契約の完了後直ちに甲に返還し、"
        "又は甲の指示する方法により消去し、若しくは廃棄しなければならない。\n"
    ),
    "termination_liability": (
        "（契約の解除及び損害賠償）\n"
        "第9条　甲は、乙がこの特記事項に違反していると認めたときは、契約を解除し、"
        "乙に対し損害賠償を請求することができる。\n"
    ),
    "reporting_audit": (
        "（遵守状況の報告及び監査）\n"
        "第10条　乙は、甲が定める時期に、この特記事項の遵守状況について"
        "書面により甲に報告しなければならない。\n"
        "2　甲は、必要があると認めるときは、乙に対し個人情報の取扱状況について報告を求め、"
        "又は甲の職員に乙の作業場所に立ち入らせ、実地に検査させることができる。\n"
        "3　前2項の規定は、再委託先について準用する。この場合において、甲は、乙を通じて、"
        "又は自ら再委託先の監査等を行うことができる。\n"
    ),
}
KEYS = tuple(CLAUSES)

HEADER = (
    "個人情報取扱特記事項\n\n"
    "（基本的事項）\n"
    "第1条　乙は、個人情報の保護の重要性を認識し、この契約による事務を処理するための"
    "個人情報の取扱いに当たっては、個人の権利利益を侵害することのないよう、"
    "個人情報を適正に取り扱わなければならない。\n"
)


def terms_text(*, without: tuple[str, ...] = ()) -> str:
    """A 特記事項 with all eight matters, or without the named clause keys."""
    return HEADER + "".join(text for key, text in CLAUSES.items() if key not in without)


def text_file(*, without: tuple[str, ...] = ()) -> bytes:
    return terms_text(without=without).encode("utf-8")


BODY_TEXT = (
    "業務委託契約書\n\n"
    "委託者入間市（以下「甲」という。）と受託者（以下「乙」という。）は、次のとおり契約を締結する。\n"
    "（委託業務）\n"
    "第1条　甲は、住民記録システム保守業務を乙に委託し、乙はこれを受託する。\n"
    "（検査）\n"
    "第2条　乙は、業務を完了したときは、甲の検査を受けなければならない。\n"
    "（個人情報の保護）\n"
    "第3条　乙は、この契約による事務を処理するための個人情報の取扱いについては、"
    "別記「個人情報取扱特記事項」を守らなければならない。\n"
)


def _font_name() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "IPAexGothic"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(
            TTFont(name, "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
        )
    return name


def pdf_file(pages: list[str]) -> bytes:
    """A text PDF (Japanese font embedded), one string per page, lines wrapped at 38 chars."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font_name()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for page in pages:
        y = 800.0
        pdf.setFont(font, 10.5)
        for paragraph in page.split("\n"):
            while True:
                pdf.drawString(50, y, paragraph[:38])
                y -= 16
                paragraph = paragraph[38:]
                if not paragraph:
                    break
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


@cache
def good_pdf() -> bytes:
    return pdf_file([terms_text()])


def png_file() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture (a scan without OCR)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = io.BytesIO()
    Image.new("L", (300, 400), 230).save(image, format="PNG")
    image.seek(0)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.drawImage(ImageReader(image), 50, 300, width=300, height=400)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def truncated_pdf() -> bytes:
    data = good_pdf()
    return data[: len(data) // 2]


def blank_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_file(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
