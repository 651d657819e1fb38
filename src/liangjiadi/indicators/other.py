"""其他指标 52-57: figures supplied in the `external` table (only when supplied)."""

from __future__ import annotations

from .context import Ctx, dec, q
from .registry import Row, indicator

F = "other"


def _external(cid: int):
    def fn(ctx: Ctx) -> list[Row]:
        out = []
        for r in ctx.external:
            if int(r["indicator_id"]) != cid:
                continue
            code = (r["fixmedins_code"] or "").strip() or None
            v = q(dec(r["value"]))
            out.append(Row(code, v, None, v, None))
        region = [r for r in out if r.fixmedins_code is None]
        return region[:1] + sorted((r for r in out if r.fixmedins_code), key=lambda r: r.fixmedins_code)
    return fn


_METHOD = ("外部提供：external 表中 period = P、indicator_id = {id} 的行；fixmedins_code 为空者为统筹地区，"
           "否则为该机构。未提供时不输出。数值按提供值（浮点）转十进制保留 10 位小数。")
for _id in range(52, 58):
    indicator(_id, family=F, window="month", aggregate="end", method=_METHOD.format(id=_id))(_external(_id))
