"""Names for synthetic people: Chinese (张伟, handle ``wei.zhang``) and English (Ana López, ``ana.lopez``).

Handles are ASCII, unique per org (a counter is appended on a clash), and never contain
whitespace or ``@`` so that @mentions can name them.
"""

from __future__ import annotations

import random
import unicodedata

# (hanzi, pinyin); the most common surnames first so that the mix looks natural.
ZH_SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("萧", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"),
    ("袁", "yuan"), ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("欧阳", "ouyang"), ("司马", "sima"),
)  # fmt: skip

ZH_GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("娜", "na"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("华", "hua"), ("平", "ping"),
    ("刚", "gang"), ("桂英", "guiying"), ("晨", "chen"), ("浩", "hao"), ("宇", "yu"), ("欣怡", "xinyi"),
    ("子涵", "zihan"), ("梓轩", "zixuan"), ("思远", "siyuan"), ("雨桐", "yutong"), ("一鸣", "yiming"),
    ("佳怡", "jiayi"), ("俊杰", "junjie"), ("晓峰", "xiaofeng"), ("海燕", "haiyan"), ("建国", "jianguo"),
    ("文博", "wenbo"), ("嘉欣", "jiaxin"), ("志强", "zhiqiang"), ("丽娟", "lijuan"), ("天佑", "tianyou"),
    ("若曦", "ruoxi"), ("明轩", "mingxuan"), ("诗涵", "shihan"), ("浩然", "haoran"), ("梦琪", "mengqi"),
)  # fmt: skip

EN_FIRST: tuple[str, ...] = (
    "Ana", "James", "Maria", "David", "Sarah", "Michael", "Emma", "Daniel", "Olivia", "Lucas",
    "Sofia", "Noah", "Chloe", "Liam", "Hannah", "Ethan", "Grace", "Jonas", "Lea", "Mateo",
    "Priya", "Arjun", "Fatima", "Omar", "Ingrid", "Lars", "Chiara", "Marco", "Zoe", "Samuel",
    "Aisha", "Tomás", "Renée", "Björn", "Nina", "Felix", "Amara", "Kofi", "Elena", "Pavel",
    "Julia", "Ben", "Clara", "Oscar", "Maya", "Leon", "Isabel", "Hugo", "Rosa", "Victor",
)  # fmt: skip

EN_LAST: tuple[str, ...] = (
    "Lopez", "Smith", "Garcia", "Müller", "Johnson", "Brown", "Schmidt", "Rossi", "Martin", "Nguyen",
    "Kim", "Patel", "Okafor", "Andersson", "Fischer", "Dubois", "Silva", "Kowalski", "O'Brien", "Novak",
    "Weber", "Jansen", "Costa", "Hughes", "Tanaka", "Ibrahim", "Larsen", "Moreau", "Bauer", "Walker",
    "Ramírez", "Young", "Becker", "Ferrari", "Clarke", "Hoffmann", "Santos", "Reyes", "Wright", "Popescu",
)  # fmt: skip


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class NameBook:
    """Draws display names and unique handles from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: dict[str, int] = {}

    def _unique(self, base: str) -> str:
        n = self._seen.get(base, 0) + 1
        self._seen[base] = n
        return base if n == 1 else f"{base}{n}"

    def chinese(self) -> tuple[str, str]:
        """A Chinese display name (surname first, no space) and its pinyin handle ``given.surname``."""
        surname, s_py = self._rng.choice(ZH_SURNAMES)
        given, g_py = self._rng.choice(ZH_GIVEN)
        return surname + given, self._unique(f"{g_py}.{s_py}")

    def english(self) -> tuple[str, str]:
        """An English display name and its ASCII handle ``first.last``."""
        first = self._rng.choice(EN_FIRST)
        last = self._rng.choice(EN_LAST)
        return f"{first} {last}", self._unique(f"{_ascii(first)}.{_ascii(last)}")
