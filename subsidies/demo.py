"""Demo data: the first regional batch of March 2024 (POLICY §1) — four centres with 9, 30, 15 and 18
researchers — plus one user per role. Everything goes through the scenario importer's services."""

import datetime as dt
import random

from registry.identifiers import uscc_check_char
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND
from talent.identity import resident_id_check_digit

DEMO_PASSWORD = "Demo-2024!"  # noqa: S105 - printed for local use only

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强"
GIVEN = (
    "伟 芳 娜 敏 静 磊 洋 勇 艳 杰 涛 明 超 秀兰 霞 平 刚 桂英 建华 文博 子涵 浩然 宇航 思远 欣怡 梓萱 俊杰 晓东 志强 海燕 "
    "雪梅 春华 国栋 立新 振宇 晨曦 嘉怡 天佑 一鸣 慧敏 雨桐 博文 泽宇 佳琪 明哲 若曦 宏伟 丽娟 建国 晓燕"
).split()
BIRTH_REGIONS = (
    "110101",
    "110108",
    "310115",
    "310104",
    "330106",
    "330108",
    "440305",
    "440304",
    "640104",
    "640106",
    "610113",
    "420111",
    "510107",
    "320102",
    "370102",
)

# (ref, uscc body, enterprise, enterprise division, centre name, city, centre division, kind, partner, researchers)
CENTRES = (
    (
        "LJ-HZ",
        "91640104MA76LJ002",
        "宁夏隆基宁光仪表股份有限公司",
        "640104",
        "隆基宁光杭州研发中心",
        "杭州",
        "330106",
        "independent",
        "",
        9,
    ),
    (
        "WL-SH",
        "91640106MA76WL001",
        "银川威力传动技术股份有限公司",
        "640106",
        "威力传动上海研发中心",
        "上海",
        "310115",
        "independent",
        "",
        30,
    ),
    (
        "GX-BJ",
        "91640181MA76GX003",
        "共享智能铸造产业创新中心有限公司",
        "640181",
        "共享智能铸造北京研发中心",
        "北京",
        "110108",
        "joint",
        "清华大学",
        15,
    ),
    (
        "CR-BJ",
        "91640105MA76CR004",
        "宁夏长燃智享新能源科技有限公司",
        "640105",
        "长燃智享北京研发中心",
        "北京",
        "110105",
        "independent",
        "",
        18,
    ),
)

USERS = (
    ("qiye_lj", "enterprise", "隆基宁光 · 王经理", "LJ-HZ"),
    ("qiye_wl", "enterprise", "威力传动 · 李经理", "WL-SH"),
    ("qiye_gx", "enterprise", "共享铸造 · 张经理", "GX-BJ"),
    ("qiye_cr", "enterprise", "长燃智享 · 赵经理", "CR-BJ"),
    ("shenhe_zzq", "regional_reviewer", "自治区科技厅 · 陈审核", None),
    ("shenhe_zzq2", "regional_reviewer", "自治区科技厅 · 周复审", None),
    ("shenhe_yc", "yinchuan_reviewer", "银川市科技局 · 刘审核", None),
    ("shenhe_yc2", "yinchuan_reviewer", "银川市科技局 · 吴复审", None),
    ("caiwu1", "finance", "财务 · 孙会计", None),
    ("caiwu2", "finance", "财务 · 钱复核", None),
    ("admin", "admin", "系统管理员", None),
)

# Approved yearly budgets (预算批复) for the demo years: (rule, year, amount in yuan, approval document).
# Plausible for four centres and about seventy researchers, not official figures.
BUDGETS = (
    (STIPEND, 2024, "1800000.00", "宁科发〔2024〕12号"),
    (STIPEND, 2025, "2600000.00", "宁科发〔2025〕9号"),
    (STIPEND, 2026, "2800000.00", "宁科发〔2026〕7号"),
    (RD_AWARD, 2025, "1200000.00", "银科发〔2025〕15号"),
    (RD_AWARD, 2026, "1500000.00", "银科发〔2026〕11号"),
    ("NX-FIRST", 2024, "2000000.00", "宁科发〔2024〕12号"),
    ("NX-FIRST", 2025, "1500000.00", "宁科发〔2025〕9号"),
)


# a researcher's degree by the draw `roll` (below the first share that exceeds it): level, award years (range),
# award day, key discipline (None: not said), institution (several: one is drawn)
DEGREES = (
    (0.45, "doctorate", (2012, 2024), "07-01", None, ("浙江大学", "上海交通大学", "清华大学", "北京理工大学")),
    (0.75, "master", (2010, 2023), "06-30", True, ("西安交通大学", "华中科技大学", "哈尔滨工业大学")),
    (0.9, "master", (2010, 2023), "06-30", False, ("宁夏大学",)),
    (1.0, "bachelor", (2008, 2020), "06-30", None, ("北方民族大学",)),
)


def _degree(rng: random.Random, roll: float) -> dict:
    """The demo degree for a draw in [0, 1) (DEGREES); the generator is asked for the year, then for the
    institution only where there is a choice, so a seed gives the same people as it always has."""
    _, level, years, day, key_discipline, institutions = next(row for row in DEGREES if roll < row[0])
    degree = {"level": level, "full_time": True}
    if key_discipline is not None:
        degree["key_discipline"] = key_discipline
    degree["awarded_on"] = f"{rng.randrange(*years)}-{day}"
    degree["institution"] = rng.choice(institutions) if len(institutions) > 1 else institutions[0]
    return degree


def uscc(body: str) -> str:
    return body + uscc_check_char(body)


def resident_id(rng: random.Random, used: set) -> str:
    while True:
        born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(0, 8400))
        body = f"{rng.choice(BIRTH_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = body + resident_id_check_digit(body)
        if number not in used:
            used.add(number)
            return number


def scenario(seed: int = 2024) -> dict:
    rng = random.Random(seed)
    used: set = set()
    enterprises, centres, researchers, contracts = [], [], [], []
    for ref, body, ent_name, ent_div, name, city, div, kind, partner, n in CENTRES:
        code = uscc(body)
        enterprises.append(
            {
                "uscc": code,
                "name": ent_name,
                "division_code": ent_div,
                "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "bank_name": "中国银行银川分行",
                "bank_account": f"1071{rng.randrange(10**11, 10**12)}",
                "bank_cnaps": "104871000018",  # the branch's 联行号 (CNAPS), which the bank files carry
            }
        )
        filings = [{"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None}]
        if ent_div.startswith("6401"):
            filings.append(
                {"level": "yinchuan", "status": "approved", "effective_from": "2024-01-01", "effective_to": None}
            )
        centres.append(
            {
                "ref": ref,
                "enterprise": code,
                "name": name,
                "city": city,
                "division_code": div,
                "kind": kind,
                "partner_institution": partner,
                "headcount": n,
                "address": f"{city}市{rng.choice(['科技园', '创新大厦', '高新区研发楼'])}{rng.randrange(1, 30)}号",
                "established_on": "2023-11-01",
                "rd_fields": "智能制造、新能源、精密仪表",
                "filings": filings,
            }
        )
        for i in range(n):
            number = resident_id(rng, used)
            roll = rng.random()
            degrees = [_degree(rng, roll)]
            researchers.append(
                {
                    "id_type": "resident_id",
                    "id_number": number,
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "degrees": degrees,
                }
            )
            start = dt.date(2024, rng.choice([3, 3, 3, 4, 5, 7]), rng.choice([1, 1, 1, 15]))
            years = rng.choice([5, 5, 5, 5, 6, 3])  # a few three-year contracts do not qualify
            end = None if i % 11 == 5 else (start.replace(year=start.year + years) - dt.timedelta(days=1))
            contracts.append(
                {
                    "researcher": number,
                    "centre": ref,
                    "full_time": i % 13 != 7,
                    "start": start.isoformat(),
                    "end": end.isoformat() if end else None,
                    "terminated_on": None,
                }
            )
    declarations = [
        {"centre": c[0], "year": 2024, "verified_amount": amount}
        for c, amount in zip(CENTRES, ("2800000.00", "7350000.00", "1960000.00", "4120000.00"), strict=True)
        if c[3].startswith("6401")
    ]
    return {
        "enterprises": enterprises,
        "centres": centres,
        "researchers": researchers,
        "contracts": contracts,
        "rd_declarations": declarations,
    }
