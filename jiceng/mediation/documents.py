"""The mediation agreement (人民调解协议书) as .docx, filled from ``data/agreement_template.docx``.

The template is an ordinary Word document with ``{{placeholders}}``; a placeholder alone in its
paragraph may take several lines (parties, terms), each becoming a paragraph of the same style. Edit the
template in Word to change the layout; ``make_template`` rebuilds the shipped one.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from pathlib import Path

from docx import Document

TEMPLATE = Path(__file__).with_name("data") / "agreement_template.docx"


def make_template(path: Path = TEMPLATE) -> None:
    doc = Document()
    doc.add_heading("人民调解协议书", level=1)
    doc.add_paragraph("编号：{{number}}")
    doc.add_paragraph("当事人：")
    doc.add_paragraph("{{parties}}")
    doc.add_paragraph("纠纷简要情况：")
    doc.add_paragraph("{{facts}}")
    doc.add_paragraph("经调解，双方当事人自愿达成如下协议：")
    doc.add_paragraph("{{terms}}")
    doc.add_paragraph(
        "本协议一式{{copies}}份，当事人各执一份，调解组织留存一份，自各方当事人签名之日起生效。"
    )
    doc.add_paragraph("当事人签名：")
    doc.add_paragraph("{{signatures}}")
    doc.add_paragraph("调解员：{{mediator}}")
    doc.add_paragraph("调解组织：{{organisation}}（盖章）")
    doc.add_paragraph("日期：{{date}}")
    doc.save(str(path))


def render(values: Mapping[str, str | list[str]], template: Path = TEMPLATE) -> bytes:
    """The filled document. List values fill a paragraph holding only their placeholder, one line each."""
    doc = Document(str(template))
    for paragraph in list(doc.paragraphs):
        text = paragraph.text
        if "{{" not in text:
            continue
        for key, value in values.items():
            mark = "{{" + key + "}}"
            if mark not in text:
                continue
            if isinstance(value, list):
                if text.strip() == mark:
                    _expand(paragraph, value)
                    text = None  # type: ignore[assignment]
                    break
                value = "；".join(value)
            text = text.replace(mark, value)
        if text is not None:
            for run in paragraph.runs[1:]:
                run.text = ""
            if paragraph.runs:
                paragraph.runs[0].text = text
            else:
                paragraph.add_run(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _expand(paragraph: object, lines: list[str]) -> None:
    """Replace ``paragraph`` by one paragraph per line, in its style."""
    element = paragraph._p  # type: ignore[attr-defined]
    lines = lines or [""]
    for line in reversed(lines[1:]):
        clone = copy.deepcopy(element)
        element.addnext(clone)
        _set_text(clone, line)
    _set_text(element, lines[0])


def _set_text(element: object, text: str) -> None:
    from docx.text.paragraph import Paragraph

    para = Paragraph(element, None)  # type: ignore[arg-type]
    for run in para.runs[1:]:
        run.text = ""
    if para.runs:
        para.runs[0].text = text
    else:
        para.add_run(text)


def text_of(data: bytes) -> str:
    """All paragraph text of a .docx (for checks and tests)."""
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
