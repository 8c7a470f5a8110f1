"""Sources as people have them (Word, Markdown, saved web pages), made in the tests from text."""

from __future__ import annotations

import html
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>
<Override PartName="/word/endnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes" Target="endnotes.xml"/>
</Relationships>"""
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="MyHead"><w:name w:val="Desk Heading"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
</w:styles>"""


def write_docx_xml(path: Path, body: str, footnotes: str = "", endnotes: str = "") -> Path:
    """A minimal but complete .docx package with the given body XML (w: prefix bound)."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    notes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        f"</w:footnote>{footnotes}</w:footnotes>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/_rels/document.xml.rels", _DOC_RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", _STYLES)
        archive.writestr("word/footnotes.xml", notes)
        archive.writestr(
            "word/endnotes.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:endnotes xmlns:w="{W_NS}">{endnotes}</w:endnotes>',
        )
    return path


def p(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{html.escape(text)}</w:t></w:r></w:p>'


def seed_docx(lines: list[str], path: Path) -> Path:
    """The seed as a Word user would type it: the first line in the Title style."""
    import docx

    document = docx.Document()
    document.add_paragraph(lines[0], style="Title")
    for line in lines[1:]:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def seed_markdown(lines: list[str], path: Path) -> Path:
    path.write_text(f"# {lines[0]}\n\n" + "\n\n".join(lines[1:]) + "\n", encoding="utf-8")
    return path


def seed_html(lines: list[str], path: Path, *, encoding: str = "utf-8") -> Path:
    """A saved news page: navigation, the article, related links, comments, a footer."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    page = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{encoding}">'
        f"<title>{html.escape(lines[0])}_新闻中心</title>"
        '<script>window.ads = ["首页推荐"];</script></head><body>'
        '<header><nav><ul><li><a href="/">首页</a></li><li><a href="/gn/">国内</a></li>'
        '<li><a href="/gj/">国际</a></li></ul></nav></header>'
        f'<main><article><h1>{html.escape(lines[0])}</h1><div class="content">{paragraphs}</div>'
        "</article>"
        '<aside class="related"><h3>相关阅读</h3><ul><li><a href="/a">另一条新闻</a></li></ul>'
        "</aside></main>"
        '<div id="comments" class="comments"><h3>网友评论</h3><p>写得好！</p></div>'
        "<footer><p>版权所有 © 新闻网</p></footer></body></html>"
    )
    path.write_bytes(page.encode(encoding))
    return path
