"""`liangjiadi key init|show-fingerprint`: the pseudonym key, for the administrator.

Only the key's fingerprint is ever printed, never the key. The fingerprint recorded with the
lake at its first ingest tells whether the configured key is the one the lake was made with.
"""

from __future__ import annotations

from pathlib import Path

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for

key_app = typer.Typer(help="假名化密钥：生成密钥、显示与核对密钥指纹（管理员使用；不显示密钥本身）。",
                      no_args_is_help=True)


@key_app.command("init")
def init(workdir: WorkdirOpt = None) -> None:
    """生成假名化密钥（放在工作目录之外，仅属主可读）并显示其位置与指纹；已有密钥时不覆盖。"""
    from ..ingest.pseudonym import fingerprint, refuse_key_in_workdir

    with friendly_errors():
        settings = settings_for(workdir, optional_workdir=True)
        refuse_key_in_workdir(settings, Path(settings.workdir))
        key, created = settings.load_pseudonym_key(create=True)
        where = settings.pseudonym_key_location()
        if created:
            console.print(f"已生成假名化密钥：{where}（仅属主可读）")
            console.print("请另行备份这个文件：丢失后，新旧月份的人员假名将无法对应。")
        elif settings.pseudonym_key is not None:
            console.print(f"密钥由{where}提供，无需生成。")
        else:
            console.print(f"密钥已存在，未覆盖：{where}")
        console.print(f"密钥指纹：{fingerprint(key)}")
        _compare_with_lake(Path(settings.workdir), fingerprint(key))


@key_app.command("show-fingerprint")
def show_fingerprint(workdir: WorkdirOpt = None) -> None:
    """显示当前配置的密钥的位置与指纹，以及数据湖记录的指纹，并核对二者是否一致。"""
    from ..ingest.pseudonym import fingerprint

    with friendly_errors():
        settings = settings_for(workdir, optional_workdir=True)
        key, _ = settings.load_pseudonym_key(create=False)
        console.print(f"密钥位置：{settings.pseudonym_key_location()}")
        console.print(f"密钥指纹：{fingerprint(key)}")
        if not _compare_with_lake(Path(settings.workdir), fingerprint(key)):
            raise typer.Exit(code=1)


def _compare_with_lake(workdir: Path, fp: str) -> bool:
    """Print the lake's recorded fingerprint and whether it matches; False on a mismatch."""
    from .. import lake

    recorded = lake.recorded_key_fingerprint(workdir) if workdir.exists() else None
    if recorded is None:
        console.print(f"数据湖 {lake.lake_root(workdir)} 尚未记录密钥指纹（首次导入时记录）。")
        return True
    if recorded == fp:
        console.print(f"数据湖记录的指纹：{recorded}（一致）")
        return True
    console.print(f"[red]数据湖记录的指纹：{recorded}，与当前密钥不一致[/]：用当前密钥导入会被拒绝。")
    return False


def register(app: typer.Typer) -> None:
    app.add_typer(key_app, name="key")
