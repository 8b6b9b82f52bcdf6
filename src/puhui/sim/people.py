"""Synthetic personal data for simulated customers: names, resident ID numbers (with a valid
check digit), mobile numbers, bank cards (with a valid Luhn digit) and addresses.

Deterministic per (seed, customer id) so the demo is reproducible; none of it belongs to a real
person. The ID numbers use the real format (region, birth date, sequence, ISO 7064 check digit) so
validation code is exercised, with region codes from a small fixed list.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from puhui.security.personal_data import Field

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力宁波晨阳雪梅琳"
    "鹏飞宇浩然欣怡子涵佳琪思远"
)
REGIONS = ("110101", "310104", "440305", "510107", "330106", "420106", "610113", "320106")
CITIES = ("北京市", "上海市", "深圳市", "成都市", "杭州市", "武汉市", "西安市", "南京市")
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平街", "长江路", "新华路", "光明街")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _id_number(rng: random.Random) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def _luhn_complete(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # doubled positions, counting from the digit before the check digit
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


def synthetic_person(seed: int, customer_id: int) -> dict[Field, str]:
    rng = random.Random(f"{seed}:{customer_id}")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    city = rng.randrange(len(CITIES))
    return {
        Field.NAME: name,
        Field.ID_NUMBER: _id_number(rng),
        Field.PHONE: f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}",
        Field.BANK_CARD: _luhn_complete(f"62{rng.randrange(0, 10**15):015d}"),
        Field.ADDRESS: f"{CITIES[city]}{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
    }
