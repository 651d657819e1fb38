"""`liangjiadi user ...`: the registry of people who use the portal (thin: logic in accounts/)."""

from __future__ import annotations

import sys
from datetime import datetime, time, timezone
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError
from .common import WorkdirOpt, console, friendly_errors, settings_for
from .release import ByOpt, _by

user_app = typer.Typer(help="用户与角色：门户账户的新增、列出、停用与重置密码（三员分立）。", no_args_is_help=True)

PasswordStdinOpt = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（第一行），不在命令行出现")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ConfigError("标准输入中没有密码", "例如：printf '%s\\n' \"$PASSWORD\" | liangjiadi user add ... --password-stdin")
        return line.rstrip("\r\n")
    first = typer.prompt("密码", hide_input=True)
    if typer.prompt("再次输入密码", hide_input=True) != first:
        raise ConfigError("两次输入的密码不一致")
    return first


def _date(text: str | None) -> datetime | None:
    """The last moment of that day (Beijing time), in UTC."""
    if not text:
        return None
    from ..config import DISPLAY_TZ

    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ConfigError(f"日期格式不正确：{text}", "应为 YYYY-MM-DD，例如 2027-06-30") from None
    return datetime.combine(day, time(23, 59, 59), DISPLAY_TZ).astimezone(timezone.utc)


def user_add(
    username: Annotated[str, typer.Option("--username", "-u", help="登录用户名（字母、数字、_ . -）")],
    role: Annotated[str, typer.Option("--role", "-r", help="sysadmin secadmin auditor officer member convener "
                                                              "institution county province supervisor")],
    workdir: WorkdirOpt = None,
    fixmedins: Annotated[str | None, typer.Option("--fixmedins", help="机构用户：定点医药机构编码")] = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="区划代码：统筹地区；县区查看人员填县区；省级填省")] = None,
    name: Annotated[str | None, typer.Option("--name", help="姓名（显示与水印用；缺省为用户名）")] = None,
    email: Annotated[str | None, typer.Option("--email", help="接收发布通知的邮箱（可选）")] = None,
    valid_until: Annotated[str | None, typer.Option("--valid-until", help="监督席位的有效期截止日 YYYY-MM-DD")] = None,
    member_role: Annotated[str | None, typer.Option("--member-role", help="工作组成员的成员角色：insurer hospital pharmacy staff（缺省 insurer）")] = None,
    password_stdin: PasswordStdinOpt = False,
    by: ByOpt = None,
) -> None:
    """新增用户（工作组成员与召集人同时登记为发布审议成员）。"""
    from ..accounts import add_user

    with friendly_errors():
        password = _password(password_stdin)
        u = add_user(username, role, password, settings_for(workdir), actor=_by(by), display_name=name,
                     fixmedins=fixmedins, admdvs=admdvs, valid_until=_date(valid_until), member_role=member_role,
                     email=email)
    extra = f"，已登记为发布审议成员 {u.member_id}" if u.member_id else ""
    console.print(f"已新增用户 {escape(u.username)}（{u.role_cn}）{extra}；操作已记入访问日志", soft_wrap=True)


def user_list(workdir: WorkdirOpt = None) -> None:
    """列出用户（不显示密码摘要）。"""
    from ..accounts import list_users
    from ..config import local_time

    with friendly_errors():
        users = list_users(settings_for(workdir))
    table = Table(title=f"用户（{len(users)} 个）")
    for col in ("用户名", "姓名", "角色", "机构", "区划", "审议成员", "状态", "有效期至"):
        table.add_column(col)
    for u in users:
        state = "在用" if u.active else "已停用"
        if u.locked_until and u.locked_until > datetime.now(timezone.utc):
            state += "（锁定中）"
        table.add_row(escape(u.username), escape(u.display_name), u.role_cn, u.fixmedins_code or "—", u.admdvs or "—",
                      u.member_id or "—", state, local_time(u.valid_until) if u.valid_until else "—")
    console.print(table)


def user_disable(username: Annotated[str, typer.Argument(help="用户名")], workdir: WorkdirOpt = None,
                 by: ByOpt = None) -> None:
    """停用用户：不能再登录，已登录的会话失效；关联的审议成员同时停用。"""
    from ..accounts import disable_user

    with friendly_errors():
        u = disable_user(username, settings_for(workdir), actor=_by(by))
    console.print(f"用户 {escape(u.username)} 已停用")


def user_reset_password(username: Annotated[str, typer.Argument(help="用户名")], workdir: WorkdirOpt = None,
                        password_stdin: PasswordStdinOpt = False, by: ByOpt = None) -> None:
    """重置密码（同时解除锁定、恢复停用的账户，原有会话失效）。"""
    from ..accounts import reset_password

    with friendly_errors():
        password = _password(password_stdin)
        u = reset_password(username, password, settings_for(workdir), actor=_by(by))
    console.print(f"用户 {escape(u.username)} 的密码已重置")


for _name, _func in (("add", user_add), ("list", user_list), ("disable", user_disable),
                     ("reset-password", user_reset_password)):
    user_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
