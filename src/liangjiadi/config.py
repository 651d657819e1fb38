"""Every setting of the project, from `LJD_*` environment variables and a TOML file.

Precedence (highest first): explicit arguments, environment, the TOML file named by
`LJD_CONFIG` (or `liangjiadi.toml` in the working directory), defaults.
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator

from .errors import ConfigError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_INPATIENT_MED_TYPES = ["21", "22", "23", "24", "25", "26", "28", "52"]


def _toml_path() -> Path:
    return Path(os.environ.get("LJD_CONFIG", "liangjiadi.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LJD_", extra="ignore")

    workdir: Path = Field(Path("ljd-work"), description="工作目录：数据湖、DuckDB 文件、隔离区与输出")
    region_admdvs: str | None = Field(
        None, description="本统筹地区 6 位医保区划代码；缺省时从定点机构表推断"
    )
    region_county_admdvs: list[str] = Field(
        default_factory=list,
        description="本统筹地区所辖县（市、区）的医保区划代码（如 [\"140421\", \"140423\"]）：参保地或机构区划为这些代码的，"
                    "与 region_admdvs 一样算作本地区（本地参保人、本地机构）；县域医共体按县划分服务人群（docs/yigongti.md）",
    )
    region_name: str | None = Field(
        None, description="统筹地区名称（如“长治市”）；报告标题用它，缺省时用区划代码"
    )
    engine: Literal["duckdb", "pyspark"] = Field("duckdb", description="计算引擎")
    spark_master: str = Field(
        "local[2]",
        description="pyspark 引擎连接的 Spark：local[N]（本机 N 核）、spark://主机:端口（独立集群）"
                    "或 sc://主机:端口（Spark Connect）；环境变量 LJD_SPARK_MASTER（docs/deploy.md）",
    )
    spark_driver_memory: str = Field("4g", description="Spark 驱动进程内存（如 4g）")
    spark_executor_memory: str = Field("2g", description="集群上每个 Spark 执行器的内存（如 2g）")
    spark_executor_cores: int | None = Field(None, description="集群上每个 Spark 执行器的核数；缺省由集群决定")
    spark_lake_uri: str | None = Field(
        None,
        description="各执行器读取数据湖的地址（如 hdfs://nn/ljd/lake 或 s3a://bucket/lake）；缺省时用工作目录下 lake 的绝对路径，"
                    "集群各节点须在同一路径挂载共享文件系统",
    )
    pseudonym_key: SecretStr | None = Field(
        None, description="人员编号假名化 HMAC 密钥；不与数据放在一起"
    )
    pseudonym_key_file: Path = Field(
        Path.home() / ".config" / "liangjiadi" / "pseudonym.key",
        description="密钥文件（未设置 pseudonym_key 时使用；新数据湖首次导入时生成，已记录密钥指纹的数据湖不会自动生成）",
    )
    inpatient_med_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INPATIENT_MED_TYPES),
        description="计为住院的医疗类别代码",
    )
    pharmacy_med_types: list[str] = Field(default_factory=lambda: ["41"], description="计为药店购药的医疗类别")
    extra_codes: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="地方扩展代码，如 {med_type = {'9901' = '门诊特殊病'}}",
    )
    local_indicators_file: Path | None = Field(
        None, description="地方特色指标定义文件（YAML）；缺省时使用工作目录下的 local_indicators.yaml（若存在）"
    )
    detectors_file: Path | None = Field(
        None, description="异常检测配置文件（YAML：调整检测器阈值、停用检测器、地区自定义检测器）；"
                          "缺省时使用工作目录下的 detectors.yaml（若存在）"
    )
    yigongti_file: Path | None = Field(
        None, description="县域医共体规则文件（YAML：风险调节金比例、考核权重与目标、等级与结余留用/超支分担比例、"
                          "预警阈值）；缺省时使用工作目录下的 yigongti.yaml（若存在），否则用内置缺省值（docs/yigongti.md）"
    )
    payment_file: Path | None = Field(
        None, description="支付方式配置文件（TOML：DRG/DIP、系数、极值阈值、结余留用与超支分担等）；"
                          "缺省时使用工作目录下的 payment.toml（若存在），否则用内置默认值"
    )
    # ---- plausibility at ingest (导入合理性) ---------------------------------------------
    ingest_amount_max: Decimal = Field(
        Decimal("1000000000"), gt=0, description="导入时金额列绝对值上限（元），超出的行隔离"
    )
    ingest_amount_max_by_column: dict[str, Decimal] = Field(
        default_factory=lambda: {"fund_report.amount": Decimal("1000000000000"),
                                 "budget.amount": Decimal("1000000000000")},
        description="按“表.列”单独设置的金额上限（元），如 {'setl_d.medfee_sumamt' = 5000000}",
    )
    ingest_date_min: date = Field(date(1990, 1, 1), description="导入时日期下限，更早的行隔离")
    ingest_date_days_ahead: int = Field(
        1, ge=0, description="导入时日期最多晚于今天的天数；晚于当前月份的期间一律隔离"
    )
    duckdb_memory_limit: str = Field(
        "8GB", description="DuckDB 内存上限（如 2GB）；超出时 DuckDB 把中间结果写到 duckdb_temp_directory 落盘，"
                           "环境变量 LJD_DUCKDB_MEMORY_LIMIT（docs/deploy.md）",
    )
    duckdb_temp_directory: Path | None = Field(
        None, description="DuckDB 超出内存上限时落盘的目录；缺省时计算用工作目录下的 ljd.duckdb.tmp，"
                          "导入用本次导入的临时目录；环境变量 LJD_DUCKDB_TEMP_DIRECTORY",
    )
    duckdb_threads: int = Field(2, description="DuckDB 线程数")
    # ---- replacement safety (导入替换保护) -------------------------------------------------
    replace_min_ratio: float = Field(
        0.8, ge=0, le=1,
        description="导入时某分区（表/区划/月份）新交付的行数低于数据湖已有行数的该比例即拒绝替换，"
                    "除非加 --replace；0 为不检查",
    )
    replace_max_institution_loss: float = Field(
        0.1, ge=0, le=1,
        description="定点医药机构表某分区缺少的已有机构超过该比例即拒绝替换，除非加 --replace；1 为不检查",
    )
    lock_wait_seconds: float = Field(
        30, ge=0, description="另一个命令正在使用工作目录时，本命令最多等待的秒数；超时则拒绝执行"
    )

    # ---- releases (发布) ---------------------------------------------------------------
    database_url: str | None = Field(
        None, description="发布元数据与审计日志数据库（SQLAlchemy URL）；缺省为 sqlite:///<工作目录>/ljd.sqlite"
    )
    release_quorum: float = Field(
        2, gt=0, description="审议通过所需同意人数：≥1 为人数，0 与 1 之间为在册成员的比例（向上取整）；"
                             "实际人数不少于内置下限 2，配置不能降低"
    )
    release_seal_key_file: Path = Field(
        Path.home() / ".config" / "liangjiadi" / "release-seal.key",
        description="发布封签密钥文件（HMAC，须在工作目录之外；首次提交审议时生成，权限 0600）",
    )
    small_count_threshold: int = Field(
        5, ge=1, description="小数抑制阈值：1 至阈值减 1 的人数在发布件中显示为“<阈值”"
    )
    internal_indicators: list[str] = Field(
        default_factory=list, description="仅内部使用的指标编号（如 [\"45\", \"L01\"]）：不进入任何发布，"
                                          "release create 将其剔除并列出；门户从不显示"
    )
    peer_min_volume: int = Field(
        30, ge=1, description="同级比较：本期出院人次低于此数的机构列出本院值，但不参与同级统计与排名"
                              "（病例过少时一例即可明显改变均值）"
    )
    person_count_keys: list[str] = Field(
        default_factory=lambda: ["persons", "person_count", "psn_count", "patients", "patient_count",
                                 "n_persons", "members", "cluster_size"],
        description="疑点证据中表示人数的键（另：以 _persons 结尾的键），发布时做小数抑制",
    )
    redaction_name_headers: list[str] = Field(
        default_factory=lambda: ["姓名", "患者姓名", "参保人姓名", "人员姓名", "患者", "参保人",
                                 "psn_name", "patient_name"],
        description="脱敏扫描：视为姓名列的表头；其下的非空单元格一律视为个人姓名",
    )
    redaction_psn_pattern: str | None = Field(
        None, description="脱敏扫描：原始人员编号的正则表达式（如本地编号规则），缺省不检查"
    )

    # ---- portal (门户) ----------------------------------------------------------------------
    portal_cookie_secure: bool = Field(
        True, description="会话 Cookie 仅经 HTTPS 发送（Secure）；仅在本机回环地址以 http 测试时设为 false"
    )
    portal_session_hours: int = Field(8, ge=1, le=72, description="门户会话有效小时数")
    smtp_host: str | None = Field(None, description="发布通知邮件的 SMTP 服务器；缺省不发邮件，仅门户内通知")
    smtp_port: int = Field(25, description="SMTP 端口")
    mail_from: str = Field("liangjiadi@localhost", description="通知邮件的发件人地址")
    objection_answer_days: int = Field(15, ge=1, le=90, description="机构异议的答复期限（工作日）")
    letter_selfcheck_days: int = Field(15, ge=1, le=90, description="提醒函要求机构自查并报送自查报告的期限（工作日）")
    attachment_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="异议附件、自查报告单个文件的大小上限（字节）")
    attachment_types: list[str] = Field(
        default_factory=lambda: ["pdf", "docx", "doc", "xlsx", "xls", "jpg", "jpeg", "png"],
        description="异议附件、自查报告允许的文件类型（扩展名，按文件头核对）",
    )
    holidays: list[date] = Field(
        default_factory=list, description="法定节假日（不计入工作日，如 2026-10-01）；周六、周日总不计入"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_toml_path())
        return (init_settings, env_settings, toml, file_secret_settings)

    @field_validator("region_county_admdvs")
    @classmethod
    def _six_digit_counties(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not (len(str(c)) == 6 and str(c).isdigit())]
        if bad:
            raise ValueError(f"region_county_admdvs 中的区划代码须为 6 位数字：{'、'.join(map(str, bad))}")
        return [str(c) for c in v]

    def own_admdvs(self, region: str | None) -> list[str]:
        """The codes that count as the region's own: its code and, when it is the configured
        region (or none is configured), its counties. The one place that says what 本地 is."""
        codes = [region] if region else []
        if region and self.region_admdvs in (None, region):
            codes += [c for c in self.region_county_admdvs if c != region]
        return codes

    def resolve_database_url(self) -> str:
        """The release database; a SQLite file in the work directory unless configured."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(Path(self.workdir) / 'ljd.sqlite').resolve()}"

    def resolve_pseudonym_key(self, create: bool = True) -> bytes:
        """The HMAC key; created once in the user's config dir, never in the workdir."""
        return self.load_pseudonym_key(create)[0]

    def load_pseudonym_key(self, create: bool) -> tuple[bytes, bool]:
        """(key, created now). The key is `pseudonym_key` if set, else the key file, which is
        generated (random, owner-only) only when `create` and it does not exist. A missing
        file with create=False, or a key shorter than MIN_KEY_BYTES, raises ConfigError."""
        if self.pseudonym_key is not None:
            return _checked_key(self.pseudonym_key.get_secret_value().encode("utf-8"),
                                "配置项 pseudonym_key"), False
        path = self.pseudonym_key_file.expanduser()
        created = False
        if not path.exists():
            if not create:
                raise ConfigError(f"找不到假名化密钥文件 {path}。", code="key_missing")
            created = create_key_file(path)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"无法读取假名化密钥文件 {path}：{exc.__class__.__name__}", code="key_unreadable") from exc
        return _checked_key(text.encode("utf-8"), f"密钥文件 {path}"), created

    def pseudonym_key_location(self) -> str:
        """Where the key comes from, for messages (never the key itself)."""
        if self.pseudonym_key is not None:
            return "配置项 pseudonym_key（环境变量 LJD_PSEUDONYM_KEY 或配置文件）"
        return str(self.pseudonym_key_file.expanduser())


MIN_KEY_BYTES = 32


def create_key_file(path: Path) -> bool:
    """Write a random key (the pseudonym key, the release seal key), owner-only, and link it into place only if no key is there yet
    (two processes starting at once must end up with one key). True if this call made it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _checked_key(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{where} 中的假名化密钥只有 {len(key)} 字节，至少需要 {MIN_KEY_BYTES} 字节，拒绝使用。",
                          "短密钥可被穷举猜出，人员假名可被还原。请用 liangjiadi key init 生成随机密钥，"
                          "或设置至少 32 字节的随机字符串。", code="key_too_short")
    return key


DISPLAY_TZ = ZoneInfo("Asia/Shanghai")  # times are stored in UTC, shown in Beijing time


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC or naive-UTC) time as Beijing time text; "—" when absent."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(DISPLAY_TZ).strftime(fmt)


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return Settings()


def get_settings(**overrides) -> Settings:
    """Settings with optional overrides (e.g. from CLI options that were given)."""
    base = _cached()
    clean = {k: v for k, v in overrides.items() if v is not None}
    return base.model_copy(update=clean) if clean else base


def reset_settings_cache() -> None:
    _cached.cache_clear()
