"""Chinese and English for the pages. The language follows the browser's Accept-Language until
the user picks one with the switch (a cookie)."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "console": ("运营控制台", "Operator console"),
    "dashboard": ("概览", "Dashboard"),
    "applications": ("申请", "Applications"),
    "loans": ("贷款", "Loans"),
    "lines": ("额度", "Credit lines"),
    "models": ("模型监控", "Model monitoring"),
    "strategies": ("策略回测", "Strategy back-tests"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "funnel": ("申请漏斗", "Application funnel"),
    "approval_rate": ("通过率", "Approval rate"),
    "disbursed": ("累计放款", "Disbursed"),
    "loans_booked": ("放款笔数", "Loans booked"),
    "outstanding": ("在贷余额（按产品与逾期档）", "Outstanding by product and delinquency bucket"),
    "vintages": ("账龄损失曲线", "Vintage loss curves"),
    "scores": ("评分分布", "Score distribution"),
    "ratios": ("监管指标", "Regulatory ratios"),
    "roll_rates": ("迁徙率", "Roll rates"),
    "limit": ("限额", "Limit"),
    "value": ("当前值", "Value"),
    "ok": ("合规", "Within limit"),
    "breach": ("超限", "Breach"),
    "product": ("产品", "Product"),
    "bucket": ("逾期档", "Bucket"),
    "principal": ("本金", "Principal"),
    "interest": ("利息", "Interest"),
    "fee": ("费用", "Fee"),
    "total": ("合计", "Total"),
    "status": ("状态", "Status"),
    "outcome": ("结果", "Outcome"),
    "decision": ("决策", "Decision"),
    "reasons": ("原因", "Reasons"),
    "rules_fired": ("触发规则", "Rules fired"),
    "score": ("评分", "Score"),
    "pd": ("违约概率", "Probability of default"),
    "model_version": ("模型版本", "Model version"),
    "rule_set": ("规则集", "Rule set"),
    "strategy": ("策略", "Strategy"),
    "features": ("决策所见特征", "What the decision saw"),
    "schedule": ("还款计划", "Schedule"),
    "transactions": ("交易", "Transactions"),
    "postings": ("会计分录", "Ledger postings"),
    "statements": ("账单", "Statements"),
    "due_date": ("到期日", "Due date"),
    "paid": ("已还", "Paid"),
    "amount": ("金额", "Amount"),
    "term": ("期数", "Term (months)"),
    "apply": ("申请借款", "Apply for a loan"),
    "apply_now": ("提交申请", "Apply"),
    "consent_data": ("我同意平台使用我的数据进行审批", "I agree that my data is used to decide"),
    "consent_bureau": ("我同意查询我的征信报告", "I agree to a credit bureau check"),
    "offer": ("您的借款方案", "Your offer"),
    "apr": ("年化利率（APR）", "Annual percentage rate (APR)"),
    "contract_rate": ("合同利率", "Contract rate"),
    "instalments": ("分期还款表", "Instalments"),
    "accept": ("接受并放款", "Accept and pay out"),
    "paid_out": ("已放款", "Paid out"),
    "declined": ("很抱歉，本次申请未获批准", "Sorry, we cannot lend this time"),
    "request_review": ("申请人工复核", "Request a human review"),
    "review_requested": ("已提交人工复核申请", "A human review was requested"),
    "my_account": ("我的账户", "My account"),
    "available": ("可用额度", "Available"),
    "lower_limit": ("调低我的额度", "Lower my limit"),
    "save": ("保存", "Save"),
    "instalment_options": ("分期选项", "Instalment options"),
    "periods": ("期数", "Parts"),
    "psi": ("群体稳定性指数（PSI/CSI）", "Population stability (PSI/CSI)"),
    "reference": ("基准期", "Reference"),
    "recent": ("近期", "Recent"),
    "approve": ("通过", "approve"),
    "decline": ("拒绝", "decline"),
    "refer": ("转人工", "refer"),
    "next_page": ("下一页", "Next page"),
    "as_of": ("截至", "As of"),
    "customer": ("客户", "Customer"),
    "language": ("English", "中文"),
    "bad_rate": ("坏账率", "Bad rate"),
    "expected_loss": ("预期损失", "Expected loss"),
    "profit": ("收益", "Profit"),
    "applicants": ("申请人数", "Applicants"),
    "refer_rate": ("转人工率", "Refer rate"),
    "approved_amount": ("批准金额", "Approved amount"),
    "no_data": ("暂无数据", "No data yet"),
    "error": ("出错了", "Something is wrong"),
    "convert": ("分期", "Convert"),
    "plans": ("分期计划", "Instalment plans"),
}


def pick_language(accept_language: str | None, chosen: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def translator(language: str) -> object:
    index = 0 if language == "zh" else 1

    def t(key: str) -> str:
        pair = MESSAGES.get(key)
        return key if pair is None else pair[index]

    return t
