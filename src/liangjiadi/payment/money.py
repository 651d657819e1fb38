"""Money to the fen: one rounding rule, and the one rule that places a rounding remainder."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

FEN = Decimal("0.01")
ZERO = Decimal(0)


def exact(x) -> Decimal:
    """Work at 60 digits so a product of shares never loses a fen."""
    with localcontext() as c:
        c.prec = 60
        return +Decimal(x)


def fen(x: Decimal) -> Decimal:
    """Round half up to the fen (the national settlement rule for amounts)."""
    with localcontext() as c:
        c.prec = 60
        return x.quantize(FEN, rounding=ROUND_HALF_UP)


def ratio(num: Decimal, den: Decimal) -> Decimal:
    with localcontext() as c:
        c.prec = 60
        return num / den


def allocate(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split `total` (whole fen) in proportion to `weights`, to the fen, summing exactly to it.

    The largest-remainder rule: every share is first cut down to the fen; the fen left over
    go one each to the largest cut-off remainders, ties to the smaller code. An all-zero weight
    gives every key 0 and the total is then not placeable (the caller reports it).
    """
    total = fen(total)
    out = {k: ZERO for k in weights}
    weight_sum = sum(weights.values(), ZERO)
    if weight_sum <= 0 or total == 0:
        return out
    with localcontext() as c:
        c.prec = 60
        remainders = []
        for k, w in weights.items():
            share = total * w / weight_sum
            cut = share.quantize(FEN, rounding=ROUND_DOWN)
            out[k] = cut
            remainders.append((share - cut, k))
        left = int(((total - sum(out.values(), ZERO)) / FEN).to_integral_value())
    remainders.sort(key=lambda rk: (-rk[0], rk[1]))
    for _, k in remainders[:left]:
        out[k] += FEN
    return out
