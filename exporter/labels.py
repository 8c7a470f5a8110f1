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
        "以下按段列出每一处：段号为正文段落的序号（标题、小标题各算一段），"
        "正文中缺损段落旁标有 ※ 和段号；引文中 □ 为原文缺失之处。"
    ),
    "notes_notice": "原文有 {count} 处缺损，照录未补，缺损段落旁标 ※，详见文末“{heading}”。",
    "in_title": "标题",
    "paragraph_no": "第 {number} 段",
    "places": "{count} 处",
    "one_place": "1 处",
    "kinds_sep": "、",
    "kind_count": "{kind} {count}",
    "short_missing_date": "日期",
    "short_missing_year": "年份",
    "short_missing_amount": "金额",
    "short_missing_percentage": "增幅",
    "short_missing_count": "数量",
    "short_lost_punctuation": "标点",
    "short_replacement_character": "乱码",
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
        "以下按段列出每一處：段號為正文段落的序號（標題、小標題各算一段），"
        "正文中缺損段落旁標有 ※ 和段號；引文中 □ 為原文缺失之處。"
    ),
    "notes_notice": "原文有 {count} 處缺損，照錄未補，缺損段落旁標 ※，詳見文末「{heading}」。",
    "in_title": "標題",
    "paragraph_no": "第 {number} 段",
    "short_missing_date": "日期",
    "short_missing_year": "年份",
    "short_missing_amount": "金額",
    "short_missing_percentage": "增幅",
    "short_missing_count": "數量",
    "short_lost_punctuation": "標點",
    "short_replacement_character": "亂碼",
    "places": "{count} 處",
    "one_place": "1 處",
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
        "Every place is listed below by paragraph (the body's paragraphs and sub-headings "
        "counted from 1; damaged paragraphs carry ※ and their number in the margin); the "
        "excerpts quote the Chinese source, with □ where text is missing."
    ),
    "notes_notice": (
        "The source text is damaged in {count} places, reproduced as it stands "
        "(paragraphs marked ※); see “{heading}” at the end."
    ),
    "in_title": "Title",
    "paragraph_no": "Paragraph {number}",
    "places": "{count} places",
    "one_place": "1 place",
    "kinds_sep": ", ",
    "kind_count": "{kind} {count}",
    "short_missing_date": "date",
    "short_missing_year": "year",
    "short_missing_amount": "amount",
    "short_missing_percentage": "growth",
    "short_missing_count": "number",
    "short_lost_punctuation": "punctuation",
    "short_replacement_character": "undecodable",
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
