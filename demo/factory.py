"""The demo factory: customers, parts, staff, portal users and a few hundred orders with their timelines.

``load_demo`` builds the small factory that ``litestar demo load`` (and ``make run``) puts in an empty
database. The generators below it (``customer_specs``, ``product_specs``, ``staff_specs``,
``create_world``, ``generate_orders``) are also what ``bench/generate.py`` uses to build a year of a
real factory (140k orders and more), so they build plain rows in Python and insert them with Core
``executemany`` in batches; nothing here goes through the ORM unit of work, and nothing commits.

Times are planned as naive Asia/Shanghai wall-clock times (work happens in office hours there) and
converted to UTC when the rows are built.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate, islice
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy import Sequence as DbSequence
from sqlalchemy.ext.asyncio import AsyncSession

from demo.annotations import load_demo_annotations
from demo.api import DEMO_TOKEN, ensure_demo_api_client
from demo.changes import load_change_demo
from demo.promise import load_promise_demo
from demo.quality import load_quality_demo
from demo.service import load_service_demo
from domain.base import SHANGHAI, utcnow
from domain.catalog.models import Product
from domain.orders.lifecycle import HOLDABLE, MAIN_PATH, TRANSITIONS, Status
from domain.orders.models import NumberSequence, OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.numbering import ensure_at_least
from domain.parties.auth import hash_password
from domain.parties.models import Customer, CustomerUser, StaffUser
from domain.parties.roles import CustomerRole, StaffRole
from domain.production.models import RoutingOperation, WorkCenter

__all__ = [
    "BENCH_EXTRA_STAFF",
    "DEMO_CUSTOMERS",
    "DEMO_PASSWORD",
    "DEMO_STAFF",
    "DEMO_TEAM_LEADS",
    "DEMO_URL",
    "DEMO_WORK_CENTERS",
    "ActorRef",
    "CustomerRef",
    "CustomerSpec",
    "GenerationStats",
    "OrderPlan",
    "ProductRef",
    "ProductSpec",
    "StaffDirectory",
    "StaffSpec",
    "World",
    "create_shop_floor",
    "create_world",
    "customer_specs",
    "demo_present",
    "ensure_every_status",
    "generate_orders",
    "load_demo",
    "plan_orders",
    "print_logins",
    "product_specs",
    "routing_rows",
    "staff_specs",
]

DEMO_PASSWORD = "orderpulse"  # noqa: S105  (demo data only, printed on purpose)
DEMO_URL = "http://127.0.0.1:8000"
DEMO_SEED = 2026
DEMO_DAYS = 90

S = Status
R = StaffRole
CENT = Decimal("0.01")
PRICE_STEP = Decimal("0.0001")
CNY = "CNY"
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# ---------------------------------------------------------------------------------------------------------
# Who works here and who buys here
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class CustomerUserSpec:
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class CustomerSpec:
    code: str
    name: str
    po_prefix: str  # how the customer's own purchase orders are numbered: PO-TP-2026-0412
    credit_limit: Decimal
    payment_terms_days: int
    users: tuple[CustomerUserSpec, ...] = ()
    contract_tax_rate: Decimal = Decimal("0.13")


DEMO_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("admin", "王建国", (R.ADMIN.value,)),
    StaffSpec("sales", "李娜", (R.SALES.value,)),
    StaffSpec("salesmgr", "张伟", (R.SALES_MANAGER.value,)),
    StaffSpec("cs", "刘芳", (R.CUSTOMER_SERVICE.value,)),
    StaffSpec("pmc", "陈强", (R.PMC.value,)),
    StaffSpec("warehouse", "杨洋", (R.WAREHOUSE.value,)),
    StaffSpec("qc", "赵敏", (R.QC.value,)),
    StaffSpec("logistics", "黄涛", (R.LOGISTICS.value,)),
    StaffSpec("billing", "周静", (R.BILLING.value,)),
    StaffSpec("aftersales", "吴昊", (R.AFTER_SALES.value,)),
)

_BUYER, _QE = CustomerRole.BUYER.value, CustomerRole.QC_ENGINEER.value

DEMO_CUSTOMERS: tuple[CustomerSpec, ...] = (
    CustomerSpec(
        "C001", "宁波拓鹏汽车部件有限公司", "TP", Decimal("8000000.00"), 90,
        (CustomerUserSpec("c001-buyer", "孙丽", _BUYER), CustomerUserSpec("c001-qe", "马骏", _QE)),
    ),
    CustomerSpec(
        "C002", "芜湖瑞驰底盘系统有限公司", "RC", Decimal("5000000.00"), 60,
        (CustomerUserSpec("c002-buyer", "胡晓燕", _BUYER), CustomerUserSpec("c002-qe", "郭鹏", _QE)),
    ),
    CustomerSpec(
        "C003", "长春华晟制动系统有限公司", "HS", Decimal("3000000.00"), 60,
        (CustomerUserSpec("c003-buyer", "何静", _BUYER), CustomerUserSpec("c003-qe", "林海峰", _QE)),
    ),
)  # fmt: skip

ROLE_LABELS: dict[str, str] = {
    R.ADMIN: "系统管理员",
    R.SALES: "销售代表",
    R.SALES_MANAGER: "销售经理",
    R.CUSTOMER_SERVICE: "客服",
    R.PMC: "生产计划",
    R.WAREHOUSE: "仓库",
    R.QC: "质检",
    R.LOGISTICS: "物流",
    R.BILLING: "财务开票",
    R.AFTER_SALES: "售后",
    CustomerRole.BUYER: "采购",
    CustomerRole.QC_ENGINEER: "质量工程师",
}

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文博", "雪梅", "俊杰", "佳怡",
    "子轩", "欣怡", "浩然", "雨涵", "宇航", "梓涵", "国庆", "红梅", "立新", "春燕", "建军", "晓峰",
)  # fmt: skip

# Extra people per role at the size of the real factory (the demo has one of each).
BENCH_EXTRA_STAFF: Mapping[str, int] = {
    R.SALES: 11, R.SALES_MANAGER: 1, R.CUSTOMER_SERVICE: 4, R.PMC: 3, R.WAREHOUSE: 3,
    R.QC: 4, R.LOGISTICS: 2, R.BILLING: 2, R.AFTER_SALES: 2,
}  # fmt: skip
_USERNAME_STEM = {
    R.SALES: "sales", R.SALES_MANAGER: "salesmgr", R.CUSTOMER_SERVICE: "cs", R.PMC: "pmc",
    R.WAREHOUSE: "warehouse", R.QC: "qc", R.LOGISTICS: "logistics", R.BILLING: "billing",
    R.AFTER_SALES: "aftersales", R.ADMIN: "admin",
}  # fmt: skip


def _person(rng: random.Random, taken: set[str]) -> str:
    for _ in range(1000):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in taken:
            taken.add(name)
            return name
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + str(len(taken))
    taken.add(name)
    return name


def staff_specs(rng: random.Random, *, extra_per_role: Mapping[str, int] | None = None) -> list[StaffSpec]:
    """The ten demo accounts, plus ``extra_per_role`` more people per role (``sales02``, ``sales03``…)."""
    specs = list(DEMO_STAFF)
    taken = {s.display_name for s in specs}
    for role, extra in (extra_per_role or {}).items():
        stem = _USERNAME_STEM[role]
        for n in range(2, extra + 2):
            specs.append(StaffSpec(f"{stem}{n:02d}", _person(rng, taken), (str(role),)))
    return specs


_CITIES = (
    "宁波", "芜湖", "柳州", "长春", "重庆", "襄阳", "十堰", "武汉", "苏州", "无锡", "常州", "台州", "温州",
    "合肥", "天津", "青岛", "烟台", "成都", "广州", "佛山", "东莞", "上海", "杭州", "嘉兴", "绍兴", "昆山",
    "保定", "沈阳", "西安", "南昌", "株洲", "湖州", "泉州", "廊坊",
)  # fmt: skip
_BRANDS = (
    ("恒拓", "HT"), ("博远", "BY"), ("金固", "JG"), ("精诚", "JC"), ("联创", "LC"), ("华域", "HY"),
    ("凯越", "KY"), ("汇众", "HZ"), ("力达", "LD"), ("鼎力", "DL"), ("远航", "YH"), ("中鼎", "ZD"),
    ("永昌", "YC"), ("宏达", "HD"), ("天润", "TR"), ("瑞丰", "RF"), ("三联", "SL"), ("万向", "WX"),
    ("德翔", "DX"), ("嘉诚", "JC"), ("国盛", "GS"), ("新泉", "XQ"), ("众联", "ZL"), ("安捷", "AJ"),
    ("明阳", "MY"), ("正和", "ZH"), ("信达", "XD"), ("东昊", "DH"), ("富临", "FL"), ("世宝", "SB"),
    ("银轮", "YL"), ("长鹰", "CY"), ("美驰", "MC"), ("立中", "LZ"), ("泰诺", "TN"), ("协众", "XZ"),
)  # fmt: skip
_TRADES = (
    "汽车部件有限公司", "底盘系统有限公司", "制动系统有限公司", "汽车零部件股份有限公司", "动力总成有限公司",
    "转向系统有限公司", "传动科技有限公司", "汽车电子有限公司", "悬架系统有限公司", "热管理系统有限公司",
)  # fmt: skip


def customer_specs(rng: random.Random, count: int) -> list[CustomerSpec]:
    """C001..C003 (the demo customers, with their portal users), then invented Tier-1s up to ``count``.
    Every generated customer gets a buyer and a QC engineer too (``c004-buyer``, ``c004-qe``…)."""
    specs = list(DEMO_CUSTOMERS[:count])
    names = {s.name for s in specs}
    people = {u.display_name for s in specs for u in s.users}
    prefixes = Counter(s.po_prefix for s in specs)
    n = len(specs)
    while n < count:
        n += 1
        brand, initials = rng.choice(_BRANDS)
        name = f"{rng.choice(_CITIES)}{brand}{rng.choice(_TRADES)}"
        if name in names:
            n -= 1
            continue
        names.add(name)
        prefixes[initials] += 1
        prefix = initials if prefixes[initials] == 1 else f"{initials}{prefixes[initials]}"
        code = f"C{n:03d}"
        users = (
            CustomerUserSpec(f"{code.lower()}-buyer", _person(rng, people), _BUYER),
            CustomerUserSpec(f"{code.lower()}-qe", _person(rng, people), _QE),
        )
        credit = Decimal(rng.choice((500, 800, 1000, 1500, 2000, 3000, 5000))) * 1000
        terms = rng.choice((30, 60, 60, 90, 90, 120))
        specs.append(CustomerSpec(code, name, prefix, credit.quantize(CENT), terms, users))
    return specs


# ---------------------------------------------------------------------------------------------------------
# What the factory makes
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSpec:
    part_no: str
    name: str
    spec: str
    unit_price: Decimal
    lots: tuple[int, ...]  # typical call-off quantities for this part
    unit: str = "件"
    tax_rate: Decimal = Decimal("0.13")


def _d(rng: random.Random, *choices: int) -> int:
    return rng.choice(choices)


def _bracket(r: random.Random) -> str:
    return f"QT450-10 球墨铸铁 孔距{_d(r, 88, 92, 96, 102, 108, 112)}mm 机加工"


def _shaft(r: random.Random) -> str:
    return f"Ø{_d(r, 20, 25, 28, 32, 35, 40, 45)}×{_d(r, 85, 120, 160, 210, 245, 280)} 40Cr 调质"


def _bushing(r: random.Random) -> str:
    d = _d(r, 12, 16, 20, 25, 30)
    material = r.choice(("CuSn8", "CuZn25Al5", "20# 钢 渗碳"))
    return f"Ø{d}×Ø{d + _d(r, 4, 6, 8)}×{_d(r, 15, 20, 25, 30)} {material}"


def _flange(r: random.Random) -> str:
    return f"Ø{_d(r, 60, 76, 89, 102, 120)} 厚{_d(r, 8, 10, 12, 16)} 45# 正火 镀锌"


def _piston(r: random.Random) -> str:
    finish = r.choice(("S45C 镀铬", "A356-T6 阳极氧化", "酚醛树脂"))
    return f"Ø{_d(r, 38, 42, 45, 48, 51, 54, 57, 60)}×{_d(r, 38, 42, 45, 50)} {finish}"


def _valve_body(r: random.Random) -> str:
    return f"ADC12 压铸 精加工 气密{_d(r, 3, 5, 6)}bar 保压"


def _gear(r: random.Random) -> str:
    return f"m{r.choice(('1.5', '2', '2.5', '3'))} z{_d(r, 17, 23, 29, 36, 41, 53)} 20CrMnTi 渗碳淬火"


def _pin(r: random.Random) -> str:
    return f"Ø{_d(r, 8, 10, 12, 14, 16)}×{_d(r, 32, 40, 48, 56, 64)} 45# 高频淬火 HRC50-55"


def _knuckle(r: random.Random) -> str:
    return f"QT500-7 球墨铸铁 机加工 {r.choice(('左', '右'))}件"


def _hub(r: random.Random) -> str:
    return f"55# 锻件 中频淬火 PCD{_d(r, 100, 108, 114, 120)}"


def _sleeve(r: random.Random) -> str:
    return f"Ø{_d(r, 30, 36, 42, 48, 55)} 20CrMnTi 渗碳淬火 磨齿"


def _stamping(r: random.Random) -> str:
    return f"{r.choice(('Q235', 'SPHC', 'B340LA'))} 冲压焊接 电泳黑 t{r.choice(('2.0', '2.5', '3.0', '4.0'))}"


def _fitting(r: random.Random) -> str:
    return f"M{_d(r, 10, 12, 14, 16)}×1.5 HPb59-1 黄铜 镀镍"


def _spacer(r: random.Random) -> str:
    d = _d(r, 10, 12, 16, 20, 25)
    return f"Ø{d}×Ø{d + _d(r, 6, 10, 14)}×{r.choice(('1.0', '1.5', '2.0', '3.0'))} 65Mn 淬火"


# (part-number family, names, spec maker, price range in CNY)
_FAMILIES: tuple[tuple[str, tuple[str, ...], Callable[[random.Random], str], tuple[float, float]], ...] = (
    ("BC", ("制动钳支架", "前制动钳支架", "后制动钳支架"), _bracket, (28, 95)),
    ("SH", ("传动轴", "输出轴", "输入轴", "中间轴", "花键轴"), _shaft, (18, 160)),
    ("BU", ("衬套", "导向衬套", "摆臂衬套", "铜衬套"), _bushing, (0.8, 12)),
    ("FL", ("法兰", "连接法兰", "输出法兰", "驱动法兰"), _flange, (12, 85)),
    ("PS", ("制动活塞", "卡钳活塞", "主缸活塞"), _piston, (6, 38)),
    ("VB", ("阀体", "电磁阀阀体", "ABS 阀体", "调压阀体"), _valve_body, (35, 220)),
    ("GR", ("齿轮", "行星齿轮", "太阳轮", "同步齿轮"), _gear, (22, 180)),
    ("PN", ("销轴", "导向销", "定位销", "球销"), _pin, (1.2, 9)),
    ("KN", ("转向节", "前转向节", "后转向节"), _knuckle, (95, 360)),
    ("HB", ("轮毂轴承座", "轮毂法兰", "轮毂单元壳体"), _hub, (60, 240)),
    ("SL", ("花键套", "滑动套", "同步器齿套"), _sleeve, (15, 90)),
    ("BK", ("发动机悬置支架", "排气管支架", "减震器支架", "线束支架"), _stamping, (4, 45)),
    ("PC", ("管接头", "油管接头", "快插接头"), _fitting, (1.5, 14)),
    ("SP", ("隔套", "调整垫片", "止推垫圈"), _spacer, (0.3, 6)),
)


def _lots(price: Decimal) -> tuple[int, ...]:
    if price < 5:
        return (1000, 2000, 3000, 5000, 8000, 10000)
    if price < 30:
        return (200, 300, 500, 800, 1000, 1500, 2000)
    if price < 120:
        return (50, 100, 150, 200, 300, 500)
    return (20, 30, 50, 60, 100, 150)


def product_specs(rng: random.Random, count: int) -> list[ProductSpec]:
    """``count`` precision parts across the families, numbered HR-<family>-1001, -1002…"""
    specs: list[ProductSpec] = []
    per_family: Counter[str] = Counter()
    for i in range(count):
        family, names, spec, (lo, hi) = _FAMILIES[i % len(_FAMILIES)]
        per_family[family] += 1
        # Log-uniform: many cheap variants, a few expensive ones.
        price = lo * (hi / lo) ** rng.random()
        unit_price = Decimal(f"{price:.2f}" if price >= 10 else f"{price:.4f}").quantize(PRICE_STEP)
        specs.append(
            ProductSpec(
                part_no=f"HR-{family}-{1000 + per_family[family]}",
                name=rng.choice(names),
                spec=spec(rng),
                unit_price=unit_price,
                lots=_lots(unit_price),
            )
        )
    return specs


# ---------------------------------------------------------------------------------------------------------
# How the factory makes it: work centers, their calendars, routings
# ---------------------------------------------------------------------------------------------------------

# Team leads of the shop floor. There is no team-lead role yet; they sign in as production planners
# (pmc), the role closest to the shop floor. They are not added to the order flow's staff directory.
DEMO_TEAM_LEADS: tuple[StaffSpec, ...] = (
    StaffSpec("lead-turning", "钱志刚", (R.PMC.value,)),
    StaffSpec("lead-milling", "蒋立新", (R.PMC.value,)),
    StaffSpec("lead-heat", "曹建军", (R.PMC.value,)),
    StaffSpec("lead-grinding", "邓晓峰", (R.PMC.value,)),
    StaffSpec("lead-finishing", "彭春燕", (R.PMC.value,)),
    StaffSpec("lead-inspection", "苏红梅", (R.PMC.value,)),
)

# China's public holidays (国务院办公厅 notice for 2026), the 调休 weekend days worked to bridge them,
# and for 2027 the statutory days only (the bridging for 2027 is not published yet).
_HOLIDAYS_2026 = (
    "2026-01-01", "2026-01-02", "2026-01-03",  # 元旦
    *(f"2026-02-{d}" for d in range(15, 24)),  # 春节 2.15–2.23
    "2026-04-04", "2026-04-05", "2026-04-06",  # 清明
    "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",  # 劳动节
    "2026-06-19", "2026-06-20", "2026-06-21",  # 端午
    "2026-09-25", "2026-09-26", "2026-09-27",  # 中秋
    *(f"2026-10-0{d}" for d in range(1, 8)),  # 国庆
)  # fmt: skip
_MAKE_UP_2026 = ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")
_HOLIDAYS_2027 = (
    "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
    "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03",
)  # fmt: skip
_HOLIDAYS = sorted({*_HOLIDAYS_2026, *_HOLIDAYS_2027})
_MON_SAT = [0, 1, 2, 3, 4, 5]
# 白班 08:00–16:30 and 中班 16:30–00:30, each with a half-hour meal break.
_TWO_SHIFTS = [["08:00", "12:00"], ["12:30", "16:30"], ["16:30", "20:30"], ["21:00", "00:30"]]
_DAY_SHIFT = [["08:00", "12:00"], ["13:00", "17:00"]]


def _calendar(shifts: list[list[str]], workdays: list[int] = _MON_SAT) -> dict[str, Any]:
    return {
        "shifts": shifts,
        "workdays": workdays,
        "holidays": _HOLIDAYS,
        "extra_workdays": list(_MAKE_UP_2026),
    }


@dataclass(frozen=True)
class WorkCenterSpec:
    code: str
    name: str
    lead: str  # username
    machines: int
    calendar: dict[str, Any]
    stage_zh: str  # what the customer sees for an operation here
    stage_en: str
    setup_min: int
    run_min: float  # per unit, for a mid-sized part
    is_key: bool = False


DEMO_WORK_CENTERS: tuple[WorkCenterSpec, ...] = (
    WorkCenterSpec("TURN", "车削 CNC 车床组", "lead-turning", 6, _calendar(_TWO_SHIFTS), "车加工", "Turning", 45, 2.5),
    WorkCenterSpec("MILL", "铣削 加工中心", "lead-milling", 4, _calendar(_TWO_SHIFTS), "铣加工", "Milling", 60, 4.0),
    WorkCenterSpec("DRILL", "钻孔 攻丝", "lead-turning", 3, _calendar(_TWO_SHIFTS), "钻孔攻丝", "Drilling & tapping", 30, 1.2),
    WorkCenterSpec("HEAT", "热处理 网带炉", "lead-heat", 2, _calendar([["00:00", "00:00"]], [0, 1, 2, 3, 4, 5, 6]),
                   "热处理", "Heat treatment", 90, 0.15, is_key=True),
    WorkCenterSpec("GRIND", "磨削 外圆磨 / 平面磨", "lead-grinding", 3, _calendar(_TWO_SHIFTS), "精加工", "Finishing", 40, 3.0),
    WorkCenterSpec("DEBUR", "去毛刺", "lead-finishing", 2, _calendar(_DAY_SHIFT), "去毛刺", "Deburring", 10, 0.6),
    WorkCenterSpec("SURF", "表面处理 (镀锌 / 氧化 / 电泳)", "lead-finishing", 1, _calendar(_DAY_SHIFT),
                   "表面处理", "Surface treatment", 60, 0.2),
    WorkCenterSpec("CLEAN", "清洗 超声波清洗线", "lead-finishing", 1, _calendar(_DAY_SHIFT), "清洗", "Cleaning", 15, 0.1),
    WorkCenterSpec("INSP", "检验 终检 / 三坐标", "lead-inspection", 2, _calendar(_DAY_SHIFT),
                   "终检", "Final inspection", 20, 0.5, is_key=True),
    WorkCenterSpec("PACK", "包装 防锈包装", "lead-finishing", 2, _calendar(_DAY_SHIFT), "包装", "Packing", 10, 0.15),
)  # fmt: skip

# The routing of each part family (the part number's middle segment), in order.
_ROUTES: Mapping[str, tuple[str, ...]] = {
    "BC": ("MILL", "DRILL", "DEBUR", "INSP", "PACK"),
    "SH": ("TURN", "HEAT", "GRIND", "INSP", "PACK"),
    "BU": ("TURN", "DEBUR", "CLEAN", "INSP", "PACK"),
    "FL": ("TURN", "DRILL", "SURF", "INSP", "PACK"),
    "PS": ("TURN", "GRIND", "SURF", "INSP", "PACK"),
    "VB": ("MILL", "DRILL", "DEBUR", "CLEAN", "INSP", "PACK"),
    "GR": ("TURN", "MILL", "HEAT", "GRIND", "INSP", "PACK"),
    "PN": ("TURN", "HEAT", "GRIND", "INSP", "PACK"),
    "KN": ("MILL", "DRILL", "DEBUR", "INSP", "PACK"),
    "HB": ("TURN", "DRILL", "HEAT", "GRIND", "INSP", "PACK"),
    "SL": ("TURN", "MILL", "HEAT", "GRIND", "INSP", "PACK"),
    "BK": ("DRILL", "DEBUR", "SURF", "INSP", "PACK"),
    "PC": ("TURN", "DRILL", "SURF", "INSP", "PACK"),
    "SP": ("TURN", "HEAT", "INSP", "PACK"),
}
_DEFAULT_ROUTE = ("TURN", "DEBUR", "INSP", "PACK")


def routing_rows(
    part_no: str, unit_price: Decimal, work_center_ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The routing of one part as rows (without product id and timestamps): minutes scale with the
    part's size, read from its price, with a little per-part variation that is the same every run."""
    family = part_no.split("-")[1] if part_no.count("-") >= 2 else ""
    route = _ROUTES.get(family, _DEFAULT_ROUTE)
    rng = random.Random(part_no)  # deterministic, and leaves the order generator's random stream alone
    size = min(3.0, max(0.3, (float(unit_price) / 25) ** 0.35))
    centers = {w.code: w for w in DEMO_WORK_CENTERS}
    rows = []
    for i, code in enumerate(route, start=1):
        wc = centers[code]
        jitter = rng.uniform(0.8, 1.25)
        rows.append(
            {
                "seq": i * 10,
                "work_center_id": work_center_ids[code],
                "setup_min": Decimal(round(wc.setup_min * rng.uniform(0.8, 1.3))).quantize(CENT),
                "run_min_per_unit": Decimal(f"{wc.run_min * size * jitter:.4f}"),
                "is_key": wc.is_key,
                "stage_name_zh": wc.stage_zh,
                "stage_name_en": wc.stage_en,
            }
        )
    return rows


async def create_shop_floor(
    session: AsyncSession,
    *,
    products: Mapping[str, tuple[int, Decimal]],
    password_hash: str,
    since: dt.datetime,
) -> dict[str, int]:
    """Insert the team leads and work centers that are not there yet, and a routing for every product
    in ``products`` (part no → (id, unit price)) that has none. Answers work-center code → id."""
    stamp = {"created_at": since, "updated_at": since}
    lead_ids = await _insert_missing(
        session,
        StaffUser.__table__,
        "username",
        [{"username": s.username, "display_name": s.display_name, "roles": list(s.roles),
          "password_hash": password_hash, "active": True, **stamp} for s in DEMO_TEAM_LEADS],
    )  # fmt: skip
    center_ids = await _insert_missing(
        session,
        WorkCenter.__table__,
        "code",
        [{"code": w.code, "name": w.name, "team_lead_id": lead_ids[w.lead], "machines": w.machines,
          "calendar": w.calendar, "active": True, **stamp} for w in DEMO_WORK_CENTERS],
    )  # fmt: skip
    routed: set[int] = set()
    table = RoutingOperation.__table__
    for chunk in _chunks([pid for pid, _ in products.values()], 500):
        result = await session.execute(
            select(table.c.product_id).where(table.c.product_id.in_(chunk)).distinct()
        )
        routed.update(result.scalars())
    rows = [
        {"product_id": pid, **row, **stamp}
        for part_no, (pid, price) in products.items()
        if pid not in routed
        for row in routing_rows(part_no, price, center_ids)
    ]
    for chunk in _chunks(rows, 5000):
        await session.execute(insert(table), chunk)
    return center_ids


# ---------------------------------------------------------------------------------------------------------
# The world as rows in the database
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorRef:
    kind: str  # staff | customer | system
    id: int | None
    name: str


@dataclass(frozen=True)
class ProductRef:
    id: int
    unit_price: Decimal
    lots: tuple[int, ...]


@dataclass
class CustomerRef:
    id: int
    code: str
    po_prefix: str
    tax_rate: Decimal
    weight: float  # share of the order flow
    transit_days: int  # truck from the factory to the customer's dock
    rep: ActorRef  # the account's sales rep
    buyer: ActorRef | None  # who places portal orders
    portfolio: list[ProductRef]  # the parts this customer buys


@dataclass
class StaffDirectory:
    by_role: dict[str, list[ActorRef]]

    def pick(self, rng: random.Random, role: str) -> ActorRef:
        people = self.by_role.get(role) or self.by_role[R.ADMIN]
        return people[0] if len(people) == 1 else rng.choice(people)


@dataclass
class World:
    customers: list[CustomerRef]
    products: list[ProductRef]
    staff: StaffDirectory


async def _insert_missing(
    session: AsyncSession, table: Table, key: str, rows: Sequence[dict[str, Any]], *, batch: int = 500
) -> dict[str, int]:
    """Insert the rows whose ``key`` is not there yet; answer key → id for all of them."""
    column = table.c[key]
    keys = [r[key] for r in rows]
    ids: dict[str, int] = {}
    for chunk in _chunks(keys, batch):
        result = await session.execute(select(column, table.c.id).where(column.in_(chunk)))
        ids.update({k: i for k, i in result.tuples()})
    missing = [r for r in rows if r[key] not in ids]
    for chunk in _chunks(missing, batch):
        await session.execute(insert(table), chunk)
    for chunk in _chunks([r[key] for r in missing], batch):
        result = await session.execute(select(column, table.c.id).where(column.in_(chunk)))
        ids.update({k: i for k, i in result.tuples()})
    return ids


async def create_world(
    session: AsyncSession,
    *,
    rng: random.Random,
    customers: Sequence[CustomerSpec],
    products: Sequence[ProductSpec],
    staff: Sequence[StaffSpec],
    password_hash: str,
    since: dt.datetime,
) -> World:
    """Insert customers, their portal users, products and staff (those not there yet, by their unique
    key), the shop floor (team leads, work centers, a routing per product: ``create_shop_floor``), and
    answer the references the order generator needs. ``since`` is when they were created."""
    stamp = {"created_at": since, "updated_at": since, "active": True}
    staff_ids = await _insert_missing(
        session,
        StaffUser.__table__,
        "username",
        [{"username": s.username, "display_name": s.display_name, "roles": list(s.roles),
          "password_hash": password_hash, **stamp} for s in staff],
    )  # fmt: skip
    by_role: dict[str, list[ActorRef]] = {}
    for s in staff:
        for role in s.roles:
            by_role.setdefault(role, []).append(ActorRef("staff", staff_ids[s.username], s.display_name))

    customer_ids = await _insert_missing(
        session,
        Customer.__table__,
        "code",
        [{"code": c.code, "name": c.name, "credit_limit": c.credit_limit,
          "payment_terms_days": c.payment_terms_days, "contract_tax_rate": c.contract_tax_rate, **stamp}
         for c in customers],
    )  # fmt: skip
    user_ids = await _insert_missing(
        session,
        CustomerUser.__table__,
        "username",
        [{"customer_id": customer_ids[c.code], "username": u.username, "display_name": u.display_name,
          "role": u.role, "password_hash": password_hash, **stamp} for c in customers for u in c.users],
    )  # fmt: skip
    product_ids = await _insert_missing(
        session,
        Product.__table__,
        "part_no",
        [{"part_no": p.part_no, "name": p.name, "spec": p.spec, "unit": p.unit, "unit_price": p.unit_price,
          "tax_rate": p.tax_rate, **stamp} for p in products],
    )  # fmt: skip
    product_refs = [ProductRef(product_ids[p.part_no], p.unit_price, p.lots) for p in products]
    await create_shop_floor(
        session,
        products={p.part_no: (product_ids[p.part_no], p.unit_price) for p in products},
        password_hash=password_hash,
        since=since,
    )

    staff_dir = StaffDirectory(by_role)
    refs: list[CustomerRef] = []
    n = len(product_refs)
    for rank, c in enumerate(customers):
        buyer = next((u for u in c.users if u.role == _BUYER), None)
        size = rng.randint(min(n, 14), min(n, max(24, n // 10)))
        refs.append(
            CustomerRef(
                id=customer_ids[c.code],
                code=c.code,
                po_prefix=c.po_prefix,
                tax_rate=c.contract_tax_rate,
                weight=1 / (rank + 1) ** 0.7,  # a few big accounts, a long tail
                transit_days=rng.choice((1, 1, 2, 2, 3)),
                rep=staff_dir.pick(rng, R.SALES),
                buyer=ActorRef("customer", user_ids[buyer.username], buyer.display_name) if buyer else None,
                portfolio=rng.sample(product_refs, size),
            )
        )
    return World(refs, product_refs, staff_dir)


# ---------------------------------------------------------------------------------------------------------
# Orders: planned as timelines in Python, then turned into rows
# ---------------------------------------------------------------------------------------------------------

_CHANNELS = ("quick_entry", "excel", "api", "dingtalk", "portal")
_CHANNEL_CUM = tuple(accumulate((62, 14, 10, 8, 6)))
_LINE_COUNTS = (1, 2, 3, 4, 5, 6)
_LINE_CUM = tuple(accumulate((16, 17, 17, 17, 17, 16)))
_LEAD_DAYS = (14, 21, 28, 30, 35, 42, 45, 60)
_LEAD_CUM = tuple(accumulate((8, 14, 20, 16, 12, 12, 10, 8)))
_DAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.95, 0.3, 0.08)  # Monday … Sunday

_SPECIAL = (
    "随货附出厂检验报告及材质证明",
    "包装：防锈油 + VCI 袋，每箱不超过 20 kg",
    "首批按 PPAP 要求提供全尺寸检验报告",
    "托盘 1200×1000，贴客户条码标签",
    "分两批交货，首批 50%",
    "需提供 RoHS / REACH 符合性声明",
    "螺纹孔加保护塞，防止磕碰",
    "按图纸 C 版执行，旧版库存不得发货",
    "送货前一天电话通知客户仓库",
    "发货单注明客户物料号",
    "热处理炉批号需可追溯",
    "外观件，不得有划伤、锈斑",
)
_HOLD_REASONS = (
    "客户信用额度超限，等待回款",
    "等待客户确认图纸变更",
    "原材料 40Cr 棒料到货延迟",
    "客户要求暂停生产，等待新车型排产",
    "模具维修，预计一周",
    "客户 PPAP 未批准，暂停量产",
)
_CANCEL_REASONS = (
    "客户项目延期，取消本次订单",
    "客户重复下单，作废",
    "图纸版本变更，按新版本重新下单",
    "车型停产，客户取消需求",
    "客户改为寄售模式，原订单取消",
)
_QC_NOTES = ("全尺寸检验合格", "首件检验合格，批量抽检 AQL 0.65 合格", "盐雾试验 48h 合格", "硬度抽检合格")
_CARRIERS = (("顺丰快运", "SF"), ("德邦物流", "DPK"), ("安能物流", "AN"), ("中通快运", "ZTK"))

# The least time each step takes after the one before it.
_MIN_GAP: Mapping[str, dt.timedelta] = {
    "submit": 3 * MINUTE, "confirm": 20 * MINUTE, "start_production": 2 * HOUR, "send_to_qc": DAY,
    "pass_qc": 2 * HOUR, "start_picking": HOUR, "ship": HOUR, "confirm_delivery": 6 * HOUR,
    "invoice": 12 * HOUR, "close": DAY,
}  # fmt: skip

_CANCELLABLE = frozenset().union(*(t.sources for t in TRANSITIONS if t.action == "cancel")) - {S.ON_HOLD}


@dataclass(slots=True)
class Step:
    action: str | None  # None: the "created" entry
    from_status: Status | None
    to_status: Status
    at: dt.datetime  # naive Asia/Shanghai wall-clock time
    actor: ActorRef
    comment: str = ""


@dataclass(slots=True)
class OrderPlan:
    customer: CustomerRef
    channel: str
    order_date: dt.date
    customer_po: str | None
    requested_date: dt.date
    promised_date: dt.date
    special_requirements: str
    lines: list[tuple[ProductRef, Decimal]]
    path: list[Step]  # the whole main path as it would happen, including what is still in the future
    steps: list[Step] = field(default_factory=list)  # what has happened by now: the timeline
    held_from: Status | None = None

    @property
    def status(self) -> Status:
        return self.steps[-1].to_status

    @property
    def confirmed(self) -> bool:
        return any(s.to_status == S.CONFIRMED for s in self.steps)


def _weekday(d: dt.date) -> dt.date:
    wd = d.weekday()
    return d + dt.timedelta(days=7 - wd) if wd >= 5 else d


class _Planner:
    def __init__(self, rng: random.Random, world: World, now_local: dt.datetime) -> None:
        self.rng = rng
        self.world = world
        self.now = now_local
        self.customers = world.customers
        self.customer_cum = tuple(accumulate(c.weight for c in world.customers))
        self.po_seq: Counter[tuple[int, int]] = Counter()

    def work(self, t: dt.datetime) -> dt.datetime:
        """Move a moment into office hours (08:00–19:00), mostly off Sundays."""
        rng = self.rng
        if t.hour < 8:
            t = t.replace(hour=8, minute=rng.randrange(60))
        elif t.hour >= 19:
            t = (t + DAY).replace(hour=8, minute=rng.randrange(60))
        if t.weekday() == 6 and rng.random() < 0.7:
            t += DAY
        return t

    def day_counts(self, count: int, days: int) -> list[tuple[dt.date, int]]:
        rng, today = self.rng, self.now.date()
        first = today - dt.timedelta(days=days - 1)
        dates = [first + dt.timedelta(days=i) for i in range(days)]
        elapsed = min(1.0, max(0.0, (self.now.hour + self.now.minute / 60 - 8.5) / 10.5))
        weights = []
        for d in dates:
            w = _DAY_WEIGHT[d.weekday()] * rng.uniform(0.8, 1.2)
            if (d.month == 10 and d.day <= 7) or (d.month == 1 and d.day == 1):
                w *= 0.15  # National Day week, New Year's Day
            if d == today:
                w *= elapsed
            weights.append(w)
        total = sum(weights) or 1.0
        exact = [count * w / total for w in weights]
        counts = [int(x) for x in exact]
        short = count - sum(counts)
        open_days = [i for i in range(days) if weights[i] > 0]
        for i in sorted(open_days, key=lambda i: exact[i] - counts[i], reverse=True)[:short]:
            counts[i] += 1
        return list(zip(dates, counts, strict=True))

    def times_of(self, day: dt.date, n: int) -> list[dt.datetime]:
        start = dt.datetime.combine(day, dt.time(8, 30))
        end = dt.datetime.combine(day, dt.time(18, 30))
        if day == self.now.date():
            end = min(end, self.now - 5 * MINUTE)
            start = min(start, end - 30 * MINUTE)  # early in the day: the few orders are from just now
        span = (end - start).total_seconds()
        return sorted(start + dt.timedelta(seconds=int(self.rng.random() * span)) for _ in range(n))

    def plan(self, created: dt.datetime) -> OrderPlan:
        rng = self.rng
        customer = rng.choices(self.customers, cum_weights=self.customer_cum)[0]
        channel = rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0]
        if channel == "portal" and customer.buyer is None:
            channel = "quick_entry"
        order_date = created.date()
        year = order_date.year
        if channel == "quick_entry" and rng.random() < 0.08:
            po = None  # taken on the phone; the PO follows later, or never
        else:
            key = (customer.id, year)
            self.po_seq[key] += rng.randint(1, 3)
            po = f"PO-{customer.po_prefix}-{year}-{self.po_seq[key]:04d}"
        lead = rng.choices(_LEAD_DAYS, cum_weights=_LEAD_CUM)[0] + rng.randint(-2, 3)
        requested = _weekday(order_date + dt.timedelta(days=lead))
        r = rng.random()
        if r < 0.72:
            promised = requested
        elif r < 0.95:
            promised = _weekday(requested + dt.timedelta(days=rng.randint(2, 10)))
        else:
            promised = max(_weekday(requested - dt.timedelta(days=rng.randint(1, 5))), order_date + 7 * DAY)
        special = ""
        if rng.random() < 0.22:
            special = "；".join(rng.sample(_SPECIAL, 2 if rng.random() < 0.25 else 1))
        n_lines = rng.choices(_LINE_COUNTS, cum_weights=_LINE_CUM)[0]
        lines = [
            (p, Decimal(rng.choice(p.lots)))
            for p in rng.sample(customer.portfolio, min(n_lines, len(customer.portfolio)))
        ]
        path = self.path(created, channel, customer, promised)
        plan = OrderPlan(customer, channel, order_date, po, requested, promised, special, lines, path)
        self.settle(plan)
        return plan

    def path(
        self, created: dt.datetime, channel: str, customer: CustomerRef, promised: dt.date
    ) -> list[Step]:
        """Every step of the main path, timed as it will happen (some of it after now)."""
        rng, staff = self.rng, self.world.staff
        if channel == "portal":
            creator = customer.buyer
        elif channel == "api":
            creator = ActorRef("system", None, "EDI 接口")
        elif channel == "excel":
            creator = staff.pick(rng, R.CUSTOMER_SERVICE)
        elif channel == "dingtalk" or rng.random() < 0.7:
            creator = customer.rep
        else:
            creator = staff.pick(rng, R.CUSTOMER_SERVICE)
        assert creator is not None
        steps = [Step(None, None, S.DRAFT, created, creator)]

        def step(action: str, at: dt.datetime, actor: ActorRef, comment: str = "") -> dt.datetime:
            prev = steps[-1]
            # However the plan was timed, a step takes at least its own minimum after the one before.
            at = self.work(max(at, prev.at + _MIN_GAP[action] * rng.uniform(1, 2)))
            steps.append(Step(action, prev.to_status, MAIN_PATH[len(steps)], at, actor, comment))
            return at

        def pick(*weighted: tuple[str, float]) -> ActorRef:
            roles, weights = zip(*weighted, strict=True)
            return staff.pick(rng, rng.choices(roles, weights=weights)[0])

        submitter = (
            customer.rep if channel in ("quick_entry", "dingtalk") else staff.pick(rng, R.CUSTOMER_SERVICE)
        )
        t = (
            created
            + dt.timedelta(minutes=rng.uniform(3, 180))
            + (DAY if rng.random() < 0.12 else dt.timedelta())
        )
        t = step("submit", t, submitter)
        t = step("confirm", t + dt.timedelta(hours=rng.uniform(0.5, 30)), staff.pick(rng, R.SALES_MANAGER))
        produced = step(
            "start_production", t + dt.timedelta(days=rng.uniform(0.5, 5)), staff.pick(rng, R.PMC)
        )

        # Shipping aims at the promised date less the drive; most orders make it, some slip.
        r = rng.random()
        slip = -rng.randint(0, 2) if r < 0.8 else (0 if r < 0.93 else rng.randint(1, 7))
        ship_day = promised - dt.timedelta(days=customer.transit_days - slip)
        ship = dt.datetime.combine(ship_day, dt.time(rng.randint(9, 16), rng.randrange(60)))
        pick_at = ship - dt.timedelta(hours=rng.uniform(2, 20))
        ready = pick_at - dt.timedelta(days=rng.uniform(0.3, 3))
        to_qc = ready - dt.timedelta(days=rng.uniform(0.5, 2))
        earliest = produced + dt.timedelta(days=rng.uniform(3, 8))
        if to_qc < earliest:  # not enough time to make it: everything after production slides
            shift = earliest - to_qc
            to_qc, ready, pick_at, ship = to_qc + shift, ready + shift, pick_at + shift, ship + shift

        step("send_to_qc", to_qc, pick((R.PMC, 0.7), (R.QC, 0.3)))
        note = rng.choice(_QC_NOTES) if rng.random() < 0.3 else ""
        step("pass_qc", ready, staff.pick(rng, R.QC), note)
        step("start_picking", pick_at, staff.pick(rng, R.WAREHOUSE))
        carrier, prefix = rng.choice(_CARRIERS)
        waybill = f"{carrier} 运单号 {prefix}{rng.randrange(10**11, 10**12)}" if rng.random() < 0.6 else ""
        t = step("ship", ship, pick((R.LOGISTICS, 0.8), (R.WAREHOUSE, 0.2)), waybill)
        delivered = t + dt.timedelta(days=customer.transit_days, hours=rng.uniform(-6, 6))
        t = step("confirm_delivery", delivered, pick((R.LOGISTICS, 0.6), (R.CUSTOMER_SERVICE, 0.4)))
        t = step("invoice", t + dt.timedelta(days=rng.uniform(1, 10)), staff.pick(rng, R.BILLING))
        step("close", t + dt.timedelta(days=rng.uniform(3, 25)), staff.pick(rng, R.BILLING))
        return steps

    def settle(self, plan: OrderPlan) -> None:
        """Cut the path at now, and let a few orders be left as drafts, held or cancelled."""
        rng, staff, now = self.rng, self.world.staff, self.now
        steps = [s for s in plan.path if s.at <= now]
        created = steps[0].at
        if len(steps) > 1 and now - created < 3 * DAY and rng.random() < 0.08:
            steps = steps[:1]  # still being typed up
        r = rng.random()
        if r < 0.03:
            cancel_at = self.work(created + dt.timedelta(hours=rng.uniform(1, 240)))
            before = [s for s in steps if s.at < cancel_at]
            status = before[-1].to_status
            if cancel_at <= now and status in _CANCELLABLE:
                early = status in (S.DRAFT, S.SUBMITTED) and rng.random() < 0.7
                actor = plan.customer.rep if early else staff.pick(rng, R.SALES_MANAGER)
                steps = [
                    *before,
                    Step("cancel", status, S.CANCELLED, cancel_at, actor, rng.choice(_CANCEL_REASONS)),
                ]
        elif r < 0.07 and steps[-1].to_status in HOLDABLE:
            hold_at = self.work(steps[-1].at + dt.timedelta(hours=rng.uniform(1, 72)))
            if hold_at <= now:
                plan.held_from = steps[-1].to_status
                actor = staff.pick(rng, rng.choice((R.SALES_MANAGER, R.PMC)))
                steps.append(
                    Step("hold", plan.held_from, S.ON_HOLD, hold_at, actor, rng.choice(_HOLD_REASONS))
                )
        plan.steps = steps


def plan_orders(
    rng: random.Random, world: World, *, count: int, days: int, now: dt.datetime | None = None
) -> Iterator[OrderPlan]:
    """``count`` order timelines over the last ``days`` days, oldest first (so numbers follow dates)."""
    planner = _Planner(rng, world, (now or utcnow()).astimezone(SHANGHAI).replace(tzinfo=None))
    for day, n in planner.day_counts(count, days):
        for created in planner.times_of(day, n):
            yield planner.plan(created)


def ensure_every_status(
    plans: list[OrderPlan], rng: random.Random, world: World, *, now: dt.datetime | None = None
) -> None:
    """Bend a few timelines so that every status has at least one order (a small demo can miss the
    short-lived ones). A donor is only taken from a status that has more than one order."""
    now_local = (now or utcnow()).astimezone(SHANGHAI).replace(tzinfo=None)
    staff = world.staff
    counts = Counter(p.status for p in plans)
    for status in Status:
        if counts[status]:
            continue
        donor: OrderPlan | None = None
        if status in MAIN_PATH:
            # The order that reached this status most recently stays there (it stalled).
            idx = MAIN_PATH.index(status)
            for p in plans:
                later = p.held_from is None and p.status in MAIN_PATH and MAIN_PATH.index(p.status) > idx
                if later and counts[p.status] > 1 and (donor is None or p.path[idx].at > donor.path[idx].at):
                    donor = p
            if donor is not None:
                counts[donor.status] -= 1
                donor.steps = donor.path[: idx + 1]
        else:
            allowed = HOLDABLE if status == S.ON_HOLD else _CANCELLABLE
            candidates = [p for p in plans if counts[p.status] > 1 and p.status in allowed]
            if candidates:
                donor = max(candidates, key=lambda p: p.steps[-1].at)
                counts[donor.status] -= 1
                last = donor.steps[-1]
                at = max(
                    min(last.at + dt.timedelta(hours=rng.uniform(1, 24)), now_local - MINUTE),
                    last.at + MINUTE,
                )
                if status == S.ON_HOLD:
                    donor.held_from = last.to_status
                    actor = staff.pick(rng, R.SALES_MANAGER)
                    donor.steps.append(
                        Step("hold", last.to_status, S.ON_HOLD, at, actor, rng.choice(_HOLD_REASONS))
                    )
                else:
                    early = last.to_status in (S.DRAFT, S.SUBMITTED)
                    actor = donor.customer.rep if early else staff.pick(rng, R.SALES_MANAGER)
                    reason = rng.choice(_CANCEL_REASONS)
                    donor.steps.append(Step("cancel", last.to_status, S.CANCELLED, at, actor, reason))
        if donor is not None:
            counts[status] += 1


# ---------------------------------------------------------------------------------------------------------
# Rows and the database
# ---------------------------------------------------------------------------------------------------------


@dataclass
class GenerationStats:
    orders: int = 0
    lines: int = 0
    events: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    last_number: dict[int, int] = field(default_factory=dict)  # year → last SO-YYYY-NNNNNN used


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _RowBuilder:
    def __init__(self, offset: dt.timedelta, order_id: int, line_id: int, event_id: int, seq: dict[int, int]):
        self.offset = offset
        self.order_id, self.line_id, self.event_id = order_id, line_id, event_id
        self.seq = seq

    def utc(self, t: dt.datetime) -> dt.datetime:
        return (t - self.offset).replace(tzinfo=dt.UTC)

    def build(self, plans: Iterable[OrderPlan]) -> tuple[list[dict[str, Any]], ...]:
        orders: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        utc = self.utc
        for plan in plans:
            oid = self.order_id
            self.order_id += 1
            year = plan.order_date.year
            self.seq[year] = number = self.seq.get(year, 0) + 1
            steps = plan.steps
            created, last = utc(steps[0].at), steps[-1]
            changed = utc(last.at)
            promised = plan.promised_date if plan.confirmed else None
            tax_rate = plan.customer.tax_rate
            total_net = total_tax = Decimal(0)
            for no, (product, qty) in enumerate(plan.lines, start=1):
                amount = _money(qty * product.unit_price)
                total_net += amount
                total_tax += _money(amount * tax_rate)
                lines.append(
                    {"id": self.line_id, "order_id": oid, "line_no": no, "product_id": product.id,
                     "quantity": qty, "unit_price": product.unit_price, "tax_rate": tax_rate, "amount_net": amount,
                     "requested_date": plan.requested_date, "promised_date": promised,
                     "created_at": created, "updated_at": created}
                )  # fmt: skip
                self.line_id += 1
            for version, s in enumerate(steps, start=1):
                at = utc(s.at)
                events.append(
                    {"id": self.event_id, "order_id": oid, "kind": "transition" if s.action else "created",
                     "action": s.action, "actor_kind": s.actor.kind, "actor_id": s.actor.id,
                     "actor_name": s.actor.name, "from_status": s.from_status and s.from_status.value,
                     "to_status": s.to_status.value, "comment": s.comment, "version": version,
                     "data": {} if s.action else {"channel": plan.channel}, "created_at": at, "updated_at": at}
                )  # fmt: skip
                self.event_id += 1
            orders.append(
                {"id": oid, "order_no": f"SO-{year}-{number:06d}", "customer_id": plan.customer.id,
                 "customer_po": plan.customer_po, "channel": plan.channel, "status": last.to_status.value,
                 "held_from": plan.held_from and plan.held_from.value, "order_date": plan.order_date,
                 "requested_date": plan.requested_date, "promised_date": promised,
                 "special_requirements": plan.special_requirements, "currency": CNY, "total_net": total_net,
                 "total_tax": total_tax, "line_count": len(plan.lines), "version": len(steps),
                 "changed_by": last.actor.name, "status_changed_at": changed, "created_at": created,
                 "updated_at": changed, "submitted_at": next(
                     (utc(s.at) for s in steps if s.to_status == Status.SUBMITTED), None)}
            )  # fmt: skip
        return orders, lines, events


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


async def _bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany in chunks; on PostgreSQL through asyncpg, binary COPY (several times faster at the
    bench's sizes). Both run in the session's transaction."""
    if not rows:
        return
    if session.get_bind().dialect.driver != "asyncpg":
        for chunk in _chunks(rows, 10_000):
            await session.execute(insert(table), chunk)
        return
    await session.execute(select(1))  # make sure the driver-level transaction has begun
    raw = await (await session.connection()).get_raw_connection()
    columns = list(rows[0])
    as_json = {c.name for c in table.c if isinstance(c.type, JSON)}
    records = [tuple(json.dumps(r[c]) if c in as_json else r[c] for c in columns) for r in rows]
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)  # type: ignore[union-attr]


async def _next_id(session: AsyncSession, table: Table) -> int:
    return (await session.scalar(select(func.max(table.c.id))) or 0) + 1


async def _sequences(session: AsyncSession, name: str) -> dict[int, int]:
    result = await session.execute(
        select(NumberSequence.period, NumberSequence.last_value).where(NumberSequence.name == name)
    )
    return dict(result.tuples().all())


async def _sync_id_sequence(session: AsyncSession, table: Table, last_id: int) -> None:
    """We wrote explicit ids; on PostgreSQL move the id sequence past them so the app's inserts follow."""
    if session.get_bind().dialect.name != "postgresql" or last_id < 1:
        return
    default = table.c.id.default
    name = default.name if isinstance(default, DbSequence) else f"{table.name}_id_seq"
    await session.execute(
        text("SELECT setval(CAST(:name AS regclass), :value)"), {"name": name, "value": last_id}
    )


async def generate_orders(
    session: AsyncSession,
    *,
    count: int,
    days: int,
    rng: random.Random,
    world: World,
    start_seq: Mapping[int, int] | None = None,
    batch_size: int = 2000,
    every_status: bool = False,
    now: dt.datetime | None = None,
    on_batch: Callable[[GenerationStats], Awaitable[None]] | None = None,
) -> GenerationStats:
    """Insert ``count`` orders (with lines and timelines) spread over the last ``days`` days.

    Order numbers continue after ``start_seq`` (year → last number used; default: the
    ``number_sequences`` rows), and the counters are moved past them at the end. Rows are inserted
    ``batch_size`` orders at a time; ``on_batch`` runs after each batch (the bench commits there).
    ``every_status`` bends a few timelines so each status appears (meant for small counts: it keeps
    all plans in memory). Never commits.
    """
    now = now or utcnow()
    seq = dict(start_seq) if start_seq is not None else await _sequences(session, "SO")
    first_seq = dict(seq)
    orders_t, lines_t, events_t = SalesOrder.__table__, SalesOrderLine.__table__, OrderEvent.__table__
    offset = now.astimezone(SHANGHAI).utcoffset() or dt.timedelta(hours=8)
    builder = _RowBuilder(
        offset, await _next_id(session, orders_t), await _next_id(session, lines_t),
        await _next_id(session, events_t), seq,
    )  # fmt: skip
    plans: Iterable[OrderPlan] = plan_orders(rng, world, count=count, days=days, now=now)
    if every_status:
        plans = list(plans)
        ensure_every_status(plans, rng, world, now=now)

    stats = GenerationStats()
    for batch in _chunks(plans, batch_size):
        orders, lines, events = builder.build(batch)
        await _bulk_insert(session, orders_t, orders)
        await _bulk_insert(session, lines_t, lines)
        await _bulk_insert(session, events_t, events)
        stats.orders += len(orders)
        stats.lines += len(lines)
        stats.events += len(events)
        stats.by_status.update(o["status"] for o in orders)
        if on_batch is not None:
            await on_batch(stats)

    for year, value in seq.items():
        if value != first_seq.get(year):
            await ensure_at_least(session, "SO", year, value)
    stats.last_number = {y: v for y, v in seq.items() if v != first_seq.get(y)}
    await _sync_id_sequence(session, orders_t, builder.order_id - 1)
    await _sync_id_sequence(session, lines_t, builder.line_id - 1)
    await _sync_id_sequence(session, events_t, builder.event_id - 1)
    return stats


# ---------------------------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------------------------


async def demo_present(session: AsyncSession) -> bool:
    """Any demo account or demo customer already there means the demo was loaded (or collides)."""
    staff = await session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.username.in_([s.username for s in DEMO_STAFF]))
    )
    others = await session.scalar(
        select(func.count()).select_from(Customer).where(Customer.code.in_([c.code for c in DEMO_CUSTOMERS]))
    )
    users = await session.scalar(
        select(func.count())
        .select_from(CustomerUser)
        .where(CustomerUser.username.in_([u.username for c in DEMO_CUSTOMERS for u in c.users]))
    )
    return bool(staff or others or users)


async def load_demo(session: AsyncSession, *, orders: int = 320) -> bool:
    """Load the demo factory into ``session`` and answer True; answer False and change nothing when it
    is already there. Never commits (the caller does)."""
    if await demo_present(session):
        # A demo factory loaded before these existed gets them too; both are idempotent. Only here:
        # the demo token must never land in a database that is not the demo's.
        await ensure_demo_api_client(session)
        await load_change_demo(session)
        return False
    rng = random.Random(DEMO_SEED)
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
    world = await create_world(
        session,
        rng=rng,
        customers=DEMO_CUSTOMERS,
        products=product_specs(rng, 40),
        staff=staff_specs(rng),
        password_hash=password_hash,
        since=now - dt.timedelta(days=DEMO_DAYS + 30),
    )
    await generate_orders(
        session,
        count=orders,
        days=DEMO_DAYS,
        rng=rng,
        world=world,
        every_status=True,
        now=now,
        batch_size=5000,
    )
    from demo.production import load_production  # local: demo.production builds on this module

    await load_production(session, now=now)  # jobs, shop-floor progress, process photos
    await load_service_demo(session)
    await load_quality_demo(session)
    await ensure_demo_api_client(session)
    await load_change_demo(session)
    await load_promise_demo(session)
    await load_demo_annotations(session)  # after the photos: annotates a couple of them when there are any
    await (
        session.flush()
    )  # the last commands' rows too: callers may count with Core statements, which do not autoflush
    return True


def print_logins(echo: Callable[[str], None]) -> None:
    """The demo sign-ins, for the terminal after ``litestar demo load``."""
    width = max(len(s.username) for s in DEMO_STAFF) + 2
    echo("")
    echo("OrderPulse 订单脉搏 — demo logins (demo data only)")
    echo(f"  Open 打开        {DEMO_URL}")
    echo(f"  Password 密码    {DEMO_PASSWORD}   (every demo account)")
    echo("")
    echo(f"  Back office 后台          {DEMO_URL}/backoffice/login")
    for s in DEMO_STAFF:
        roles = ", ".join(s.roles)
        labels = "、".join(ROLE_LABELS.get(r, r) for r in s.roles)
        echo(f"    {s.username:<{width}}{roles:<18}{labels} {s.display_name}")
    # The shop floor's team leads: they start and finish operations and resolve photo annotations.
    centers = {
        lead: [w.code for w in DEMO_WORK_CENTERS if w.lead == lead]
        for lead in (t.username for t in DEMO_TEAM_LEADS)
    }
    for t in DEMO_TEAM_LEADS:
        echo(
            f"    {t.username:<{width + 4}}{'pmc':<14}班组长 Team lead {t.display_name} · {'/'.join(centers[t.username])}"
        )
    echo("")
    echo(f"  Customer portal 客户门户  {DEMO_URL}/portal/login")
    for c in DEMO_CUSTOMERS:
        for u in c.users:
            echo(
                f"    {u.username:<{width}}{u.role:<18}{c.code} {c.name} · {ROLE_LABELS[u.role]} {u.display_name}"
            )
    echo("")
    echo(f"  JSON API 接口  {DEMO_URL}/schema  (Authorization: Bearer {DEMO_TOKEN}, demo only)")
