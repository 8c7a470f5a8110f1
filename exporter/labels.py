"""Fixed words the briefings print (headings, captions), in each output language."""

from __future__ import annotations

_HANS = {
    "date": "日期",
    "source": "来源",
    "byline": "来源",
    "reporter": "记者",
    "editor": "责任编辑",
    "original_title": "原标题",
    "author": "作者",
    "correspondent": "通讯员",
    "photographer": "摄影",
    "url": "网址",
    "page": "第 {page} 页，共 {pages} 页",
    "notes_heading": "关于原文的说明",
    "notes_intro": (
        "原文有 {count} 处明显缺损（多为数字或标点丢失），本简报照录原文，未作补全。"
        "位置为正文字符序号。"
    ),
    "notes_more": "另有 {count} 处同类缺损，从略。",
    "in_title": "标题",
    "missing_date": "日期数字缺失",
    "missing_year": "年份缺失",
    "missing_amount": "金额数字缺失",
    "missing_percentage": "增幅数字缺失",
    "missing_count": "数量缺失",
    "lost_punctuation": "标点缺失",
    "replacement_character": "乱码（字符无法解码）",
    "count": "（{count} 处）",
    "list_sep": "；",
    "quote": "“{text}”",
    "colon": "：",
    "subject": "简报",
    "untranslated": "未翻译",
}
_HANT = {
    **_HANS,
    "date": "日期",
    "source": "來源",
    "byline": "來源",
    "reporter": "記者",
    "editor": "責任編輯",
    "original_title": "原標題",
    "correspondent": "通訊員",
    "photographer": "攝影",
    "url": "網址",
    "page": "第 {page} 頁，共 {pages} 頁",
    "notes_heading": "關於原文的說明",
    "notes_intro": (
        "原文有 {count} 處明顯缺損（多為數字或標點丟失），本簡報照錄原文，未作補全。"
        "位置為正文字元序號。"
    ),
    "notes_more": "另有 {count} 處同類缺損，從略。",
    "in_title": "標題",
    "missing_date": "日期數字缺失",
    "missing_year": "年份缺失",
    "missing_amount": "金額數字缺失",
    "missing_percentage": "增幅數字缺失",
    "missing_count": "數量缺失",
    "lost_punctuation": "標點缺失",
    "replacement_character": "亂碼（字元無法解碼）",
    "count": "（{count} 處）",
    "quote": "「{text}」",
    "subject": "簡報",
    "untranslated": "未翻譯",
}
_EN = {
    "date": "Date",
    "source": "Source",
    "byline": "Source",
    "reporter": "Reporter",
    "editor": "Editor",
    "original_title": "Original title",
    "author": "Author",
    "correspondent": "Correspondent",
    "photographer": "Photographer",
    "url": "URL",
    "page": "Page {page} of {pages}",
    "notes_heading": "Notes on the source",
    "notes_intro": (
        "The source text is damaged in {count} places (mostly lost numerals or punctuation). "
        "This briefing reproduces it as it stands and does not guess the missing text. "
        "Positions count characters of the body."
    ),
    "notes_more": "{count} more places of the same kind are not listed.",
    "in_title": "title",
    "missing_date": "date numerals missing",
    "missing_year": "year missing",
    "missing_amount": "amount missing",
    "missing_percentage": "growth figure missing",
    "missing_count": "number missing",
    "lost_punctuation": "punctuation missing",
    "replacement_character": "undecodable characters",
    "count": " ({count})",
    "list_sep": "; ",
    "quote": "“{text}”",
    "colon": ": ",
    "subject": "Briefing",
    "untranslated": "untranslated",
}


def script_of(lang: str) -> str:
    """ISO 15924 script for a BCP 47 tag: Hans, Hant or Latn."""
    if lang.startswith("en"):
        return "Latn"
    if lang in ("zh-HK", "zh-MO", "zh-TW") or "Hant" in lang:
        return "Hant"
    return "Hans"


def labels(lang: str) -> dict[str, str]:
    return {"Latn": _EN, "Hant": _HANT, "Hans": _HANS}[script_of(lang)]
