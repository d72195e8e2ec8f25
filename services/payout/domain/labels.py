"""Code tables: every enum payout shows a clerk, with its Chinese label."""

from services.payout.domain.reconciliation import REASONS

CODE_TABLES: dict[str, dict[str, str]] = {
    "failure_reason": REASONS,
    "account_change_status": {"pending": "待复核", "approved": "已生效", "rejected": "已驳回"},
    "determination_status": {
        "awaiting_old_method": "待录入老办法标准",
        "pending": "待审核",
        "checked": "已审核待复核",
        "approved": "已复核",
        "returned": "已退回",
        "superseded": "已被新核定替代",
    },
    "determination_kind": {
        "initial": "首次核定",
        "old_method": "录入老办法标准后重算",
        "adjustment": "待遇调整 (调待)",
        "recalculation": "更正重算",
        "taken_over": "接管 (按接管时发放金额)",
    },
    "comparison_outcome": {
        "floor": "保低 (按老办法标准发放)",
        "cap": "限高 (老办法标准加超出部分)",
    },
    "run_state": {"queued": "排队中", "running": "发放中", "done": "已完成", "failed": "失败"},
    "payment_status": {
        "sent": "已报盘待回盘",
        "paid": "发放成功",
        "failed": "发放失败",
        "reissued": "失败后已重发",
    },
    "recovery_status": {
        "open": "待追回",
        "pending_approval": "核销或抵扣待审批",
        "recovered": "已追回",
        "waived": "已核销",
    },
    "approval_status": {"requested": "待审批", "approved": "已审批生效", "rejected": "已驳回"},
    "program": {
        "basic_pension": "基本养老金",
        "occupational_annuity": "职业年金",
        "living_subsidy": "生活补贴",
        "survivor_pension": "遗属生活补助",
        "transport_nursing": "交通护理补贴",
        "hardship_aid": "困难补助",
        "death_benefit": "丧葬补助金及抚恤金",
        "withdrawal": "退保",
    },
    "difference_kind": {"back_pay": "补发", "recovery": "追回"},
    "difference_status": {
        "pending": "待随下次发放补发",
        "issued": "已补发报盘",
        "to_survivor": "已随死亡待遇发给遗属",
        "cancelled": "死亡后月份, 不予补发",
        "recovery_opened": "已立追回案",
    },
    "retiree_status": {"active": "正常发放", "suspended": "暂停发放", "deceased": "已死亡"},
    "parameter": {
        "wage_base": "计发基数",
        "months_divisor": "计发月数表",
        "transition_coefficient": "过渡系数",
        "transition_comparison": "过渡期保低限高规则",
        "death_benefit": "丧葬补助金和抚恤金标准",
        "certification": "资格认证周期",
        "subsidy.living_subsidy": "生活补贴标准",
        "subsidy.survivor_pension": "遗属生活补助标准",
        "subsidy.transport_nursing": "交通护理补贴标准",
        "subsidy.hardship_aid": "困难补助标准",
        "budget_codes": "预算科目 (功能分类与经济分类)",
        "amount_bounds": "录入金额合理上限",
    },
}
