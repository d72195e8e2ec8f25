"""The rights record as a printable HTML page (every value escaped)."""

from html import escape

from services.enrollment.rights_record.schemas import RightsRecord
from shared.http.printables import PRINT_CSS

KIND_LABELS = {
    "basic": "基本养老保险个人账户",
    "annuity_funded": "职业年金（实账）",
    "annuity_notional": "职业年金（记账）",
}
TYPE_LABELS = {
    "contribution": "缴费",
    "interest": "记账利息",
    "transfer_in": "转入",
    "transfer_out": "转出",
    "benefit_draw": "待遇支取",
    "refund": "退还",
    "inheritance": "继承",
    "adjustment": "调整",
    "closing_interest": "结算利息",
    "interest_correction": "补记利息",
}


def _money(value: object) -> str:
    return escape(f"{value:,.2f}" if value is not None else "—")


def render(record: RightsRecord) -> str:
    """The whole page; the person's id fields as the caller may see them (shared.http.masking)."""
    p = record.person.model_dump(mode="json")
    name, citizen_id = escape(p["name"]), escape(p["citizen_id"])
    months = "".join(
        f"<tr><td>{escape(m.period)}</td><td class=n>{_money(m.contribution_base)}</td>"
        f"<td class=n>{_money(m.basic)}</td><td class=n>{_money(m.annuity_funded)}</td>"
        f"<td class=n>{_money(m.annuity_notional)}</td></tr>"
        for m in record.months
    )
    accounts = "".join(
        f"<tr><td>{escape(KIND_LABELS[a.kind.value])}</td><td class=n>{_money(a.opening_balance)}"
        f"</td><td class=n>{_money(a.contributions)}</td><td class=n>{_money(a.interest)}</td>"
        f"<td class=n>{_money(a.other_movements)}</td><td class=n>{_money(a.closing_balance)}"
        f"</td></tr>"
        for a in record.accounts
    )
    postings = "".join(
        f"<tr><td>{escape(KIND_LABELS[a.kind.value])}</td><td>{q.value_date}</td>"
        f"<td>{escape(TYPE_LABELS.get(q.posting_type, q.posting_type))}</td>"
        f"<td>{escape(q.period or '')}</td><td class=n>{_money(q.amount)}</td></tr>"
        for a in record.accounts
        for q in a.postings
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{record.year}年度个人权益记录</title><style>{PRINT_CSS}</style></head><body>
<h1>机关事业单位养老保险 {record.year} 年度个人权益记录</h1>
<p>姓名：{name}　身份证号：{citizen_id}　参保单位：{escape(record.unit_name)}
（{escape(record.unit_credit_code)}）　参保日期：{p["joined_on"]}
　本年缴费月数：{record.months_contributed}</p>
<h2>账户情况</h2>
<table><tr><th>账户</th><th>上年末余额</th><th>本年缴费</th><th>本年利息</th><th>其他变动</th>
<th>本年末余额</th></tr>{accounts}</table>
<h2>缴费明细</h2>
<table><tr><th>费款所属期</th><th>缴费基数</th><th>个人账户</th><th>职业年金（实账）</th>
<th>职业年金（记账）</th></tr>{months}</table>
<h2>账户记账明细</h2>
<table><tr><th>账户</th><th>记账日期</th><th>类型</th><th>所属期</th><th>金额</th></tr>{postings}</table>
<p>本记录依据截至 {record.year}-12-31 的账户记账生成（最后记账号 {record.last_posting_id or "—"}），
生成日期 {record.generated_on}。</p>
</body></html>"""
