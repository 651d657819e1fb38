"""Code tables of the national platform (国家医疗保障信息平台) used by the input contract.

Regions extend them with local codes through the `extra_codes` setting.
"""

from __future__ import annotations

INSUTYPE = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "350": "一至六级残疾军人医疗补助",
    "360": "老红军医疗保障",
    "370": "企业补充医疗保险",
    "380": "新型农村合作医疗",
    "390": "城乡居民基本医疗保险",
    "391": "城镇居民基本医疗保险",
    "392": "城乡居民大病医疗保险",
    "399": "其他特殊人员医疗保障",
    "410": "长期照护保险",
    "510": "生育保险",
}
# Which 险种 belong to the employee (职工) and the resident (居民) scheme.
EMPLOYEE_INSUTYPES = ("310", "320", "330", "340", "350", "360", "370")
RESIDENT_INSUTYPES = ("380", "390", "391", "392")

MED_TYPE = {
    "11": "普通门诊",
    "12": "门诊挂号",
    "13": "急诊",
    "14": "门诊慢特病",
    "15": "门诊特殊病",
    "16": "门诊两病",
    "19": "其他门诊",
    "21": "普通住院",
    "22": "外伤住院",
    "23": "转外诊治住院",
    "24": "急诊转住院",
    "25": "其他住院",
    "26": "单病种住院",
    "28": "日间手术",
    "41": "定点药店购药",
    "51": "生育门诊",
    "52": "生育住院",
    "53": "计划生育手术费",
    "99": "其他",
}

CLR_TYPE = {"11": "门诊", "21": "住院", "41": "药店购药", "99": "其他"}

HOSP_LV = {
    "01": "三级特等",
    "02": "三级甲等",
    "03": "三级乙等",
    "04": "三级丙等",
    "05": "二级甲等",
    "06": "二级乙等",
    "07": "二级丙等",
    "08": "一级甲等",
    "09": "一级乙等",
    "10": "一级丙等",
    "11": "无等级",
}

LEVEL_GROUPS = ("三级", "二级", "一级及以下")


def level_group(hosp_lv: str | None) -> str:
    """Peer group of an institution: 三级 / 二级 / 一级及以下 (基层, incl. 无等级)."""
    if hosp_lv in ("01", "02", "03", "04"):
        return "三级"
    if hosp_lv in ("05", "06", "07"):
        return "二级"
    return "一级及以下"


FIXMEDINS_TYPE = {"1": "定点医疗机构", "2": "定点零售药店"}

SETL_PAY_WAY = {
    "drg_std": "按DRG/DIP付费标准结算",
    "itemized": "据实结算（按项目）",
    "special": "特例单议",
    "bed_day": "按床日付费",
    "none": "非DRG/DIP病例",
}

GRP_TYPE = {"DRG": "按病组付费", "DIP": "按病种分值付费"}

FLAG01 = {"0": "否", "1": "是"}

FUND = {"employee": "职工医保", "resident": "居民医保", "assistance": "城乡医疗救助"}

FUND_ITEM = {
    "income_total": "基金收入合计",
    "income_contribution": "征缴收入",
    "income_personal": "个人缴费",
    "income_fiscal_central": "中央财政补助",
    "income_fiscal_province": "省级财政补助",
    "income_fiscal_local": "市县级财政补助",
    "income_other": "其他收入",
    "expense_total": "基金支出合计",
    "expense_pool": "统筹基金支出（本地就医）",
    "expense_assistance": "医疗救助支出（不含资助参保）",
    "balance_period": "当期结余",
    "balance_cumulative": "累计结余",
}

BUDGET_ITEM = {
    "ipt_pool": "住院统筹基金总额",
    "otp_pool": "门诊统筹基金总额",
    "drg_dip_pool": "DRG/DIP付费统筹基金总额",
    "other": "其他",
}

# 医共体 items entered by the bureau (seeds/003 二、三): 预付金 and the causes of a 合理超支.
YIGONGTI_ITEM = {
    "advance": "预付金",
    "overspend_policy": "超支原因：医保政策调整",
    "overspend_price": "超支原因：医疗服务价格调整",
    "overspend_volume": "超支原因：参保人员就医数量大幅增加",
}
# 支付级别 of the payment inputs (bed_day_rate): schema.level_group's three peer groups.
PAY_LEVEL = {"3": "三级", "2": "二级", "1": "一级及以下"}

# 入院病情 of a discharge diagnosis (住院病案首页数据填写质量规范, 2016): 4 = the condition was absent
# on admission, so a secondary diagnosis coded 4 arose in hospital (payment.assess: 并发症).
ADM_COND = {"1": "有", "2": "临床未确定", "3": "情况不明", "4": "无"}
# 手术分级 (医疗机构手术分级管理办法, 国卫办医政发〔2022〕18号): 一级 to 四级.
OPRN_GRADE = {"1": "一级手术", "2": "二级手术", "3": "三级手术", "4": "四级手术"}

INST_KIND = ("综合", "专科", "中医", "妇幼", "基层")
OWNERSHIP = ("公立", "民营")

CATALOG_CODE_TYPE = {"diag": "诊断（医保版 ICD-10）", "oprn": "手术操作（医保版 ICD-9-CM-3）"}

CODE_TABLES: dict[str, dict[str, str]] = {
    "insutype": INSUTYPE,
    "med_type": MED_TYPE,
    "clr_type": CLR_TYPE,
    "hosp_lv": HOSP_LV,
    "fixmedins_type": FIXMEDINS_TYPE,
    "setl_pay_way": SETL_PAY_WAY,
    "grp_type": GRP_TYPE,
    "flag01": FLAG01,
    "fund": FUND,
    "fund_item": FUND_ITEM,
    "budget_item": BUDGET_ITEM,
    "yigongti_item": YIGONGTI_ITEM,
    "pay_level": PAY_LEVEL,
    "catalog_code_type": CATALOG_CODE_TYPE,
    "adm_cond": ADM_COND,
    "oprn_grade": OPRN_GRADE,
}


def code_table(name: str, extra: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """A code table merged with the region's local extensions."""
    merged = dict(CODE_TABLES[name])
    if extra and name in extra:
        merged.update(extra[name])
    return merged
