"""Word classes the heuristic critic reads OKR text with, in Chinese and English.

Each class is a compiled pattern; both languages are always tried, because drafts mix them ("上线 v2 SDK").
The lists are about kinds of words (activity verbs, delivery verbs, change verbs, thresholds), never about
particular sentences.
"""

from __future__ import annotations

import re


def _words(text: str) -> set[str]:
    return set(text.split())


def _zh(words: str) -> str:
    return "|".join(sorted(words.split(), key=len, reverse=True))


# A verb followed by one of these is a noun: 开发者 (developer), 上线率, 设计师, 培训师.
_ZH_NOUN_SUFFIX = "(?![者商员师率方区院])"


def _zh_verbs(words: str) -> str:
    return f"(?:{_zh(words)}){_ZH_NOUN_SUFFIX}"


def _en(words: str) -> str:
    alts = sorted((w.replace(" ", r"[\s-]+") for w in words.split(",")), key=len, reverse=True)
    return r"\b(?:" + "|".join(a.strip() for a in alts) + r")\b"


# Doing something, rather than achieving something: a KR led by one of these is a task.
ZH_ACTIVITY = _zh_verbs(
    "组织 召开 举办 举行 开展 进行 撰写 编写 编制 起草 制定 "
    "开发 设计 搭建 建设 建立 调研 研究 培训 参加 参与 "
    "协助 配合 支持 推进 跟进 梳理 整理 准备 策划 宣讲 拜访 "
    "走访 对接 沟通 学习 阅读 输出 开会 安排 实施 执行 "
    "推广 宣传 讨论 评审 分析 收集 筹备 主持 录制 拍摄 制作 "
    "写 做 尝试 探索 试点 启动 开始 继续 持续推进 优化完善 提供 举行 发放 讲解 辅导 "
    "拨打 回访 外呼 致电 电话回访 推送 发送 群发 转发 投放 张贴 派发 巡视 巡查 督导 走访调研 慰问 家访 "
    "打卡 报名 观摩 听课 带教 陪访 约谈 面谈 宣导 普及 动员"
)
EN_ACTIVITY = _en(
    "organize,organise,hold,host,run,conduct,write,draft,prepare,attend,participate "
    "in,participate,develop,build,"
    "create,design,research,investigate,explore,study,train,educate,plan,schedule,document,refactor,help,support,"
    "assist,work on,continue,try,promote,present,give,interview,visit,meet with,review,update,implement,"
    "execute,coordinate,facilitate,brainstorm,analyze,analyse,evaluate,assess,collect,gather,record,film,produce,"
    "kick off,start,begin,set up meetings,reach out to,contact,call,email,post,blog,tweet,send,mail,share,"
    "distribute,circulate,phone,ring,text,message,follow up,follow up with,check in with,shadow,observe,"
    "audit,"
    "inspect,survey,poll,canvass,advertise,spend,sponsor,exhibit at,speak at,volunteer"
)
# Delivering a thing: a milestone. A task unless dated and next to outcome KRs.
ZH_MILESTONE = _zh_verbs(
    "上线 发布 交付 完成 落地 部署 迁移 切换 下线 开通 推出 投产 验收 发版 替换 升级 改造 接入 售罄 "
    "投入使用 投入运行 投用 投运 启用 建成 竣工 开业 落成 搬迁 迁入 交付使用 正式运行"
)
EN_MILESTONE = _en(
    "launch,ship,release,deliver,complete,finish,roll "
    "out,deploy,migrate,decommission,go live,set up,introduce,"
    "publish,stand up,upgrade,install,replace,retire,sunset,sell out,integrate,automate,digitize,digitise"
)
# Winning something from outside: with a number, an outcome count; without one, a milestone.
ZH_ACQUIRE = _zh_verbs("签约 签下 签署 拿下 赢得 招聘 招募 入职 新签 引进 吸引")
EN_ACQUIRE = _en("sign,close,win,acquire,land,onboard,hire,recruit,secure,attract")
# Passing an outside check: a verifiable done-state and a result, dated or not.
ZH_PASS = _zh_verbs("通过 获得 取得 荣获 获批 获颁 实现")
EN_PASS = _en("pass,obtain,achieve,earn,get certified,become certified,be certified,receive")
# A done-state written as a state ("站点正式上线", "clusters decommissioned", "report accepted"). A delivered
# thing ("portal live") is a milestone; a verdict from outside ("report accepted") is a result.
EN_DELIVERY_STATE = _en(
    "live,launched,shipped,released,delivered,completed,done,decommissioned,migrated,"
    "deployed,rolled out,in production,generally available,GA,sold out,retired,sunset,"
    "published,available,enabled,finished,installed,replaced,in place,adopted by,"
    "operational,up and running,in use,in service,open for business,opened,ready for use,functional,cut over,"
    "handed over,handed back,moved,relocated,digitised,digitized,automated,built,set up,stood up,implemented,"
    "upgraded,configured,integrated,connected,switched over,switched off,shut down,turned off,onboarded"
)
EN_VERDICT_STATE = _en(
    "approved,accepted,certified,signed,passed,obtained,signed off,awarded,granted,ratified,endorsed,"
    "accredited,renewed"
)
# A result stated as done ("all P1 findings closed"): measurable, and neither a delivery nor a task.
EN_RESULT_STATE = _en("closed,resolved,fixed,cleared,eliminated,removed,remediated,paid off,settled,filled")
EN_DONE_STATE = f"{EN_DELIVERY_STATE}|{EN_VERDICT_STATE}|{EN_RESULT_STATE}"
# Irregular English participles: "X built by May 1", "Y set up by June".
EN_PARTICIPLE = (
    r"\b(?:[a-z]{3,}ed|built|done|made|set|run|written|sent|held|taken|given|shut|split|put|"
    r"rebuilt|rewritten|begun|drawn|chosen|sold|bought|brought|fought|won|hung|laid|paid|led|met|found)\b"
)

# Doing something that is an event or a contact: "Make 400 calls", "Complete HACCP training",
# "每周开一次盘点会", "Community events held: 8". Activities whatever the verb in front.
ZH_EVENT = (
    r"会议|(?<![学协工社理董商机大])会(?![员计费所长话议])|培训|讲座|座谈|沙龙|分享|研讨|活动|拓展|团建|演练|"
    r"例会|晨会|复盘|路演|宣讲|面试|访谈|拜访|走访|巡检|巡查|课程|公开课|直播|调研|评审会|考察"
)
EN_EVENT = _en(
    "training,trainings,workshop,workshops,webinar,webinars,meeting,meetings,session,sessions,seminar,"
    "seminars,meetup,meetups,event,events,conference,conferences,call,calls,cold call,cold calls,visit,"
    "visits,interview,interviews,demo,demos,presentation,presentations,talk,talks,class,classes,course,"
    "courses,lesson,lessons,drill,drills,town hall,town halls,offsite,offsites,retro,retros,retrospective,"
    "retrospectives,one-on-one,one-on-ones,1:1,1:1s,huddle,huddles,standup,standups,stand-up,stand-ups,"
    "roadshow,roadshows,site visit,site visits,outreach,hackathon,hackathons,clinic,clinics,open house,"
    "open houses,fair,fairs,info session,info sessions,family night,family nights"
)
# Verbs that say nothing by themselves: with an event as their object, the KR is an activity.
ZH_DO = r"(?:开(?![发通放业展始拓票店户设立创关心支销])|完成|搞|办|做|上|组织|安排|进行|参加|参与)"
EN_DO = _en("make,do,have,complete,finish,deliver,carry out,get through,book,set up,run,hold,host,attend")
# An event said to have happened: "events held", "trainings delivered", "培训完成".
EN_EVENT_DONE = _en(
    "held,run,hosted,delivered,conducted,organized,organised,completed,done,made,attended,given,taken,"
    "organised,scheduled,booked"
)

# Moving a metric: a level is being set, so a baseline is expected.
ZH_CHANGE = _zh(
    "提升 提高 增加 增长 增至 增到 上升 升至 升到 拉升 降低 "
    "降到 降至 降为 减少 减至 缩短 缩减 压缩 下降 达到 达成 "
    "突破 超过 超越 翻番 翻倍 减半 扩大 改善 提速 加快 缩小 拉高 压降 压低 做到 冲到 冲刺"
)
EN_CHANGE = (
    r"\b(?:increas|rais|grow|grew|grown|boost|improv|lift|reduc|decreas|cut|lower|shorten|reach|hit|achiev|doubl|"
    r"tripl|halv|drop|shrink|shrank|expand|accelerat|climb|rise|rose|jump|slash|trim|minimi[sz]|maximi[sz]|"
    r"declin|fall|fell|uplift|gain)(?:e|es|ed|ing|s|ment|ement|tion|th)?\b|\b(?:up|down)\s+(?:by\s+)?(?=[\d$¥€£]|a\s|one|two|three|half)"
)
# "X to N" / "到 N" sets a level even without a verb.
TO_TARGET = r"(?:\bto|到|至|为|→|->)\s*$"
# Staying within a bound: measurable, no baseline needed.
ZH_THRESHOLD = _zh(
    "以内 以下 以上 之内 之下 之上 不低于 不高于 不超过 不少于 "
    "不多于 不大于 不小于 低于 高于 少于 多于 小于 大于 至少 "
    "最多 最少 最低 最高 控制在 保持在 维持在 稳定在 守住 ≥ ≤ ＜ ＞ < > 为零"
)
EN_THRESHOLD = (
    _en(
        "at least,at most,no more than,no less than,no fewer "
        "than,not more than,not less than,fewer than,less than,"
        "more than,greater than,below,under,above,within,up to,or better,or above,or below,or less,or more,"
        "at or above,at or below,cap,capped at,never exceed,never "
        "exceeds,stay,stays,remain,remains,keep,kept,"
        "zero,none,no major,no critical,no open"
    )
    + r"|[≤≥<>]"
)
# Keeping a level as it is.
ZH_MAINTAIN = _zh("保持 维持 稳定在 持平 守住 保住 延续")
EN_MAINTAIN = _en(
    "maintain,maintains,maintained,sustain,sustains,keep,keeps,hold "
    "steady,holds steady,hold at,remain at,stay at,flat"
)
# Where a KR says where it starts from.
ZH_BASELINE = _zh(
    "从 由 当前 目前 现为 现在 现状 基线 基准 去年 上季度 上一季度 上个月 上月 同比 环比 较 相比 原为 原来"
)
EN_BASELINE = _en(
    "from,baseline,currently,current,today,now at,last year,last quarter,last month,vs,versus,compared to,"
    "compared with,up from,down from,was,previously"
)
# New things counted from zero: no baseline needed.
ZH_NEW = _zh("新增 新签 净增 新开 新招 新获 新上 新拓 新拿下 新引进 新入驻 新建 新发展")
EN_NEW = _en("new,additional,net new,incremental")

# Words that give an objective no direction on their own.
ZH_GENERIC = _zh(
    "做好 做实 做强 做大 做优 做 好 工作 提升 提高 增强 加强 "
    "改进 改善 优化 完善 推进 推动 持续 全面 整体 各项 各方面 "
    "团队 能力 水平 效率 质量 业绩 表现 数据 指标 业务 更好 "
    "更强 更快 更 更上一层楼 一层楼 上 努力 继续 进一步 大力 "
    "积极 显著 有效 不断 我们 我 的 和 与 及 并 让 使 把 将 "
    "本季度 季度 今年 目标 达成 实现 相关 事情 东西 一切 管理 "
    "发展 成长 突破 创新 卓越 稳步 稳定 健康 高效 高质量 全力 打造 建设 成为 领先 一流 第一 最好 最佳 优秀 "
    "降本增效 提质增效 开源节流 降本 增效 提质 赋能 抓手 闭环 落实 落地 做大做强 再创佳绩 新高 新台阶 "
    "效益 结果 成绩 Q1 Q2 Q3 Q4 上半年 下半年 个人 自己 部门 公司 整个 一起 共同 "
    "搞好 搞上去 搞起来 搞定 管起来 管好 抓好 抓起来 弄好 上去 起来 拉满 到位 一把 再上"
)
# Nouns every team has: an objective made only of these and generic words says nothing about direction.
ZH_GENERIC_NOUNS = _zh(
    "用户体验 客户体验 体验 用户 客户 服务 产品 满意度 流程 "
    "运营 团队建设 品牌 销售 营销 市场 成本 收入 营收 利润 "
    "增长 效能 协作 沟通 文化 士气 人才 技术 研发 系统 平台 安全 合规 交付"
)
EN_GENERIC_NOUNS = _words(
    "customer customers user users client clients experience "
    "experiences satisfaction product products service "
    "services process processes operations brand sales "
    "marketing market cost costs revenue growth building "
    "collaboration communication culture morale talent technology engineering system systems platform "
    "security compliance delivery people employee employees staff"
)
EN_GENERIC = _words(
    "improve improving improved better best do doing done make making things thing stuff everything "
    "performance work working team teams our we us the a an "
    "of to it its take next level be being more awesome "
    "great good grow growth drive driving increase boost "
    "enhance optimize optimise results result business "
    "continuously continue continuous keep going excellence "
    "excel excellent win winning success successful "
    "succeed quality efficiency efficient overall all and in on for this quarter q1 q2 q3 q4 goals goal "
    "objectives objective get go world class world-class "
    "top-notch strong stronger up step game revenue sales "
    "profit numbers metrics kpis kpi outcomes progress company department whole entire my me i you your "
    "together forward ahead higher faster bigger much lot "
    "lots real really truly high impact deliver value "
    "strive aim achieve become amazing outstanding superb fantastic "
    "crush crushing nail nailing smash smashing rock rocking kill killing it sort sorted fix fixed level "
    "push hard big huge awesome again even way ways lets let's"
)

# Metrics whose level means little without where it stands today.
LEVEL_METRIC = (
    r"率|占比|满意度|得分|评分|留存|日活|月活|周活|营收|收入|销售额|成交额|利润|毛利|成本|客单价|时长|耗时|时间|周期|"
    r"可用性|稳定性|净推荐值|"
    r"\b(?:NPS|CSAT|MAU|DAU|WAU|ARR|MRR|GMV|CTR|LTV|CAC|ROI|ROAS|AOV|ARPU|DSO|MTTR|MTBF|NRR|GRR|eNPS|CES)\b|"
    r"\b(?:rate|share|ratio|score|retention|churn|revenue|margin|latency|uptime|availability|satisfaction|"
    r"conversion|time|duration|cost|costs|spend|velocity|throughput|coverage|rating|average|avg|median|yield|"
    r"OEE|utili[sz]ation|occupancy|attendance|adoption|engagement|accuracy|productivity|turnaround|size)\b|"
    r"平均|均值|良率|出勤|人效|坪效|周转|覆盖"
)

# Nouns that name a bounded ratio: above 100% is impossible.
RATE_NOUN = (
    r"覆盖率|准确率|占比|满意度|可用性|留存率|转化率|成功率|合格率|通过率|渗透率|完读率|点击率|覆盖|份额|"
    r"\b(?:coverage|accuracy|share|availability|uptime|satisfaction|conversion|success\s+rate|pass\s+rate|"
    r"click[\s-]*through|CTR|adoption|penetration|open\s+rate|rate|attendance|completion|compliance)\b|率"
)
# Ratios that do go past 100%: net revenue retention, ROI, growth, target attainment.
UNBOUNDED_RATIO = (
    r"净收入留存|净留存|增长率|增速|回报率|溢价率|增幅|涨幅|倍率|杠杆率|(?:目标|任务|指标|计划|业绩|销售|预算|KPI|营收|收入|回款|销量)\S{0,4}(?:完成率|达成率)|"
    r"\b(?:net|NRR|growth|attainment|ROI|ROAS|markup|YoY|index|return|premium|leverage)\b|"
    r"\bof\s+(?:the\s+)?(?:target|plan|quota|budget|goal|forecast|last\s+year|baseline|capacity)\b"
)

# Names of the same metric, so that "MAU 达到 80 万" and "月活跃用户从 50 万增长到 80 万" compare.
METRIC_SYNONYMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), canonical)
    for p, canonical in (
        (r"月活跃用户数?|月活用户数?|月活|\bmonthly\s+active\s+users?\b|\bMAU\b", " mau "),
        (r"日活跃用户数?|日活用户数?|日活|\bdaily\s+active\s+users?\b|\bDAU\b", " dau "),
        (r"周活跃用户数?|周活|\bweekly\s+active\s+users?\b|\bWAU\b", " wau "),
        (r"净推荐值|\bnet\s+promoter\s+score\b|\bNPS\b", " nps "),
        (r"客户满意度|用户满意度|\bcustomer\s+satisfaction(?:\s+score)?\b|\bCSAT\b", " csat "),
        (r"成交总额|商品交易总额|\bGMV\b", " gmv "),
        (r"营业收入|营收|\brevenue\b", " revenue "),
        (r"流失率|\bchurn(?:\s+rate)?\b", " churn "),
        (r"年度经常性收入|\bannual\s+recurring\s+revenue\b|\bARR\b", " arr "),
        (r"月度经常性收入|\bmonthly\s+recurring\s+revenue\b|\bMRR\b", " mrr "),
        (r"点击率|\bclick[\s-]*through(?:\s+rate)?\b|\bCTR\b", " ctr "),
        (r"(?:续费|续订|续约|续签)(?:率|比例|占比)|\brenewal\s+rate\b", " renewal "),
        # Words for "how long" and "what share": "修复时长" and "修复时间", "续订比例" and "续订率" compare.
        (r"时长|时间|耗时|用时|历时", "时长"),
        (r"比例|比率|比重|占比", "率"),
    )
]

# Stop words for comparing what two KRs measure.
ZH_SUBJECT_STOP = _zh(
    "的 从 到 至 由 将 把 在 于 每 及 和 与 并 为 达 提升 "
    "提高 增加 增长 增至 上升 升至 降低 降到 降至 降为 减少 减至 "
    "缩短 缩减 下降 达到 突破 超过 翻番 翻倍 减半 控制在 控制 "
    "以内 以下 以上 不低于 不超过 不少于 不高于 保持在 保持 "
    "维持 稳定在 当前 目前 基线 基准 现为 平均 左右 约 个 家 "
    "名 位 人 次 篇 件 项 天 小时 分钟 秒 周 月 年 元 万 分"
)
EN_SUBJECT_STOP = _words(
    "the a an of on in for to from by at with per and or our we each every all is are be than as vs into "
    "within under below above over least most no more "
    "less reach reaches reached increase increased raise "
    "raised grow reduce reduced reduces decrease decreased "
    "cut lower lowered shorten improve improved get "
    "keep kept maintain stay stays remain up down hit achieve to percent points pp days day hours hour "
    "minutes minute seconds second weeks week months month "
    "quarter quarters per rate k m s ms h min x times "
    "current currently baseline last year about around approximately"
)


def compile_any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


ACTIVITY_RE = compile_any(ZH_ACTIVITY, EN_ACTIVITY)
MILESTONE_RE = compile_any(ZH_MILESTONE, EN_MILESTONE)
ACQUIRE_RE = compile_any(ZH_ACQUIRE, EN_ACQUIRE)
DONE_STATE_RE = compile_any(EN_DONE_STATE)
DELIVERY_STATE_RE = compile_any(EN_DELIVERY_STATE)
PARTICIPLE_RE = re.compile(EN_PARTICIPLE, re.IGNORECASE)
DO_EVENT_RE = re.compile(
    rf"^(?:{ZH_DO}[^，,。；;]{{0,10}}?(?:{ZH_EVENT})|{EN_DO}(?:\s+\S+){{0,5}}?\s+{EN_EVENT})", re.IGNORECASE
)
EVENT_DONE_RE = re.compile(rf"{EN_EVENT}\s+(?:\w+\s+)?{EN_EVENT_DONE}", re.IGNORECASE)
ZH_MILESTONE_RE = re.compile(ZH_MILESTONE)
PASS_RE = compile_any(ZH_PASS, EN_PASS)
ZH_VERB_ANYWHERE_RE = compile_any(ZH_MILESTONE, ZH_ACQUIRE, ZH_PASS)
# What may stand before a Chinese verb that still leads the KR: 全员完成, 每周输出, 累计拜访.
# "为新客户提供培训", "给每位主管安排辅导": an activity done for someone.
ZH_FOR_SOMEONE_RE = re.compile(
    r"^(?:为|给|向|帮|帮助|替|对)[^，,。；;]{1,12}?(?:提供|开展|组织|举办|安排|进行|培训|输出|撰写|编写|制作|建立|搭建|"
    r"推送|发放|讲解|宣讲|辅导)"
)
ZH_LEAD_PREFIX_RE = re.compile(
    r"^(?:全员|全部|团队|每周|每月|每季度|每天|每日|累计|共|总共|合计|至少|再|独立|主动|定期|按时|持续|逐步|分批|统一|"
    r"集中|首次|所有|各|我们|我方|本人|亲自|协同|联合|牵头|负责)$"
)
CHANGE_RE = compile_any(ZH_CHANGE, EN_CHANGE)
TO_TARGET_RE = re.compile(TO_TARGET, re.IGNORECASE)
THRESHOLD_RE = compile_any(ZH_THRESHOLD, EN_THRESHOLD, r"(?:天|日|小时|分钟|秒|周|个月|工作日)\s*内")
MAINTAIN_RE = compile_any(ZH_MAINTAIN, EN_MAINTAIN)
BASELINE_RE = compile_any(ZH_BASELINE, EN_BASELINE)
NEW_RE = compile_any(ZH_NEW, EN_NEW)
ZH_GENERIC_RE = re.compile(f"{ZH_GENERIC}|{ZH_GENERIC_NOUNS}", re.IGNORECASE)
RATE_NOUN_RE = re.compile(RATE_NOUN, re.IGNORECASE)
UNBOUNDED_RATIO_RE = re.compile(UNBOUNDED_RATIO, re.IGNORECASE)
LEVEL_METRIC_RE = re.compile(LEVEL_METRIC, re.IGNORECASE)
# A phrase ending in one of these names a metric ("交付准时率", "上线引起的故障数", "release frequency").
METRIC_NOUN_END_RE = re.compile(
    r"(?:率|占比|时长|耗时|周期|次数|数量|数|量|频次|频率|得分|评分|满意度|进度|覆盖|成本|金额|额|"
    r"\b(?:rate|ratio|share|frequency|count|number|time|duration|cycle|score|cost|volume|lead\s+time|"
    r"coverage|throughput|latency|velocity))$",
    re.IGNORECASE,
)
ZH_SUBJECT_STOP_RE = re.compile(ZH_SUBJECT_STOP)
