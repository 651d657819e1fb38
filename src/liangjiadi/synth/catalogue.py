"""A compact, hand-written demo DRG catalogue in CHS-DRG form.

Group codes follow the CHS-DRG convention: MDC letter + ADRG letter + digit + severity digit
(1 伴严重并发症或合并症, 3 伴并发症或合并症, 5 不伴并发症或合并症, 9 不区分). Each ADRG lists the
severity splits it has, a base weight (the weight of its 5/9 group), a relative frequency, the
main diagnoses (医保版 ICD-10 sub-codes, XNN.NNN) it is grouped from, and for surgical ADRGs a
main procedure (医保版 ICD-9-CM-3). The figures are plausible, not official.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MDC_NAMES = {
    "A": "先期分组疾病及相关操作", "B": "神经系统疾病及功能障碍", "C": "眼疾病及功能障碍",
    "D": "头颈、耳、鼻、口、咽疾病及功能障碍", "E": "呼吸系统疾病及功能障碍",
    "F": "循环系统疾病及功能障碍", "G": "消化系统疾病及功能障碍", "H": "肝、胆、胰疾病及功能障碍",
    "I": "肌肉、骨骼疾病及功能障碍", "J": "皮肤、皮下组织及乳腺疾病及功能障碍",
    "K": "内分泌、营养、代谢疾病及功能障碍", "L": "肾脏及泌尿系统疾病及功能障碍",
    "M": "男性生殖系统疾病及功能障碍", "N": "女性生殖系统疾病及功能障碍",
    "O": "妊娠、分娩及产褥期", "P": "新生儿及其他围产期新生儿疾病",
    "Q": "血液、造血器官及免疫疾病和功能障碍", "R": "骨髓增生疾病和功能障碍，低分化肿瘤",
    "S": "感染及寄生虫病（全身性或不明确部位的）", "T": "精神疾病及功能障碍",
    "U": "酒精/药物使用及其引起的器质性精神功能障碍", "V": "创伤、中毒及药物毒性反应",
    "W": "烧伤", "X": "影响健康因素及其他就医情况", "Y": "HIV 感染疾病及相关操作",
    "Z": "多发严重创伤",
}

SEVERITY_SUFFIX = {"1": "，伴严重并发症或合并症", "3": "，伴并发症或合并症", "5": "，不伴并发症或合并症", "9": ""}
# Weight of a severity group relative to the ADRG's 5/9 group.
SEVERITY_FACTOR = {"1": 1.8, "3": 1.3, "5": 1.0, "9": 1.0}

# Yuan per unit of RW (the region's DRG base rate, 费率).
BASE_RATE_YUAN = 10_000


@dataclass(frozen=True)
class Adrg:
    code: str  # e.g. "EJ1"
    name: str
    splits: str  # severity digits present, e.g. "135", "15", "9"
    weight: float  # RW of the 5 (or 9) group
    freq: float  # relative frequency among inpatient cases
    surgical: bool
    los: float  # mean length of stay (days)
    diags: tuple[tuple[str, float], ...]  # (医保版 ICD-10, relative share)
    procs: tuple[str, ...] = ()

    @property
    def mdc(self) -> str:
        return self.code[0]


def _a(code, name, splits, weight, freq, los, diags, procs=(), surgical=None):
    diag_pairs = tuple((d, 1.0) if isinstance(d, str) else d for d in diags)
    return Adrg(code, name, splits, weight, freq, bool(procs) if surgical is None else surgical, los,
                diag_pairs, tuple(procs))


# fmt: off
ADRGS: tuple[Adrg, ...] = (
    _a("AH1", "有创呼吸机支持≥96小时或ECMO或全人工心脏移植术", "15", 9.5, 0.2, 20, ["J96.000"], ["96.7200"]),
    _a("BB1", "脑创伤开颅术", "135", 4.2, 0.3, 18, ["S06.500", "S06.000"], ["01.2400"]),
    _a("BE2", "脑血管介入治疗", "9", 3.2, 0.3, 10, ["I67.100", "I65.200"], ["39.7200"]),
    _a("BL1", "脑血管病溶栓治疗", "9", 2.0, 0.2, 9, ["I63.900"], ["99.1000"], surgical=False),
    _a("BR2", "脑缺血性疾患", "135", 0.95, 4.2, 10,
       [("I63.000", 3), ("I63.100", 4), ("I63.200", 5), ("I63.300", 3), ("I63.400", 8),
        ("I63.500", 10), ("I63.800", 7), ("I63.900", 60)]),
    _a("BS1", "非创伤性意识障碍", "135", 1.1, 0.3, 8, ["R40.200", "R55.x00"]),
    _a("BX1", "认知功能障碍", "135", 0.9, 0.4, 12, ["G30.900"]),
    _a("BY1", "颅脑损伤", "135", 0.8, 0.8, 8, ["S06.000", "S06.500"]),
    _a("BZ1", "神经系统其他疾患", "135", 0.75, 1.2, 8, ["G40.900", "H81.100", "R51.x00"]),
    _a("CB3", "晶体手术", "9", 0.85, 1.4, 3, ["H25.900"], ["13.4100"]),
    _a("CV1", "各种类型青光眼", "9", 0.7, 0.3, 5, ["H40.900"]),
    _a("CZ1", "其他眼部疾患", "9", 0.5, 0.4, 4, ["H10.900"]),
    _a("DD2", "鼻腔、鼻窦手术", "9", 1.0, 0.5, 6, ["J32.900", "J34.200"], ["22.6300"]),
    _a("DE1", "咽、喉、气管手术", "35", 1.1, 0.4, 6, ["J38.100"], ["30.0900"]),
    _a("DT1", "中耳炎及上呼吸道感染", "9", 0.42, 1.8, 5, ["J06.900"]),
    _a("DW1", "口腔、牙齿有关疾患", "9", 0.5, 0.3, 5, ["K05.100"]),
    _a("DZ1", "其他头、颈、耳、鼻、咽、口疾患", "9", 0.5, 0.5, 5, ["J34.200", "H81.100"]),
    _a("EB1", "肺大手术", "9", 3.6, 0.4, 14, ["C34.900"], ["32.4100"]),
    _a("EJ1", "呼吸系统其他手术", "135", 1.25, 0.6, 10, ["J93.900", "J86.900", "C34.900"], ["33.2300", "34.0400"]),
    _a("ER1", "呼吸系统肿瘤", "35", 1.1, 1.2, 9, ["C34.900", "C78.000"]),
    _a("ES1", "呼吸系统结核", "15", 1.0, 0.3, 14, ["A15.000", "A16.200"]),
    _a("ES3", "呼吸系统感染/炎症", "135", 0.8, 6.0, 8, [("J18.900", 6), ("J15.900", 2), ("J20.900", 3)]),
    _a("ET1", "肺间质性疾患", "135", 1.05, 0.4, 10, ["J84.100"]),
    _a("ET2", "慢性气道阻塞病", "135", 0.85, 3.6, 9, [("J44.100", 5), ("J44.000", 2), ("J44.900", 2), ("J43.900", 1)]),
    _a("EV1", "呼吸系统症状、体征", "15", 0.5, 0.6, 5, ["R06.000"]),
    _a("EX1", "哮喘及喘息性支气管炎", "35", 0.6, 0.9, 7, ["J45.900"]),
    _a("EZ1", "其他呼吸系统疾患", "15", 0.7, 0.5, 7, ["J98.400", "J47.x00"]),
    _a("FC1", "冠状动脉手术", "9", 6.5, 0.1, 18, ["I25.100"], ["36.1000"]),
    _a("FL1", "经皮心脏消融术伴房颤和/或房扑", "9", 3.4, 0.3, 6, ["I48.000", "I48.900"], ["37.3400"]),
    _a("FM1", "经皮冠状动脉支架植入", "9", 2.6, 1.4, 7, [("I21.900", 2), ("I20.000", 3), ("I25.100", 2)], ["36.0600"]),
    _a("FM3", "经皮心导管检查操作", "9", 1.1, 0.8, 4, ["I25.100", "I20.000"], ["37.2200"]),
    _a("FR2", "心力衰竭、休克", "15", 1.0, 2.2, 9, ["I50.900", "I11.900"]),
    _a("FR3", "心绞痛", "9", 0.65, 1.6, 7, ["I20.000", "I20.900"]),
    _a("FR4", "冠状动脉粥样硬化/血栓/闭塞", "135", 0.7, 3.8, 8, ["I25.100"]),
    _a("FT1", "心肌病", "135", 1.0, 0.3, 9, ["I42.000"]),
    _a("FU1", "严重心律失常及心脏停搏", "135", 0.85, 0.9, 7, ["I48.900", "I48.000"]),
    _a("FV2", "高血压", "135", 0.6, 2.4, 7, [("I10.x00", 8), ("I10.x05", 2)]),
    _a("FW1", "动脉疾患", "15", 1.0, 0.5, 9, ["I70.200"]),
    _a("GB1", "食管、胃、十二指肠大手术", "15", 4.0, 0.3, 16, ["C16.900"], ["43.7x00"]),
    _a("GC2", "小肠、大肠（含直肠）的其他手术", "135", 2.0, 0.5, 12, ["C18.900", "C20.x00", "K56.700"], ["45.7300"]),
    _a("GD1", "伴穿孔、化脓、坏疽等阑尾切除术", "35", 0.95, 0.8, 7, ["K35.800", "K35.300"], ["47.0100"]),
    _a("GE1", "腹股沟及腹疝手术", "35", 0.85, 1.0, 5, ["K40.900"], ["53.0400"]),
    _a("GF1", "肛管、肛门及肛周手术", "9", 0.6, 1.0, 6, ["K64.900", "K61.000"], ["49.4600"]),
    _a("GK2", "胃镜治疗操作", "35", 0.8, 0.8, 5, ["K63.500", "K25.900"], ["45.4300"]),
    _a("GR1", "消化系统恶性肿瘤", "15", 1.2, 1.2, 10, ["C16.900", "C18.900", "C22.000", "C25.900"]),
    _a("GS1", "胃肠出血", "135", 0.8, 0.9, 7, ["K92.200"]),
    _a("GU2", "其他消化溃疡", "15", 0.7, 0.6, 7, ["K25.900"]),
    _a("GV1", "消化道梗阻或腹痛", "135", 0.6, 1.0, 6, ["K56.700"]),
    _a("GZ1", "其他消化系统诊断", "35", 0.5, 2.6, 6, ["K29.700", "K57.300"]),
    _a("HC3", "除胆囊切除术以外的胆道手术", "135", 2.2, 0.4, 11, ["K80.500", "K80.100"], ["51.8800"]),
    _a("HJ1", "与肝、胆或胰腺疾患有关的其他手术", "15", 2.4, 0.3, 11, ["K80.200", "K81.000"], ["51.2300"]),
    _a("HS1", "肝功能衰竭", "15", 1.5, 0.2, 12, ["K72.900"]),
    _a("HT2", "急性胰腺炎", "135", 1.0, 0.7, 9, ["K85.900"]),
    _a("HZ1", "其他肝脏疾病", "15", 0.8, 0.6, 9, ["K74.600"]),
    _a("IB3", "与脊柱有关的其他手术", "9", 2.6, 0.5, 12, ["M48.000", "M51.200"], ["81.0800"]),
    _a("IC2", "髋、肩、膝、肘和踝关节置换术", "9", 4.4, 0.5, 14, ["M16.900", "M17.900"], ["81.5100", "81.5400"]),
    _a("IF3", "股骨手术", "135", 3.0, 0.5, 14, ["S72.000"], ["79.3500"]),
    _a("IF4", "除股骨以外的下肢骨手术", "9", 2.0, 0.6, 10, ["S82.200"], ["79.3600"]),
    _a("IR1", "骨盆骨折", "9", 1.1, 0.2, 12, ["S32.000"]),
    _a("IS2", "除前臂、腕、手足外的损伤", "9", 0.6, 0.8, 7, ["S42.200", "S52.500", "T14.000"]),
    _a("IT2", "慢性炎症性肌肉骨骼结缔组织疾患", "135", 0.8, 0.5, 9, ["M06.900"]),
    _a("IU1", "骨病及其他关节病", "35", 0.65, 0.9, 9, ["M17.900", "M16.900"]),
    _a("IU2", "颈腰背疾患", "9", 0.55, 2.8, 10, ["M51.200", "M54.500", "M48.000"]),
    _a("JA2", "乳房恶性肿瘤根治性切除术", "9", 2.4, 0.3, 12, ["C50.900"], ["85.4100"]),
    _a("JR1", "乳房恶性肿瘤", "9", 0.9, 0.5, 6, ["C50.900"]),
    _a("JS2", "炎症性皮肤病", "9", 0.5, 0.3, 7, ["L30.900", "L50.900"]),
    _a("JU1", "感染性皮肤病", "135", 0.6, 0.4, 7, ["L03.100", "B02.900"]),
    _a("JJ1", "皮肤、皮下组织的其他手术", "35", 0.9, 0.4, 6, ["D17.900"], ["86.3x00"]),
    _a("KD1", "甲状腺大手术", "9", 1.6, 0.4, 6, ["C73.x00", "E04.900"], ["06.2x00"]),
    _a("KS1", "糖尿病", "15", 0.8, 2.6, 9, [("E11.900", 8), ("E10.900", 1)]),
    _a("KT1", "内分泌、营养、代谢疾病", "35", 0.6, 0.5, 7, ["E87.100", "E05.900"]),
    _a("KZ1", "其他代谢疾患", "135", 0.7, 0.3, 7, ["E78.500"]),
    _a("LJ1", "泌尿系统其他手术", "35", 1.2, 0.6, 6, ["N20.000", "N13.300"], ["59.8x00"]),
    _a("LL1", "肾透析", "15", 0.55, 0.4, 5, ["N18.500"]),
    _a("LR1", "肾功能不全", "135", 1.0, 0.8, 10, ["N18.900", "N18.500"]),
    _a("LS1", "肾炎及肾病", "15", 0.8, 0.4, 9, ["N04.900"]),
    _a("LU1", "肾及尿路感染", "135", 0.6, 1.2, 7, ["N39.000"]),
    _a("LZ1", "肾及泌尿系统其他疾患", "15", 0.55, 0.7, 6, ["N20.000", "N13.300"]),
    _a("MR1", "男性生殖系统恶性肿瘤", "15", 1.0, 0.3, 8, ["C61.x00"]),
    _a("MS1", "男性生殖系统炎症", "35", 0.6, 0.6, 7, ["N41.000", "N40.x00"]),
    _a("NC1", "子宫（除子宫腔内病变以外）手术", "9", 1.6, 0.5, 8, ["D25.900"], ["68.4100"]),
    _a("NR1", "女性生殖系统恶性肿瘤", "35", 1.0, 0.4, 8, ["C53.900"]),
    _a("NS1", "女性生殖系感染", "9", 0.5, 0.4, 6, ["N70.900"]),
    _a("NZ1", "女性生殖系统其他疾患", "9", 0.5, 0.4, 5, ["N83.200"]),
    _a("OB1", "剖宫产术", "9", 1.0, 1.3, 6, ["O82.000"], ["74.1x00"]),
    _a("OE1", "异位妊娠手术", "9", 1.0, 0.3, 6, ["O00.100"], ["66.6201"]),
    _a("OR1", "阴道分娩", "9", 0.55, 1.4, 4, ["O80.000"]),
    _a("OZ1", "与妊娠有关的其他疾患", "9", 0.45, 0.8, 4, ["O47.000", "O03.900"]),
    _a("PR1", "新生儿呼吸窘迫综合征", "135", 2.0, 0.2, 12, ["P22.000"]),
    _a("PS4", "早产儿（出生体重>2499g）", "35", 0.9, 0.3, 8, ["P07.300"]),
    _a("PU1", "足月儿", "35", 0.4, 0.7, 5, ["P59.900"]),
    _a("QR1", "网状内皮及免疫性疾患", "135", 0.8, 0.3, 8, ["D69.300"]),
    _a("QS1", "红细胞病及营养性贫血", "135", 0.7, 0.6, 7, ["D64.900", "D50.900"]),
    _a("RC1", "恶性增生性疾患放射治疗", "9", 1.6, 0.5, 20, ["Z51.000"], ["92.2400"], surgical=False),
    _a("RE1", "恶性增生性疾患的化学治疗和/或其他治疗", "135", 0.9, 2.6, 5, [("Z51.100", 9), ("Z51.800", 1)]),
    _a("RS1", "淋巴瘤及其他类型白血病", "135", 1.5, 0.3, 12, ["C85.900", "C92.000"]),
    _a("RU1", "恶性增生性疾患的其他治疗", "135", 0.9, 0.6, 8, ["C34.900", "C16.900", "C22.000"]),
    _a("SR1", "败血症", "135", 1.5, 0.3, 12, ["A41.900"]),
    _a("ST1", "原因不明的发热", "35", 0.5, 0.4, 5, ["R50.900"]),
    _a("SU1", "病毒性疾患", "9", 0.45, 0.6, 5, ["B34.900"]),
    _a("SV1", "细菌性疾患", "135", 0.6, 0.3, 6, ["A09.000"]),
    _a("TR1", "精神分裂症", "9", 1.3, 0.5, 40, ["F20.900"]),
    _a("TS1", "重大的情感障碍", "9", 1.2, 0.3, 30, ["F32.900"]),
    _a("TT1", "进食及睡眠障碍", "35", 0.7, 0.2, 10, ["F51.000"]),
    _a("UR1", "酒精中毒及戒除", "35", 0.6, 0.2, 8, ["F10.200"]),
    _a("VJ1", "其他损伤的手术", "135", 1.5, 0.5, 9, ["S61.000", "S52.500"], ["86.5900"]),
    _a("VR1", "损伤", "9", 0.5, 0.5, 6, ["S00.000", "T14.000"]),
    _a("VS1", "过敏反应", "9", 0.4, 0.3, 4, ["T78.400"]),
    _a("VZ1", "其他损伤、中毒及毒性反应疾患", "135", 0.6, 0.4, 6, ["T65.900"]),
    _a("WC1", "其他烧伤伴植皮", "9", 2.6, 0.1, 18, ["T24.000"], ["86.6900"]),
    _a("WZ1", "其他烧伤、腐蚀伤及冻伤等灼伤", "35", 0.6, 0.2, 10, ["T30.200"]),
    _a("XS1", "体征及症状", "15", 0.5, 0.5, 5, ["R53.x00"]),
    _a("XT1", "其他后期照护", "35", 0.6, 0.4, 10, ["Z50.000"]),
    _a("YR1", "HIV相关疾患", "135", 1.2, 0.05, 12, ["B20.000"]),
    _a("ZZ1", "多发性重要创伤无手术", "15", 1.6, 0.1, 12, ["T07.x00"]),
)
# fmt: on

# The 31 groups flagged 基层病组 (paid the same at every level); common, low-complexity cases.
BASIC_GROUPS = frozenset({
    "DT19", "ES31", "ES33", "ES35", "ET21", "ET23", "ET25", "FV21", "FV23", "FV25", "FR41", "FR43",
    "FR45", "GZ13", "GZ15", "LU11", "LU13", "LU15", "IU29", "KS11", "KS15", "EX13", "EX15", "OR19",
    "GE13", "GE15", "GF19", "CB39", "ST13", "ST15", "SU19",
})

# Each ADRG's high-cost diagnosis preset for upcoding_diagnosis (category -> share by sub-code).
I63_BASE_SHARES = {"I63.300": 0.03, "I63.500": 0.10, "I63.900": 0.60}
I63_TARGET_SHARES = {"I63.300": 0.15, "I63.500": 0.20, "I63.900": 0.35}


class Catalogue:
    """Array views of the ADRG list and its DRG groups, for vectorised sampling."""

    def __init__(self, adrgs: tuple[Adrg, ...] = ADRGS):
        self.adrgs = adrgs
        self.index = {a.code: i for i, a in enumerate(adrgs)}
        n = len(adrgs)
        self.weight5 = np.array([a.weight for a in adrgs])
        self.freq = np.array([a.freq for a in adrgs])
        self.surgical = np.array([a.surgical for a in adrgs])
        self.los = np.array([a.los for a in adrgs])
        self.mdc = np.array([a.mdc for a in adrgs])
        # groups: one per (adrg, severity digit present)
        codes, names, adrg_of, sev_of, weights, basic = [], [], [], [], [], []
        self.group_index = np.full((n, 10), -1, dtype=np.int64)  # [adrg, severity digit] -> group
        for i, a in enumerate(adrgs):
            for s in a.splits:
                code = f"{a.code}{s}"
                self.group_index[i, int(s)] = len(codes)
                codes.append(code)
                names.append(a.name + SEVERITY_SUFFIX[s])
                adrg_of.append(i)
                sev_of.append(int(s))
                weights.append(round(a.weight * SEVERITY_FACTOR[s], 4))
                basic.append(code in BASIC_GROUPS)
        self.group_codes = np.array(codes)
        self.group_names = names
        self.group_adrg = np.array(adrg_of)
        self.group_sev = np.array(sev_of)
        self.group_weight = np.array(weights)
        self.group_basic = np.array(basic)
        self.group_pay_std_fen = np.round(self.group_weight * BASE_RATE_YUAN * 100).astype(np.int64)
        self.basic_adrg = np.zeros(n, dtype=bool)
        self.basic_adrg[self.group_adrg[self.group_basic]] = True
        # diagnoses, flattened: diag_offsets[i]..diag_offsets[i+1] belong to adrg i
        diag_codes, diag_p, offsets = [], [], [0]
        for a in adrgs:
            total = sum(p for _, p in a.diags)
            for code, p in a.diags:
                diag_codes.append(code)
                diag_p.append(p / total)
            offsets.append(len(diag_codes))
        self.diag_codes = np.array(diag_codes)
        self.diag_p = np.array(diag_p)
        self.diag_offsets = np.array(offsets)
        self.diag_adrg = np.repeat(np.arange(n), np.diff(self.diag_offsets))
        self.proc_codes = np.array([a.procs[0] if a.procs else "" for a in adrgs])

    def group_of(self, adrg: np.ndarray, severity: np.ndarray) -> np.ndarray:
        return self.group_index[adrg, severity]

    def has_severity(self, adrg: np.ndarray, severity: int) -> np.ndarray:
        return self.group_index[adrg, severity] >= 0

    def catalogue_rows(self) -> dict[str, list]:
        """grp_catalog columns (contract names)."""
        return {
            "grp_type": ["DRG"] * len(self.group_codes),
            "grp_code": list(self.group_codes),
            "grp_name": self.group_names,
            "adrg_code": [c[:3] for c in self.group_codes],
            "mdc_code": [f"MDC{c[0]}" for c in self.group_codes],
            "weight": [f"{w:.4f}" for w in self.group_weight],
            "pay_std_fen": list(self.group_pay_std_fen),
            "basic_grp_flag": ["1" if b else "0" for b in self.group_basic],
        }
