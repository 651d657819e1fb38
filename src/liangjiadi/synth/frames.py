"""A frame is a dict of equally long numpy arrays: one generated settlement per position.

Frames stay numpy until a block is written, so generation is vectorised and a month can be
produced block by block.
"""

from __future__ import annotations

import numpy as np

from .amounts import MONEY_COLUMNS

NAT_D = np.datetime64("NaT", "D")
NAT_S = np.datetime64("NaT", "s")

# column -> (dtype, fill value for rows that do not have it)
FRAME_COLUMNS: dict[str, tuple[object, object]] = {
    "kind": (np.int8, 0),
    "inst": (np.int64, -1),  # local institution index, -1 for a foreign institution
    "finst": (np.int64, -1),  # foreign institution index, -1 for a local one
    "person": (np.int64, -1),
    "visitor": (bool, False),  # insured in another region
    "insutype": ("U3", ""),
    "psn_type": ("U4", ""),
    "med_type": ("U2", ""),
    "clr_type": ("U2", ""),
    "begn": ("datetime64[D]", NAT_D),
    "end": ("datetime64[D]", NAT_D),
    "setl": ("datetime64[s]", NAT_S),
    "refd": (np.int8, 0),
    "vali": (np.int8, 1),
    "orig_pos": (np.int64, -1),  # for refunds: position of the mirrored row in the block
    "pay_way": ("U8", "none"),
    # inpatient only
    "adrg": (np.int64, -1),
    "group": (np.int64, -1),  # -1: not grouped (QY) or not inpatient
    "diag": (np.int64, -1),
    "adm": ("datetime64[s]", NAT_S),
    "dscg": ("datetime64[s]", NAT_S),
    "upld": ("datetime64[s]", NAT_S),
    "qc": (np.int8, -1),  # -1 no list uploaded
    "dscg_way": ("U1", ""),
    "special": (np.int8, -1),  # -1 no application; 0/1 audit result; 2 pending
    "apply_date": ("datetime64[D]", NAT_D),
    "audit_date": ("datetime64[D]", NAT_D),
    "tag": (np.int16, 0),  # which anomaly/fault produced or changed the row (0 = base)
}
for _m in MONEY_COLUMNS:
    FRAME_COLUMNS[_m] = (np.int64, 0)


def new_frame(n: int) -> dict[str, np.ndarray]:
    return {k: np.full(n, fill, dtype=dt) for k, (dt, fill) in FRAME_COLUMNS.items()}


def frame_len(frame: dict[str, np.ndarray]) -> int:
    return len(frame["kind"])


def concat(frames: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    frames = [f for f in frames if f and frame_len(f)]
    if not frames:
        return new_frame(0)
    out = {}
    offset = 0
    shifted = []
    for f in frames:  # orig_pos points inside its own frame; shift it to the concatenation
        g = dict(f)
        g["orig_pos"] = np.where(f["orig_pos"] >= 0, f["orig_pos"] + offset, -1)
        shifted.append(g)
        offset += frame_len(f)
    for k in FRAME_COLUMNS:
        out[k] = np.concatenate([f[k] for f in shifted])
    return out


def take(frame: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in frame.items()}
