"""Context rules for one-to-many characters that no fixed phrase can settle.

A surname before a title (范先生, 于女士, 余小姐, 钟姓), 不准 + verb (a ban: 准, not the
準 of accuracy), 冲 with a drink or water (沖咖啡), 出 counting plays (这出戏 -> 齣) and
喂 as feeding (餵). Each rule is a regular expression over the Simplified source that
matches the one character to fix, with lookarounds for its context; the target is a
Traditional character the same in Hong Kong and Taiwan forms. They apply to every
Simplified -> Traditional conversion, before the corrections (which win where they overlap).
"""

from __future__ import annotations

import functools
import re

_TITLES = (
    "先生|女士|小姐|太太|夫人|教授|博士|醫生|医生|律师|议员|主席|局长|司长|处长|署长|"
    "老师|校长|法官|经理|总裁|董事|院长|部长|市长|县长|省长|书记|主任|警司|警官|同学|"
    "伯|叔|婶|姨|姓|氏"
)


def _surname(char: str, not_after: str) -> str:
    """``char`` before a title unless one of ``not_after`` precedes it, or after 姓.

    Every rule starts with its literal character (look-behinds come after it), so the
    regular expression engine skips ahead at C speed instead of trying every position.
    """
    return rf"{char}(?:(?<![{not_after}]{char})(?=(?:{_TITLES}))|(?<=姓{char}))"


# (pattern, target); the pattern matches exactly the character replaced ("": itself).
_RULES: tuple[tuple[str, str], ...] = (
    # Surnames: 范 (not 範 "model"), 于 (not 於 "at"), 余 (not 餘 "remainder"), 钟 -> 鍾
    # (not 鐘 "bell"), before a title or after 姓. The look-behinds keep words that end in
    # the character (示范, 关于, 其余, 时钟) from being read as a surname.
    (_surname("范", "示模规典防风垂"), "范"),
    (_surname("于", "关对由至属基鉴终处位限忠善勇乐急归等敢甘过易难勤富利见在于"), "于"),
    (_surname("余", "其多业剩残有之课节盈结空"), "余"),
    (_surname("钟", "时闹警挂座编摆敲撞鸣点分秒丧晨暮"), "鍾"),
    # Surnames the default would turn into a common word: 朴 (Park, not 樸), 谷 (not 穀),
    # 郁 (not 鬱), 干 (not 乾/幹); the look-behinds keep 古朴, 山谷, 忧郁, 若干.
    (_surname("朴", "古简质纯俭淳素浑敦"), ""),
    (_surname("谷", "山峡河低深幽硅稻五溪空维"), ""),
    (_surname("郁", "忧抑浓沉苍阴葱馥郁蓊"), ""),
    (_surname("干", "若相一树主能骨实精才苦老饼豆外晒烘风阴肝枯栏河江不何干"), ""),
    # 不准 + a verb is a ban (准 "permit"); 说不准, 拿不准, 不准确, 不准时 are accuracy (準).
    (
        r"准(?<=不准)(?<![说讲拿看估猜算瞄对测摸吃定认打准]不准)(?=[\u4e00-\u9fff])"
        r"(?![确备时点头绳则])",
        "准",
    ),
    # 冲 with a drink, a powder or water poured on is 沖 (沖咖啡, 沖涼, 沖身), not 衝 "rush".
    (
        r"冲(?=[了好的一两几杯壶碗包袋罐匙勺]{0,4}(?:咖啡|茶|奶)"
        r"|凉|涼|澡|身子?(?![体份手])|厕|马桶|泡|剂|晒|服|调|饮)",
        "沖",
    ),
    # 出 counting plays and operas is 齣 (这出戏, 三出京剧), not 出 "out" (一出戏院).
    (
        r"出(?<=[这那一两二三四五六七八九十几每某哪整]出)(?=好戏|戏(?![院台服曲子])|"
        r"(?:京|粤|越|昆|川|闹|歌|话|舞|悲|喜|滑稽)剧(?![院场团组本情目照种集]))",
        "齣",
    ),
    # 喂 feeding (餵飼, 餵養, 餵奶) rather than 喂 the call "hello".
    (r"喂(?=饲|养|奶|食|哺|药|饭|水|鱼|猪|鸡|狗|猫)", "餵"),
)


@functools.cache
def _compiled(number: int) -> re.Pattern[str]:
    return re.compile(_RULES[number][0])


def _anchor(pattern: str) -> str | None:
    """The literal character every match of ``pattern`` starts with (each rule's subject:
    冲, 出, 喂 …), or None."""
    first = pattern[0]
    if "\u3400" <= first <= "\u9fff" and pattern[1:2] not in ("*", "+", "?", "{"):
        return first
    return None


_ANCHORS = tuple(_anchor(pattern) for pattern, _ in _RULES)


def find_patterns(src: str) -> list[tuple[int, int, str]]:
    """(start, end, target) of every rule's match, by position; overlaps removed."""
    # A rule whose character is absent cannot match: not compiled (~1 ms each when cold).
    # (A substring test per rule: set(src) would cost more than that on a long text.)
    hits = sorted(
        (m.start(), m.end(), target or m.group())
        for number, ((_, target), anchor) in enumerate(zip(_RULES, _ANCHORS, strict=True))
        if anchor is None or anchor in src
        for m in _compiled(number).finditer(src)
    )
    found: list[tuple[int, int, str]] = []
    for hit in hits:
        if not found or hit[0] >= found[-1][1]:
            found.append(hit)
    return found
