"""Code tables with Chinese labels for every fixed code of a department-year."""

INCOME = {
    "general_budget": "一般公共预算财政拨款收入",
    "fund_budget": "政府性基金预算财政拨款收入",
    "state_capital": "国有资本经营预算财政拨款收入",
    "upper_subsidy": "上级补助收入",
    "business": "事业收入",
    "operating": "经营收入",
    "affiliated": "附属单位上缴收入",
    "other": "其他收入",
}
EXPENDITURE = {
    "basic": "基本支出",
    "project": "项目支出",
    "upper": "上缴上级支出",
    "operating": "经营支出",
    "affiliated": "对附属单位补助支出",
}
BALANCE = {
    "carry_over_begin": "年初结转和结余",
    "carry_over_end": "年末结转和结余",
}
FISCAL = {"income": "财政拨款收入总计", "expenditure": "财政拨款支出总计"}
THREE_PUBLIC = {
    "outbound": "因公出国（境）费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_running": "公务用车运行维护费",
    "reception_domestic": "国内公务接待费",
    "reception_foreign": "外事接待费",
}
PROCUREMENT = {
    "goods": "政府采购货物支出",
    "works": "政府采购工程支出",
    "services": "政府采购服务支出",
}
# "Of which" lines: shown and checked against the total, never added to it.
PROCUREMENT_OF_WHICH = {
    "sme": "授予中小企业合同金额",
    "small_micro": "授予小微企业合同金额",
}
TOTAL_ONLY = "_total"  # a part known only by its total (e.g. a prior year given as a change)
TOTAL_LABEL = "合计（未分项）"

# Parts of a department-year: their label and their fixed codes (None: classification codes).
PARTS: dict[str, tuple[str, dict[str, str] | None]] = {
    "income": ("收入决算", INCOME),
    "expenditure": ("支出决算", EXPENDITURE),
    "balance": ("结转和结余", BALANCE),
    "functional": ("一般公共预算财政拨款支出（功能分类）", None),
    "economic": ("一般公共预算财政拨款基本支出（经济分类）", None),
    "fiscal": ("财政拨款收入支出", FISCAL),
    "three_public": ("“三公”经费财政拨款支出", THREE_PUBLIC),
    "fund_budget": ("政府性基金预算财政拨款支出", None),
    "state_capital": ("国有资本经营预算财政拨款支出", None),
    "running_cost": ("机关运行经费", None),
    "procurement": ("政府采购支出", PROCUREMENT | PROCUREMENT_OF_WHICH),
}
CLASSIFIED_PARTS = {"functional": "functional", "economic": "economic", "fund_budget": "functional"}
STATE_CAPITAL_CODES = {"state_capital": "国有资本经营预算支出"}
RUNNING_COST_CODES = {"running_cost": "机关运行经费支出"}

QUANTITIES = {
    "staff_quota": "编制人数",
    "staff_management": "事业管理人员",
    "staff_technical": "事业专业技术人员",
    "staff_worker": "事业工勤人员",
    "staff_in_post": "在职职工",
    "staff_retired": "退休职工",
    "leaders": "局长",
    "section_leaders": "股级干部",
    "sub_units": "下属二级预算单位",
    "sub_units_admin": "其中行政单位",
    "sub_units_civil_service": "参照公务员法管理的事业单位",
    "sub_units_other": "其他事业单位",
    "groups_abroad": "因公出国（境）团组",
    "persons_abroad": "因公出国（境）人次",
    "vehicles_bought": "更新购置公务用车",
    "official_vehicles": "公务用车",
    "vehicles_sedan": "轿车",
    "vehicles_suv": "越野车",
    "vehicles_bus": "载客汽车",
    "reception_batches": "国内公务接待批次",
    "reception_persons": "国内公务接待人次",
    "foreign_reception_batches": "外事接待批次",
    "foreign_reception_persons": "外事接待人次",
    "vehicles": "车辆",
    "vehicles_leader": "主要领导干部用车",
    "vehicles_confidential": "机要通信用车",
    "vehicles_emergency": "应急保障用车",
    "vehicles_other": "其他用车",
    "equipment_general": "单价50万元以上通用设备（台套）",
    "equipment_special": "单价100万元以上专用设备（台套）",
    "insured_target": "参保职工目标人数",
    "insured_persons": "在职参保人员",
    "insured_changes": "人员增减变动人次",
    "annuity_units": "职业年金基数核定单位",
    "annuity_persons": "职业年金基数核定职工",
    "audited_units": "征收和稽核单位",
    "visited_retirees": "走访认证人数",
    "bank_accounts": "银行账户",
    "projects_with_targets": "编制绩效目标的项目",
    "projects_monitored": "开展绩效监控的项目",
    "projects_self_evaluated": "开展绩效自评的项目",
    "projects_evaluated": "自行组织绩效评价的项目",
}
FUNDING_SOURCES = {
    "general_budget": "一般公共预算",
    "fund_budget": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    "other": "其他资金",
}
STATEMENT_KINDS = {
    "amount": "金额",
    "share": "占比",
    "growth": "增长率",
    "change": "增减额",
    "completion": "完成预算",
}
SEVERITIES = {"error": "错误", "warning": "警告", "note": "提示"}

# 类 names the report and the checker's messages use (the full table is in the database).
FUNCTIONAL_CLASSES = {
    "201": "一般公共服务支出",
    "205": "教育支出",
    "206": "科学技术支出",
    "207": "文化旅游体育与传媒支出",
    "208": "社会保障和就业支出",
    "210": "卫生健康支出",
    "221": "住房保障支出",
    "229": "其他支出",
}
ECONOMIC_GROUPS = {
    "personnel": ("人员经费", ("301", "303")),
    "public": ("日常公用经费", ("302",)),
    "capital": ("资本性支出", ("309", "310")),
}
GROUPS = {
    ("three_public", "vehicle"): (
        "公务用车购置及运行维护费",
        ("vehicle_purchase", "vehicle_running"),
    ),
    ("three_public", "reception"): ("公务接待费", ("reception_domestic", "reception_foreign")),
}
PROJECT_FIELDS = {
    "declared": "申报数",
    "approved": "批复数",
    "budget": "预算数",
    "executed": "执行数",
    "recovered": "财政收回数",
}
# Payout's programs, as its spending events name them.
PROGRAMS = {
    "basic_pension": "基本养老金",
    "occupational_annuity": "职业年金",
    "living_subsidy": "生活补贴",
    "survivor_pension": "遗属生活补助及抚恤金",
    "transport_nursing": "交通护理补贴",
    "hardship_aid": "困难补助",
    "death_benefit": "丧葬补助金及抚恤金",
    "withdrawal": "退保",
}
