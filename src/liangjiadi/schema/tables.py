"""The input contract as data: every table, its columns, types, codes and rules.

Field names are the national platform's (hospital-interface layer, lower-case). Where the
platform has no standard name the column is marked `own=True` (the project's own name).
Everything that validates input, writes the lake or documents the contract reads this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DType = Literal["str", "code", "int", "money", "float", "date", "datetime", "period", "admdvs"]

# How a table's rows are assigned to a lake period partition.
PeriodSource = Literal["setl_time", "column", "link", "year", "snapshot"]

DTYPE_CN = {
    "str": "文本",
    "code": "代码",
    "int": "整数",
    "money": "金额（元，2 位小数）",
    "float": "数值",
    "date": "日期",
    "datetime": "日期时间",
    "period": "期间（YYYY-MM）",
    "admdvs": "6 位医保区划代码",
}


# Longest accepted value per type, in characters. Generous for real data; what is longer is
# a broken file (e.g. a stray quote that joined many rows into one value).
DEFAULT_MAX_LEN = {"str": 200, "code": 30, "int": 20, "money": 30, "float": 40, "date": 30,
                   "datetime": 40, "period": 10, "admdvs": 12}
IDENTIFIER_MAX_LEN = 64
# Text columns that are identifiers or codes (digits that must stay exactly as delivered).
IDENTIFIER_COLUMNS = frozenset({
    "setl_id", "mdtrt_id", "psn_no", "certno", "fixmedins_code", "yigongti_id", "psn_type",
    "med_chrgitm_type", "maindiag_code", "main_oprn_code", "grp_code", "adrg_code", "mdc_code", "catalog_code",
})


@dataclass(frozen=True)
class Column:
    name: str
    dtype: DType
    cn: str
    required: bool = False  # the column must be present in the file
    nullable: bool = True  # a blank value is accepted
    codes: str | None = None  # code table name (schema.codes) for dtype "code"
    aliases: tuple[str, ...] = ()
    own: bool = False  # project's own name (not a platform field)
    pseudonymise: bool = False  # replaced by a keyed hash before it reaches the lake
    allow_negative: bool = False  # money that may be negative on a normal row
    note: str = ""
    max_len: int | None = None  # longest accepted value (characters); None = the dtype's default

    @property
    def limit(self) -> int:
        """Longest value accepted: a longer one quarantines its row and is never stored."""
        if self.max_len is not None:
            return self.max_len
        if self.name in IDENTIFIER_COLUMNS:
            return IDENTIFIER_MAX_LEN
        return DEFAULT_MAX_LEN[self.dtype]

    @property
    def identifier(self) -> bool:
        """A code or number-like key: refused when it arrives as a (possibly rounded) number."""
        return self.dtype in ("code", "admdvs") or self.name in IDENTIFIER_COLUMNS


@dataclass(frozen=True)
class Table:
    name: str
    cn: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    period_source: PeriodSource
    period_column: str | None = None  # the column the period is read from
    admdvs_from_row: bool = False  # partition by the row's admdvs column (else the region)
    parts: tuple[tuple[str, str], ...] = ()  # (part, whole): |part| <= |whole| within a row
    ordered: tuple[tuple[str, str], ...] = ()  # (begin, end): end >= begin
    refund_flag: str | None = None  # column that marks refund rows (negative amounts allowed)
    link_setl_id: bool = False  # each row must have its settlement in setl_d
    own: bool = False
    optional: bool = False  # a region may not hand this table in
    note: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _m(name: str, cn: str, **kw) -> Column:
    return Column(name, "money", cn, **kw)


FIXMEDINS = Table(
    name="fixmedins",
    cn="定点医药机构",
    columns=(
        Column("fixmedins_code", "str", "定点医药机构编号", required=True, nullable=False),
        Column("fixmedins_name", "str", "定点医药机构名称", required=True, nullable=False),
        Column("fixmedins_type", "code", "定点医药机构类型", required=True, nullable=False, codes="fixmedins_type"),
        Column("hosp_lv", "code", "医药机构等级", codes="hosp_lv", note="药店可为空"),
        Column("inst_kind", "str", "机构类别（综合/专科/中医/妇幼/基层）", own=True),
        Column("ownership", "str", "所有制（公立/民营）", own=True),
        Column("admdvs", "admdvs", "机构所属医保区划", required=True, nullable=False),
        Column("bed_cnt", "int", "定点床位数", own=True),
        Column("drg_dip_flag", "code", "是否开展DRG/DIP付费", codes="flag01"),
        Column("yigongti_id", "str", "所属县域医共体", own=True),
        Column("lon", "float", "经度", own=True),
        Column("lat", "float", "纬度", own=True),
        Column("period", "period", "生效期间（床位等随期间变化时填写）", own=True),
    ),
    key=("fixmedins_code", "period"),
    period_source="snapshot",
    period_column="period",
    admdvs_from_row=True,
    note="一机构一行；床位数随期间变化时，每个期间一行（period 为生效月份）。",
)

SETL_D = Table(
    name="setl_d",
    cn="结算数据",
    columns=(
        Column("setl_id", "str", "结算ID", required=True, nullable=False),
        Column("mdtrt_id", "str", "就诊ID", required=True, nullable=False),
        Column("psn_no", "str", "人员编号", required=True, nullable=False, pseudonymise=True,
               note="入湖前以带密钥的哈希替换，任何输出都不出现"),
        Column("insutype", "code", "险种类型", required=True, nullable=False, codes="insutype"),
        Column("psn_type", "str", "人员类别"),
        Column("med_type", "code", "医疗类别", required=True, nullable=False, codes="med_type"),
        Column("clr_type", "code", "清算类别", codes="clr_type"),
        Column("fixmedins_code", "str", "定点医药机构编号", required=True, nullable=False),
        Column("fix_blng_admdvs", "admdvs", "机构所属区划（就医地）", required=True, nullable=False),
        Column("insu_admdvs", "admdvs", "参保地区划", required=True, nullable=False,
               aliases=("insuplc_admdvs",)),
        Column("begndate", "date", "开始日期（入院）"),
        Column("enddate", "date", "结束日期（出院）"),
        Column("setl_time", "datetime", "结算时间", required=True, nullable=False),
        _m("medfee_sumamt", "医疗费总额", required=True, nullable=False),
        _m("fulamt_ownpay_amt", "全自费金额", required=True),
        _m("overlmt_selfpay", "超限价自费费用"),
        _m("preselfpay_amt", "先行自付金额"),
        _m("inscp_scp_amt", "符合政策范围金额", required=True, aliases=("inscp_amt",)),
        _m("hifp_pay", "基本医疗保险统筹基金支出", required=True, nullable=False),
        _m("hifmi_pay", "居民大病保险资金支出"),
        _m("hifob_pay", "职工大额医疗费用补助基金支出"),
        _m("cvlserv_pay", "公务员医疗补助资金支出"),
        _m("maf_pay", "医疗救助基金支出"),
        _m("oth_pay", "其他支出"),
        _m("fund_pay_sumamt", "基金支付总额", required=True),
        _m("acct_pay", "个人账户支出"),
        _m("psn_cash_pay", "个人现金支出"),
        _m("psn_part_amt", "个人负担总金额"),
        Column("refd_setl_flag", "code", "退费结算标志", codes="flag01",
               note="1 = 退费行（金额为负）；人次只计 0 行，金额取净额"),
        Column("vali_flag", "code", "有效标志", codes="flag01", note="仅 1 计入；空值按 1"),
        Column("setl_pay_way", "code", "结算方式", codes="setl_pay_way", own=True),
    ),
    key=("setl_id",),
    period_source="setl_time",
    period_column="setl_time",
    parts=(
        ("fulamt_ownpay_amt", "medfee_sumamt"),
        ("inscp_scp_amt", "medfee_sumamt"),
        ("fund_pay_sumamt", "medfee_sumamt"),
        ("hifp_pay", "fund_pay_sumamt"),
        ("hifp_pay", "medfee_sumamt"),
        ("psn_part_amt", "medfee_sumamt"),
    ),
    ordered=(("begndate", "enddate"),),
    refund_flag="refd_setl_flag",
    note="一次结算一行，含门诊、住院、药店购药与退费；包括本地参保在外地就医（异地）与外地参保在本地就医。",
)

SETL_LIST = Table(
    name="setl_list",
    cn="医保结算清单",
    columns=(
        Column("setl_id", "str", "结算ID", required=True, nullable=False),
        Column("fixmedins_code", "str", "定点医药机构编号", required=True, nullable=False),
        Column("upld_time", "datetime", "上传时间"),
        Column("qc_pass_flag", "code", "质控通过标志", codes="flag01"),
        Column("adm_time", "datetime", "入院时间"),
        Column("dscg_time", "datetime", "出院时间"),
        Column("act_ipt_days", "int", "实际住院天数"),
        Column("dscg_way", "str", "离院方式"),
        Column("maindiag_code", "str", "主诊断编码（医保版 ICD-10）"),
        Column("main_oprn_code", "str", "主手术操作编码（医保版 ICD-9-CM-3）"),
        Column("grp_type", "code", "分组类型（DRG/DIP）", codes="grp_type", own=True),
        Column("grp_code", "str", "DRG 组或 DIP 病种编码（QY/0000 为未入组）", own=True),
        Column("grp_weight", "float", "相对权重 RW 或病种分值", own=True),
    ),
    key=("setl_id",),
    period_source="link",
    period_column="dscg_time",
    ordered=(("adm_time", "dscg_time"),),
    link_setl_id=True,
    note="一次住院结算上传一份清单；期间随其结算（结算数据中找不到时按出院时间）。",
)

SETL_FEE = Table(
    name="setl_fee",
    cn="费用构成",
    columns=(
        Column("setl_id", "str", "结算ID", required=True, nullable=False),
        Column("med_chrgitm_type", "str", "收费项目类别", required=True, nullable=False),
        _m("item_sumamt", "明细项目费用总额", required=True, nullable=False),
        _m("item_claa_amt", "甲类费用"),
        _m("item_clab_amt", "乙类费用"),
        _m("item_ownpay_amt", "自费费用"),
    ),
    key=("setl_id", "med_chrgitm_type"),
    period_source="link",
    parts=(("item_claa_amt", "item_sumamt"), ("item_clab_amt", "item_sumamt"),
           ("item_ownpay_amt", "item_sumamt")),
    link_setl_id=True,
    optional=True,
    note="可选；一次结算的每个收费项目类别一行（来自 4103 明细）。",
)

SPECIAL_CASE = Table(
    name="special_case",
    cn="特例单议",
    columns=(
        Column("setl_id", "str", "结算ID", required=True, nullable=False),
        Column("fixmedins_code", "str", "定点医药机构编号", required=True, nullable=False),
        Column("apply_date", "date", "申请日期", required=True, nullable=False),
        Column("audit_result", "code", "审核结果（1 通过，0 不通过，空为待审）", codes="flag01"),
        Column("audit_date", "date", "审核日期"),
    ),
    key=("setl_id",),
    period_source="link",
    period_column="apply_date",
    ordered=(("apply_date", "audit_date"),),
    link_setl_id=True,
    own=True,
    note="一份申请一行；期间随其结算。",
)

CLR_RESULT = Table(
    name="clr_result",
    cn="清算结果",
    columns=(
        Column("fixmedins_code", "str", "定点医药机构编号", required=True, nullable=False),
        Column("period", "period", "清算期间", required=True, nullable=False),
        _m("declared_amt", "医疗机构申报医保结算金额", required=True, nullable=False),
        _m("deducted_amt", "违规扣除金额", required=True),
        _m("paid_amt", "实际支付金额", required=True, nullable=False),
    ),
    key=("fixmedins_code", "period"),
    period_source="column",
    period_column="period",
    parts=(("deducted_amt", "declared_amt"), ("paid_amt", "declared_amt")),
    own=True,
    note="每个机构每个期间一行，用于医保基金支付率。",
)

FUND_REPORT = Table(
    name="fund_report",
    cn="医保基金报表",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("period", "period", "报表期间", required=True, nullable=False),
        Column("fund", "code", "基金（employee/resident/assistance）", required=True, nullable=False, codes="fund"),
        Column("item", "code", "报表项目", required=True, nullable=False, codes="fund_item"),
        _m("amount", "金额（年初至本期累计）", required=True, nullable=False, allow_negative=True),
    ),
    key=("admdvs", "period", "fund", "item"),
    period_source="column",
    period_column="period",
    admdvs_from_row=True,
    own=True,
    note="金额为年初至本期累计数；结余项可为负。",
)

PSN_COUNT = Table(
    name="psn_count",
    cn="参保人数",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("period", "period", "期间", required=True, nullable=False),
        Column("insutype", "code", "险种类型", required=True, nullable=False, codes="insutype"),
        Column("psn_cnt", "int", "月末参保人数固化值", required=True, nullable=False),
    ),
    key=("admdvs", "period", "insutype"),
    period_source="column",
    period_column="period",
    admdvs_from_row=True,
    own=True,
)

BUDGET = Table(
    name="budget",
    cn="下一年度统筹地区医保总额",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("year", "int", "预算年度", required=True, nullable=False),
        Column("item", "code", "预算项目", required=True, nullable=False, codes="budget_item"),
        _m("amount", "金额", required=True, nullable=False),
    ),
    key=("admdvs", "year", "item"),
    period_source="year",
    period_column="year",
    admdvs_from_row=True,
    own=True,
    optional=True,
)

GRP_CATALOG = Table(
    name="grp_catalog",
    cn="DRG/DIP 分组目录",
    columns=(
        Column("grp_type", "code", "分组类型", required=True, nullable=False, codes="grp_type"),
        Column("grp_code", "str", "DRG 组或 DIP 病种编码", required=True, nullable=False),
        Column("grp_name", "str", "名称", required=True),
        Column("adrg_code", "str", "ADRG 编码（DIP 可为类目）"),
        Column("mdc_code", "str", "MDC 编码"),
        Column("weight", "float", "相对权重 RW 或病种分值", required=True, nullable=False),
        _m("pay_std", "付费标准（元）"),
        Column("basic_grp_flag", "code", "是否基层病组", codes="flag01"),
    ),
    key=("grp_type", "grp_code"),
    period_source="snapshot",
    own=True,
    note="所用分组方案版本的目录；再次导入即整体替换。",
)

CODE_CATALOG = Table(
    name="code_catalog",
    cn="诊断与手术操作编码目录",
    columns=(
        Column("code_type", "code", "编码类型（diag 诊断 / oprn 手术操作）", required=True, nullable=False,
               codes="catalog_code_type"),
        Column("catalog_code", "str", "编码（如 I63.300、36.0601）", required=True, nullable=False,
               aliases=("code",)),
        Column("code_name", "str", "名称", required=True, nullable=False),
    ),
    key=("code_type", "catalog_code"),
    period_source="snapshot",
    own=True,
    optional=True,
    note="本地区所用医保版诊断、手术操作编码及名称；专题分析用它给细分编码（亚目）注名，未提供时只列编码。再次导入即整体替换。",
)

EXTERNAL = Table(
    name="external",
    cn="其他指标（外部提供）",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("period", "period", "期间", required=True, nullable=False),
        Column("indicator_id", "int", "指标序号", required=True, nullable=False),
        Column("fixmedins_code", "str", "机构编号（空为统筹地区）"),
        Column("value", "float", "指标值", required=True, nullable=False),
    ),
    key=("admdvs", "period", "indicator_id", "fixmedins_code"),
    period_source="column",
    period_column="period",
    admdvs_from_row=True,
    own=True,
    optional=True,
)

# ---- 县域医共体 (seeds/003; docs/yigongti.md) ---------------------------------------------------
# What the platform does not hold and seeds/003's budget, clearing and assessment need. All optional:
# a region without 紧密型县域医共体 hands none of them in.

_COUNTY = Column("county_admdvs", "admdvs", "县（市、区）医保区划代码", required=True, nullable=False)

YIGONGTI = Table(
    name="yigongti",
    cn="县域医共体",
    columns=(
        Column("yigongti_id", "str", "医共体编号（与定点医药机构表 yigongti_id 一致）", required=True, nullable=False),
        Column("yigongti_name", "str", "医共体名称", required=True, nullable=False),
        _COUNTY,
        Column("lead_fixmedins_code", "str", "牵头医院定点机构编号", required=True, nullable=False),
        Column("members", "str", "成员单位定点机构编号，以分号分隔（空时取定点医药机构表中 yigongti_id 相同的机构）",
               max_len=8000),
        Column("tight_since", "period", "经市级卫生健康部门判定达到“紧密型”的起始月份（空为未判定，不实行总额付费）"),
    ),
    key=("yigongti_id",),
    period_source="snapshot",
    own=True,
    optional=True,
    note="一个医共体一行；再次导入即整体替换。牵头医院视为成员。",
)

YIGONGTI_PERSON = Table(
    name="yigongti_person",
    cn="参保人员归属县",
    columns=(
        Column("psn_no", "str", "人员编号", required=True, nullable=False, pseudonymise=True,
               note="入湖前以带密钥的哈希替换，任何输出都不出现"),
        _COUNTY,
    ),
    key=("psn_no",),
    period_source="snapshot",
    own=True,
    optional=True,
    note="地区有人员到县的对照表时提供；缺省按结算数据的参保地区划（insu_admdvs）归属到县，再归属到该县的医共体。",
)

YIGONGTI_INSURED_DUE = Table(
    name="yigongti_insured_due",
    cn="应参保人数",
    columns=(
        _COUNTY,
        Column("year", "int", "年度", required=True, nullable=False),
        Column("due_cnt", "int", "应参保人数（省分配指标）", required=True, nullable=False),
        Column("insured_cnt", "int", "县域内已参保人数（空时取参保人数表该县 12 月数）"),
    ),
    key=("county_admdvs", "year"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
)

YIGONGTI_SUBSIDY = Table(
    name="yigongti_subsidy",
    cn="城乡居民医保财政补助到位",
    columns=(
        _COUNTY,
        Column("year", "int", "年度", required=True, nullable=False),
        Column("level", "str", "补助来源（中央/省/市/县）", required=True, nullable=False),
        _m("due_amt", "应到位资金", required=True, nullable=False),
        _m("arrived_amt", "已到位资金", required=True, nullable=False),
    ),
    key=("county_admdvs", "year", "level"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
)

YIGONGTI_VILLAGE_CLINIC = Table(
    name="yigongti_village_clinic",
    cn="村卫生室及定点情况",
    columns=(
        _COUNTY,
        Column("year", "int", "年度（年末状态）", required=True, nullable=False),
        Column("clinic_code", "str", "村卫生室编码（卫生健康部门）", required=True, nullable=False),
        Column("clinic_name", "str", "村卫生室名称"),
        Column("fixed_flag", "code", "是否医保定点", required=True, nullable=False, codes="flag01"),
        Column("fixmedins_code", "str", "定点机构编号（定点时填写）"),
    ),
    key=("year", "clinic_code"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
    note="每年每个村卫生室一行（含未定点的），用于村卫生室纳入定点增长率。",
)

YIGONGTI_VBP = Table(
    name="yigongti_vbp",
    cn="集采药品采购",
    columns=(
        _COUNTY,
        Column("year", "int", "年度", required=True, nullable=False),
        Column("clinic_code", "str", "采购机构编码（村卫生室等）", required=True, nullable=False),
        Column("generic_name", "str", "通用名", required=True, nullable=False),
        Column("dosage_form", "str", "剂型", required=True, nullable=False),
        Column("drug_code", "str", "药品编码", required=True, nullable=False),
        Column("selected_flag", "code", "是否集采中选药品", required=True, nullable=False, codes="flag01"),
        Column("qty", "float", "采购数量", required=True, nullable=False),
    ),
    key=("year", "clinic_code", "drug_code"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
    note="来自省药品和医用耗材招采管理系统；每年每机构每个药品一行。",
)

YIGONGTI_SATISFACTION = Table(
    name="yigongti_satisfaction",
    cn="医保病人满意度调查",
    columns=(
        Column("yigongti_id", "str", "医共体编号", required=True, nullable=False),
        Column("year", "int", "年度", required=True, nullable=False),
        Column("surveyed_cnt", "int", "接受调查患者数", required=True, nullable=False),
        Column("satisfied_cnt", "int", "满意患者数", required=True, nullable=False),
    ),
    key=("yigongti_id", "year"),
    period_source="year",
    period_column="year",
    parts=(("satisfied_cnt", "surveyed_cnt"),),
    own=True,
    optional=True,
)

YIGONGTI_FAMILY_DOCTOR = Table(
    name="yigongti_family_doctor",
    cn="家庭医生签约服务",
    columns=(
        Column("yigongti_id", "str", "医共体编号", required=True, nullable=False),
        Column("year", "int", "年度", required=True, nullable=False),
        Column("signed_paid_cnt", "int", "实际缴纳签约服务费的签约人数", required=True, nullable=False),
        _m("fee_per_person", "医保基金承担的签约服务费标准（元/人·年）", required=True, nullable=False),
    ),
    key=("yigongti_id", "year"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
)

YIGONGTI_BUREAU = Table(
    name="yigongti_bureau",
    cn="医共体预付金与超支原因（医保部门录入）",
    columns=(
        Column("yigongti_id", "str", "医共体编号", required=True, nullable=False),
        Column("year", "int", "年度", required=True, nullable=False),
        Column("item", "code", "事项", required=True, nullable=False, codes="yigongti_item"),
        _m("amount", "金额", required=True, nullable=False),
        Column("note", "str", "说明"),
    ),
    key=("yigongti_id", "year", "item"),
    period_source="year",
    period_column="year",
    own=True,
    optional=True,
    note="预付金（自愿申请、经批准）与年终清算时经共同分析认定的超支原因及金额。",
)

YIGONGTI_REFERRAL = Table(
    name="yigongti_referral",
    cn="转诊住院与连续计算起付线",
    columns=(
        Column("setl_id", "str", "结算ID（转诊住院的那次结算）", required=True, nullable=False),
        Column("refl_out_fixmedins_code", "str", "转出机构定点编号"),
        Column("cont_dedc_flag", "code", "是否连续计算起付线（1 是，0 否）", required=True, nullable=False,
               codes="flag01"),
    ),
    key=("setl_id",),
    period_source="link",
    link_setl_id=True,
    own=True,
    optional=True,
    note="符合规定的转诊住院每次结算一行（seeds/003 三：对符合规定的转诊住院患者连续计算起付线）；期间随其结算。"
         "没有转诊标记的地区不提供，连续计算起付线占比显示“缺少数据”。",
)

YIGONGTI_TABLES = (YIGONGTI, YIGONGTI_PERSON, YIGONGTI_INSURED_DUE, YIGONGTI_SUBSIDY, YIGONGTI_VILLAGE_CLINIC,
                   YIGONGTI_VBP, YIGONGTI_SATISFACTION, YIGONGTI_FAMILY_DOCTOR, YIGONGTI_BUREAU, YIGONGTI_REFERRAL)

# ---- optional payment inputs (支付方式管理, seeds/004 5.1.4 / 6.2.2 / 6.2.3) --------------------

PAY_COEF = Table(
    name="pay_coef",
    cn="定点医疗机构调节系数",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("year", "int", "执行年度", required=True, nullable=False),
        Column("fixmedins_code", "str", "定点医疗机构编号", required=True, nullable=False),
        Column("adj_coef", "float", "调节系数（1 为不调节）", required=True, nullable=False),
    ),
    key=("admdvs", "year", "fixmedins_code"),
    period_source="year",
    period_column="year",
    admdvs_from_row=True,
    own=True,
    optional=True,
    note="可选；一机构一年一行。支付方式配置文件中的 institution_coefficients 优先于本表。",
)

BED_DAY_RATE = Table(
    name="bed_day_rate",
    cn="床日付费标准",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("year", "int", "执行年度", required=True, nullable=False),
        Column("pay_level", "code", "机构级别（3 三级 / 2 二级 / 1 一级及以下）", required=True,
               nullable=False, codes="pay_level"),
        _m("day_rate", "每床日统筹基金支付标准（元）", required=True, nullable=False),
    ),
    key=("admdvs", "year", "pay_level"),
    period_source="year",
    period_column="year",
    admdvs_from_row=True,
    own=True,
    optional=True,
    note="可选；按床日付费（setl_pay_way = bed_day）病例的每日标准。支付方式配置文件中的 bed_day_rates 优先于本表。",
)

DAY_SURGERY = Table(
    name="day_surgery",
    cn="日间手术病种",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("year", "int", "执行年度", required=True, nullable=False),
        Column("grp_type", "code", "分组类型", required=True, nullable=False, codes="grp_type"),
        Column("grp_code", "str", "DRG 组或 DIP 病种编码", required=True, nullable=False),
        _m("pay_std", "定额支付标准（元；空为按分值/权重支付）"),
    ),
    key=("admdvs", "year", "grp_type", "grp_code"),
    period_source="year",
    period_column="year",
    admdvs_from_row=True,
    own=True,
    optional=True,
    note="可选；列入的病组/病种住院天数不超过 day_surgery_max_days（默认 1 天）时按日间手术支付。",
)

# ---- optional assessment inputs (考核评价, seeds/004 10.1 b, c) ---------------------------------

SETL_DIAG = Table(
    name="setl_diag",
    cn="出院诊断（含次要诊断）",
    columns=(
        Column("setl_id", "str", "结算ID", required=True, nullable=False),
        Column("diag_code", "str", "诊断编码（医保版 ICD-10）", required=True, nullable=False),
        Column("maindiag_flag", "code", "主诊断标志（1 主诊断 / 0 其他诊断）", required=True, nullable=False,
               codes="flag01"),
        Column("adm_cond_type", "code", "入院病情（1 有 / 2 临床未确定 / 3 情况不明 / 4 无）", codes="adm_cond"),
    ),
    key=("setl_id", "diag_code"),
    period_source="link",
    link_setl_id=True,
    own=True,
    optional=True,
    note="可选；一次住院结算的每个出院诊断一行（结算清单或病案首页）。支付方式考核的并发症发生率 = "
         "有入院病情为“无”（4）的其他诊断的病例 ÷ 提供了诊断的病例；未提供时该指标为“缺少数据”。",
)

OPRN_GRADE = Table(
    name="oprn_grade",
    cn="手术分级目录",
    columns=(
        Column("oprn_code", "str", "手术操作编码（医保版 ICD-9-CM-3）", required=True, nullable=False),
        Column("oprn_grade", "code", "手术级别（1 至 4 级）", required=True, nullable=False, codes="oprn_grade"),
        Column("oprn_name", "str", "手术操作名称"),
    ),
    key=("oprn_code",),
    period_source="snapshot",
    own=True,
    optional=True,
    note="可选；本地区执行的手术分级目录。支付方式考核的三四级手术占比 = 主手术为三、四级的病例 ÷ "
         "主手术在目录中的病例；未提供时该指标为“缺少数据”。再次导入即整体替换。",
)

PATIENT_SATISFACTION = Table(
    name="patient_satisfaction",
    cn="住院患者满意度调查",
    columns=(
        Column("admdvs", "admdvs", "统筹地区区划", required=True, nullable=False),
        Column("year", "int", "年度", required=True, nullable=False),
        Column("fixmedins_code", "str", "定点医疗机构编号", required=True, nullable=False),
        Column("surveyed_cnt", "int", "接受调查患者数", required=True, nullable=False),
        Column("satisfied_cnt", "int", "满意患者数", required=True, nullable=False),
    ),
    key=("admdvs", "year", "fixmedins_code"),
    period_source="year",
    period_column="year",
    parts=(("satisfied_cnt", "surveyed_cnt"),),
    admdvs_from_row=True,
    own=True,
    optional=True,
    note="可选；医保部门或第三方对各定点医疗机构住院患者的满意度调查（不是附录4对医保部门的问卷）。"
         "支付方式考核的患者满意度 = 满意患者数 ÷ 接受调查患者数；未提供时该指标为“缺少数据”。",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (FIXMEDINS, SETL_D, SETL_LIST, SETL_FEE, SPECIAL_CASE, CLR_RESULT, FUND_REPORT,
              PSN_COUNT, BUDGET, GRP_CATALOG, CODE_CATALOG, EXTERNAL, PAY_COEF, BED_DAY_RATE, DAY_SURGERY,
              SETL_DIAG, OPRN_GRADE, PATIENT_SATISFACTION, *YIGONGTI_TABLES)
}

# Load order: referenced tables before the ones that reference them.
LOAD_ORDER = ("fixmedins", "grp_catalog", "code_catalog", "setl_d", "setl_list", "setl_fee", "special_case",
              "clr_result", "fund_report", "psn_count", "budget", "external", "pay_coef", "bed_day_rate",
              "day_surgery", "setl_diag", "oprn_grade", "patient_satisfaction", *(t.name for t in YIGONGTI_TABLES))

# Columns that identify a person: dropped on ingest (noted in the load report), never stored.
PERSONAL_COLUMNS = frozenset({
    "certno", "psn_cert_type", "psn_name", "name", "brdy", "birthday", "tel", "mob", "mobile",
    "phone", "addr", "address", "live_addr", "mdtrt_cert_no", "card_sn", "email",
})

# Sentinel period for rows valid for all periods (snapshot tables loaded without a period).
SNAPSHOT_PERIOD = "0000-00"


def canonical_column(table: Table, raw: str) -> str | None:
    """Map a file's column header (any case, alias) to the contract name, or None."""
    key = raw.strip().lstrip("\ufeff").lower()
    for c in table.columns:
        if key == c.name or key in c.aliases:
            return c.name
    return None
