"""What synthetic organisations work on: departments, objective themes, key-result templates and
task titles, in English and Chinese.

Everything here is data. A title is written in its owner's language; ``{area}`` is the team's area
("Payments" / "支付"), ``{start}``/``{target}`` the key result's numbers and ``{due}`` its date.
"""

from __future__ import annotations

from dataclasses import dataclass

from okrflow.domain.model import Direction, KRKind


@dataclass(frozen=True)
class KRTemplate:
    """A key result shape. For increase/decrease ``lo..hi`` is the start value and ``dlo..dhi`` the change;
    for stay_within ``lo..hi`` is the upper limit (the target)."""

    kind: KRKind
    direction: Direction
    en: str
    zh: str
    unit: str = ""
    lo: float = 0.0
    hi: float = 0.0
    dlo: float = 0.0
    dhi: float = 0.0
    decimals: int = 0


@dataclass(frozen=True)
class Theme:
    en: str
    zh: str
    krs: tuple[KRTemplate, ...]


@dataclass(frozen=True)
class Department:
    key: str
    en: str
    zh: str
    weight: float  # share of the org's teams
    areas: tuple[tuple[str, str], ...]
    themes: tuple[Theme, ...]
    tasks: tuple[tuple[str, str], ...]


def inc(
    en: str, zh: str, unit: str, lo: float, hi: float, dlo: float, dhi: float, decimals: int = 0
) -> KRTemplate:
    return KRTemplate(KRKind.METRIC, Direction.INCREASE, en, zh, unit, lo, hi, dlo, dhi, decimals)


def dec(
    en: str, zh: str, unit: str, lo: float, hi: float, dlo: float, dhi: float, decimals: int = 0
) -> KRTemplate:
    return KRTemplate(KRKind.METRIC, Direction.DECREASE, en, zh, unit, lo, hi, dlo, dhi, decimals)


def within(en: str, zh: str, unit: str, lo: float, hi: float, decimals: int = 0) -> KRTemplate:
    return KRTemplate(KRKind.METRIC, Direction.STAY_WITHIN, en, zh, unit, lo, hi, 0.0, 0.0, decimals)


def milestone(en: str, zh: str) -> KRTemplate:
    return KRTemplate(KRKind.MILESTONE, Direction.INCREASE, en, zh)


def binary(en: str, zh: str) -> KRTemplate:
    return KRTemplate(KRKind.BINARY, Direction.INCREASE, en, zh)


COMPANY_THEMES: tuple[Theme, ...] = (
    Theme("Become the most trusted platform for mid-size businesses", "成为中型企业最信赖的平台", (
        inc("Raise NPS from {start} to {target}",
            "NPS 从 {start} 提升到 {target}", "points", 25, 40, 8, 15),
        dec("Cut logo churn from {start}% to {target}%",
            "客户流失率从 {start}% 降到 {target}%", "%", 9, 14, 3, 5, 1),
        inc("Grow annual recurring revenue from {start}M to {target}M",
            "年度经常性收入从 {start}M 增长到 {target}M", "M", 40, 120, 10, 30),
        milestone("Launch the enterprise plan in two new markets by {due}",
                  "{due}前在两个新市场推出企业版"),
        binary("Pass the ISO 27001 certification audit", "通过 ISO 27001 认证审核"),
    )),
    Theme("Build a product customers cannot live without", "打造客户离不开的产品", (
        inc("Raise weekly active teams from {start}k to {target}k",
            "周活跃团队数从 {start}k 提升到 {target}k", "k", 20, 60, 5, 15),
        inc("Lift 90-day retention from {start}% to {target}%",
            "90 天留存率从 {start}% 提升到 {target}%", "%", 55, 70, 5, 10),
        dec("Reduce time to first value from {start} to {target} days",
            "首次见效时间从 {start} 天缩短到 {target} 天", "days", 10, 16, 4, 7),
        milestone("Ship the new collaboration suite by {due}", "{due}前发布新的协作套件"),
    )),
    Theme("Run a healthy, efficient company", "打造健康高效的公司", (
        inc("Raise the employee engagement score from {start} to {target}",
            "员工敬业度得分从 {start} 提升到 {target}", "points", 65, 75, 4, 8),
        dec("Bring the monthly burn from {start}M to {target}M",
            "月度现金消耗从 {start}M 降到 {target}M", "M", 4, 7, 1, 2, 1),
        within("Keep regretted attrition under {target}%",
               "核心人才流失率控制在 {target}% 以内", "%", 4, 6, 1),
        inc("Raise gross margin from {start}% to {target}%",
            "毛利率从 {start}% 提升到 {target}%", "%", 58, 68, 3, 6),
    )),
    Theme("Win in the Asia-Pacific market", "赢得亚太市场", (
        inc("Grow APAC revenue from {start}M to {target}M",
            "亚太区收入从 {start}M 增长到 {target}M", "M", 5, 20, 3, 8),
        inc("Sign {target} reference customers in APAC (from {start})",
            "亚太区标杆客户从 {start} 家增加到 {target} 家", "customers", 3, 10, 5, 12),
        milestone("Open the Singapore office by {due}", "{due}前开设新加坡办公室"),
        dec("Cut APAC sales cycle from {start} to {target} days",
            "亚太区销售周期从 {start} 天缩短到 {target} 天", "days", 60, 90, 15, 25),
    )),
)  # fmt: skip

_ENG = Department(
    "engineering", "Engineering", "研发部", 0.34,
    (  # areas
        ("Platform", "平台"), ("Payments", "支付"), ("Search", "搜索"), ("Mobile", "移动端"),
        ("Data", "数据"), ("Infrastructure", "基础设施"), ("Security", "安全"), ("Web", "Web 前端"),
        ("Growth", "增长"), ("Open API", "开放平台"), ("Billing", "计费"), ("Messaging", "消息"),
    ),
    (
        Theme("Make {area} fast and reliable", "让{area}又快又稳", (
            dec("Cut p95 latency of {area} from {start} ms to {target} ms",
                "{area} p95 延迟从 {start} ms 降到 {target} ms", "ms", 380, 700, 120, 300),
            inc("Raise {area} availability from {start}% to {target}%",
                "{area}可用性从 {start}% 提升到 {target}%", "%", 99.5, 99.8, 0.1, 0.15, 2),
            dec("Reduce Sev-1 incidents in {area} from {start} to {target} per month",
                "{area} 一级故障从每月 {start} 起降到 {target} 起", "incidents", 5, 9, 3, 5),
            within("Keep the error rate of {area} under {target}%",
                   "{area}错误率保持在 {target}% 以内", "%", 0.5, 1, 2),
            milestone("Move {area} onto the new service mesh by {due}",
                      "{due}前将{area}迁移到新的服务网格"),
        )),
        Theme("Ship {area} features customers love, faster", "更快交付客户喜爱的{area}功能", (
            dec("Cut lead time for changes in {area} from {start} to {target} days",
                "{area}变更前置时间从 {start} 天缩短到 {target} 天", "days", 6, 12, 3, 6),
            inc("Raise deploys per week in {area} from {start} to {target}",
                "{area}每周部署次数从 {start} 提升到 {target}", "deploys", 5, 15, 5, 15),
            inc("Lift automated test coverage of {area} from {start}% to {target}%",
                "{area}自动化测试覆盖率从 {start}% 提升到 {target}%", "%", 45, 65, 10, 20),
            milestone("Release the redesigned {area} experience by {due}", "{due}前发布改版后的{area}体验"),
            binary("Turn on continuous deployment for {area}", "为{area}开启持续部署"),
        )),
        Theme("Pay down the {area} technical debt that slows us", "偿还拖慢我们的{area}技术债", (
            dec("Reduce open P1 bugs in {area} from {start} to {target}",
                "{area}未关闭 P1 缺陷从 {start} 个降到 {target} 个", "bugs", 30, 60, 15, 30),
            dec("Cut CI build time of {area} from {start} to {target} minutes",
                "{area} CI 构建时间从 {start} 分钟缩短到 {target} 分钟", "minutes", 25, 45, 10, 20),
            inc("Raise the share of {area} services on the new runtime from {start}% to {target}%",
                "{area}迁移到新运行时的服务比例从 {start}% 提升到 {target}%", "%", 20, 40, 30, 50),
            milestone("Retire the legacy {area} database by {due}", "{due}前下线旧的{area}数据库"),
        )),
    ),
    (  # task titles
        ("Write the design doc for {area} caching", "编写{area}缓存设计文档"),
        ("Add load tests for {area}", "为{area}补充压测"),
        ("Migrate {area} jobs to the new queue", "将{area}任务迁移到新队列"),
        ("Fix flaky {area} integration tests", "修复{area}不稳定的集成测试"),
        ("Instrument {area} with tracing", "为{area}接入链路追踪"),
        ("Roll out the {area} feature flag", "灰度发布{area}功能开关"),
        ("Refactor the {area} permission checks", "重构{area}权限校验"),
        ("Upgrade {area} dependencies", "升级{area}依赖库"),
        ("Set up {area} on-call runbook", "编写{area}值班手册"),
        ("Tune {area} database indexes", "优化{area}数据库索引"),
        ("Review {area} API contract with product", "与产品评审{area} API 契约"),
        ("Automate {area} canary checks", "自动化{area}金丝雀检查"),
    ),
)  # fmt: skip

_SALES = Department(
    "sales", "Sales", "销售部", 0.18,
    (  # areas
        ("Enterprise", "大客户"), ("Mid-market", "中型客户"), ("SMB", "中小企业"), ("East China", "华东"),
        ("South China", "华南"), ("North China", "华北"), ("DACH", "德语区"), ("Nordics", "北欧"),
        ("Partners", "渠道"),
    ),
    (
        Theme("Grow {area} bookings profitably", "实现{area}业务的盈利增长", (
            inc("Grow {area} new bookings from {start}M to {target}M",
                "{area}新签合同额从 {start}M 增长到 {target}M", "M", 2, 8, 1, 4, 1),
            inc("Raise {area} win rate from {start}% to {target}%",
                "{area}赢单率从 {start}% 提升到 {target}%", "%", 18, 26, 4, 8),
            dec("Cut {area} discounting from {start}% to {target}%",
                "{area}平均折扣从 {start}% 降到 {target}%", "%", 18, 25, 4, 8),
            inc("Build {area} pipeline from {start}M to {target}M",
                "{area}商机储备从 {start}M 提升到 {target}M", "M", 6, 15, 4, 8),
            milestone("Close the three largest {area} renewals by {due}", "{due}前完成{area}三大续约"),
        )),
        Theme("Make every {area} rep productive in weeks, not months", "让{area}销售在数周内而非数月内上手", (
            dec("Cut {area} ramp time from {start} to {target} days",
                "{area}新人上手时间从 {start} 天缩短到 {target} 天", "days", 90, 120, 20, 40),
            inc("Raise {area} reps at quota from {start}% to {target}%",
                "{area}达成配额的销售比例从 {start}% 提升到 {target}%", "%", 45, 60, 10, 15),
            inc("Raise {area} meetings booked per rep from {start} to {target} a week",
                "{area}人均每周会议从 {start} 场提升到 {target} 场", "meetings", 4, 7, 2, 4),
            binary("Roll out the new {area} sales playbook", "推行新版{area}销售手册"),
        )),
    ),
    (  # task titles
        ("Qualify the top 20 {area} accounts", "筛选{area}前 20 名客户"),
        ("Prepare the {area} QBR deck", "准备{area}季度业务回顾材料"),
        ("Run {area} pipeline review", "召开{area}商机评审会"),
        ("Negotiate the {area} renewal terms", "谈判{area}续约条款"),
        ("Update {area} pricing proposal", "更新{area}报价方案"),
        ("Shadow calls with new {area} reps", "陪同{area}新人拜访客户"),
        ("Clean up {area} CRM data", "清理{area} CRM 数据"),
        ("Organise the {area} customer dinner", "组织{area}客户答谢晚宴"),
    ),
)  # fmt: skip

_SUPPORT = Department(
    "support", "Customer Support", "客户支持部", 0.15,
    (  # areas
        ("Tier 1", "一线"), ("Tier 2", "二线"), ("Enterprise success", "大客户成功"),
        ("Self-service", "自助服务"), ("APAC support", "亚太支持"), ("EMEA support", "欧洲支持"),
        ("Onboarding services", "实施服务"),
    ),
    (
        Theme("Delight {area} customers at every contact", "让{area}客户每次接触都满意", (
            inc("Raise {area} CSAT from {start}% to {target}%",
                "{area}客户满意度从 {start}% 提升到 {target}%", "%", 82, 88, 4, 7),
            dec("Cut {area} first response time from {start} to {target} hours",
                "{area}首次响应时间从 {start} 小时缩短到 {target} 小时", "hours", 6, 12, 3, 6),
            dec("Reduce {area} tickets reopened from {start}% to {target}%",
                "{area}重开工单比例从 {start}% 降到 {target}%", "%", 10, 16, 4, 8),
            within("Keep the {area} backlog under {target} open tickets",
                   "{area}积压工单保持在 {target} 张以内", "tickets", 150, 300),
            milestone("Launch 24/7 coverage for {area} by {due}", "{due}前实现{area}7×24 小时支持"),
        )),
        Theme("Help {area} customers help themselves", "帮助{area}客户自助解决问题", (
            inc("Raise {area} self-service resolution from {start}% to {target}%",
                "{area}自助解决率从 {start}% 提升到 {target}%", "%", 25, 40, 10, 15),
            dec("Cut {area} ticket volume per 100 customers from {start} to {target}",
                "{area}每百客户工单量从 {start} 降到 {target}", "tickets", 20, 35, 5, 10),
            inc("Grow {area} help-centre articles rated useful from {start}% to {target}%",
                "{area}帮助文章好评率从 {start}% 提升到 {target}%", "%", 55, 70, 10, 15),
            binary("Launch the {area} chatbot", "上线{area}智能客服机器人"),
        )),
    ),
    (  # task titles
        ("Review {area} ticket tags", "复核{area}工单标签"),
        ("Write {area} macros for top issues", "为{area}高频问题编写快捷回复"),
        ("Train {area} agents on the new release", "培训{area}客服新版本知识"),
        ("Audit {area} SLA breaches", "审计{area}超时工单"),
        ("Update {area} help-centre articles", "更新{area}帮助中心文章"),
        ("Analyse {area} CSAT comments", "分析{area}满意度评论"),
        ("Set up {area} escalation path", "建立{area}升级流程"),
        ("Hire two {area} agents", "招聘两名{area}客服"),
    ),
)  # fmt: skip

_PRODUCT = Department(
    "product", "Product", "产品部", 0.08,
    (  # areas
        ("Onboarding", "新手引导"), ("Collaboration", "协作"), ("Analytics", "分析"), ("Mobile", "移动端"),
        ("Integrations", "集成"), ("Admin console", "管理后台"),
    ),
    (
        Theme("Make {area} effortless for new customers", "让新客户轻松上手{area}", (
            inc("Raise {area} activation rate from {start}% to {target}%",
                "{area}激活率从 {start}% 提升到 {target}%", "%", 30, 45, 8, 15),
            dec("Cut drop-off in the {area} flow from {start}% to {target}%",
                "{area}流程流失率从 {start}% 降到 {target}%", "%", 35, 50, 10, 18),
            inc("Lift {area} CSAT from {start} to {target}",
                "{area}满意度从 {start} 提升到 {target}", "points", 3.6, 4, 0.3, 0.6, 1),
            milestone("Launch the guided {area} tour by {due}", "{due}前上线{area}引导教程"),
            binary("Publish the {area} design principles", "发布{area}设计原则"),
        )),
        Theme("Learn faster from {area} customers", "更快地从{area}客户身上学习", (
            inc("Run {target} customer interviews on {area} (from {start})",
                "{area}客户访谈从 {start} 次增加到 {target} 次", "interviews", 5, 10, 15, 25),
            inc("Raise {area} experiments shipped from {start} to {target}",
                "{area}上线实验数从 {start} 个提升到 {target} 个", "experiments", 2, 6, 6, 10),
            dec("Cut time from idea to {area} prototype from {start} to {target} days",
                "{area}从想法到原型的时间从 {start} 天缩短到 {target} 天", "days", 15, 25, 5, 10),
            milestone("Publish the {area} opportunity map by {due}", "{due}前发布{area}机会地图"),
        )),
    ),
    (  # task titles
        ("Interview five {area} customers", "访谈五位{area}客户"),
        ("Write the {area} PRD", "撰写{area}产品需求文档"),
        ("Prototype the {area} flow in Figma", "在 Figma 中制作{area}流程原型"),
        ("Run a usability test on {area}", "对{area}做可用性测试"),
        ("Define {area} success metrics", "定义{area}成功指标"),
        ("Groom the {area} backlog", "梳理{area}需求池"),
        ("Review {area} funnel data", "复盘{area}漏斗数据"), ("Plan the {area} beta", "规划{area}公测"),
    ),
)  # fmt: skip

_MARKETING = Department(
    "marketing", "Marketing", "市场部", 0.1,
    (  # areas
        ("Brand", "品牌"), ("Demand generation", "需求挖掘"), ("Content", "内容"), ("Events", "活动"),
        ("Product marketing", "产品营销"), ("Community", "社区"),
    ),
    (
        Theme("Make {area} a growth engine", "让{area}成为增长引擎", (
            inc("Grow {area} marketing-qualified leads from {start} to {target} a month",
                "{area}月度市场合格线索从 {start} 条增长到 {target} 条", "leads", 300, 800, 150, 400),
            dec("Cut {area} cost per lead from {start} to {target} EUR",
                "{area}单条线索成本从 {start} 欧元降到 {target} 欧元", "EUR", 80, 140, 20, 40),
            inc("Raise {area} lead-to-opportunity conversion from {start}% to {target}%",
                "{area}线索转商机率从 {start}% 提升到 {target}%", "%", 8, 14, 3, 6),
            within("Keep {area} spend within {target}k per month",
                   "{area}月度预算控制在 {target}k 以内", "k", 80, 150),
            milestone("Launch the {area} spring campaign by {due}", "{due}前上线{area}春季营销活动"),
        )),
        Theme("Be the voice customers trust in {area}", "成为客户信赖的{area}声音", (
            inc("Grow {area} newsletter subscribers from {start}k to {target}k",
                "{area}订阅用户从 {start}k 增长到 {target}k", "k", 10, 40, 5, 15),
            inc("Raise {area} share of voice from {start}% to {target}%",
                "{area}声量占比从 {start}% 提升到 {target}%", "%", 10, 20, 5, 8),
            inc("Publish {target} {area} case studies (from {start})",
                "{area}客户案例从 {start} 篇增加到 {target} 篇", "case studies", 2, 5, 4, 8),
            binary("Relaunch the {area} website", "改版上线{area}官网"),
        )),
    ),
    (  # task titles
        ("Draft the {area} campaign brief", "撰写{area}活动简报"),
        ("Produce the {area} webinar", "制作{area}线上研讨会"),
        ("Write three {area} blog posts", "撰写三篇{area}博客"),
        ("Set up {area} ad experiments", "搭建{area}广告实验"),
        ("Book the {area} trade-show booth", "预订{area}展会展位"),
        ("Refresh {area} landing pages", "更新{area}落地页"),
        ("Report {area} attribution", "输出{area}归因报告"),
        ("Record the {area} customer video", "拍摄{area}客户视频"),
    ),
)  # fmt: skip

_OPS = Department(
    "operations", "Operations", "运营部", 0.07,
    (  # areas
        ("Procurement", "采购"), ("IT", "IT"), ("Facilities", "行政"), ("Business operations", "业务运营"),
        ("Legal", "法务"),
    ),
    (
        Theme("Run {area} like a product", "像做产品一样做{area}", (
            dec("Cut {area} request turnaround from {start} to {target} days",
                "{area}请求处理时间从 {start} 天缩短到 {target} 天", "days", 5, 10, 2, 4),
            inc("Raise {area} internal satisfaction from {start} to {target}",
                "{area}内部满意度从 {start} 提升到 {target}", "points", 3.5, 4, 0.3, 0.6, 1),
            dec("Reduce {area} vendor spend from {start}k to {target}k",
                "{area}供应商支出从 {start}k 降到 {target}k", "k", 400, 900, 50, 150),
            milestone("Move {area} onto the new ticketing tool by {due}",
                      "{due}前将{area}迁移到新的工单系统"),
            binary("Complete the {area} compliance review", "完成{area}合规审查"),
        )),
    ),
    (  # task titles
        ("Renegotiate the {area} vendor contract", "重新谈判{area}供应商合同"),
        ("Map the {area} request process", "梳理{area}请求流程"),
        ("Automate {area} approvals", "自动化{area}审批"),
        ("Publish the {area} service catalogue", "发布{area}服务目录"),
        ("Run the {area} quarterly audit", "开展{area}季度审计"),
        ("Survey {area} stakeholders", "调研{area}相关方"),
    ),
)  # fmt: skip

_FINANCE = Department(
    "finance", "Finance", "财务部", 0.04,
    (  # areas
        ("Accounting", "会计"), ("FP&A", "财务计划与分析"), ("Treasury", "资金"),
    ),
    (
        Theme("Give every leader {area} numbers they can trust", "让每位管理者拿到可信的{area}数据", (
            dec("Cut {area} month-end close from {start} to {target} days",
                "{area}月结时间从 {start} 天缩短到 {target} 天", "days", 8, 12, 3, 5),
            inc("Raise {area} forecast accuracy from {start}% to {target}%",
                "{area}预测准确率从 {start}% 提升到 {target}%", "%", 80, 88, 4, 7),
            dec("Reduce {area} manual journal entries from {start} to {target}",
                "{area}手工凭证从 {start} 笔降到 {target} 笔", "entries", 200, 400, 80, 150),
            milestone("Go live with the new {area} reporting cube by {due}",
                      "{due}前上线新的{area}报表系统"),
        )),
    ),
    (  # task titles
        ("Reconcile {area} accounts", "核对{area}账目"),
        ("Build the {area} forecast model", "搭建{area}预测模型"),
        ("Document {area} close checklist", "编写{area}结账清单"),
        ("Review {area} spend with budget owners", "与预算负责人复盘{area}支出"),
    ),
)  # fmt: skip

_PEOPLE = Department(
    "people", "People", "人力资源部", 0.04,
    (  # areas
        ("Talent acquisition", "招聘"), ("People partners", "人力资源业务伙伴"), ("Learning", "培训发展"),
    ),
    (
        Theme("Make {area} a reason people join and stay", "让{area}成为员工加入并留下的理由", (
            dec("Cut {area} time to hire from {start} to {target} days",
                "{area}招聘周期从 {start} 天缩短到 {target} 天", "days", 40, 60, 10, 20),
            inc("Raise {area} offer acceptance from {start}% to {target}%",
                "{area}录用接受率从 {start}% 提升到 {target}%", "%", 70, 80, 5, 10),
            inc("Raise {area} training completion from {start}% to {target}%",
                "{area}培训完成率从 {start}% 提升到 {target}%", "%", 50, 65, 15, 25),
            milestone("Launch the {area} career ladder by {due}", "{due}前发布{area}职业发展通道"),
            binary("Run the {area} engagement survey", "开展{area}敬业度调研"),
        )),
    ),
    (  # task titles
        ("Write {area} job descriptions", "撰写{area}职位描述"),
        ("Run {area} interview training", "组织{area}面试官培训"),
        ("Review {area} compensation bands", "复核{area}薪酬带宽"),
        ("Plan the {area} onboarding week", "规划{area}入职周"),
    ),
)  # fmt: skip

DEPARTMENTS: tuple[Department, ...] = (_ENG, _SALES, _SUPPORT, _PRODUCT, _MARKETING, _OPS, _FINANCE, _PEOPLE)

ORG_NAMES: tuple[tuple[str, str], ...] = (
    ("Starfield Tech", "星河科技"), ("Bluepeak Software", "蓝峰软件"), ("Northwind Cloud", "北风云"),
    ("Jade River Labs", "玉川实验室"), ("Lumen Analytics", "流明数据"), ("Harbor Systems", "港湾系统"),
)  # fmt: skip

LEADERSHIP_TASKS: tuple[tuple[str, str], ...] = (
    ("Review the plan with the board", "与董事会评审计划"),
    ("Align department heads on priorities", "与各部门负责人对齐优先级"),
    ("Hire the regional general manager", "招聘区域总经理"),
    ("Approve the budget reallocation", "审批预算调整"),
    ("Visit the five largest customers", "拜访五家最大客户"),
    ("Publish the quarterly memo", "发布季度备忘录"),
)  # fmt: skip
