"""The server-side print of a dashboard (portal/printing.py): a PDF with the reader's watermark on
every page and its id in the access log; another institution's print is refused and logged; the
frozen files download byte for byte as frozen."""

from __future__ import annotations

from urllib.parse import quote

from liangjiadi.accounts import query_access
from liangjiadi.portal.catalog import find_release

from .conftest import OWN, PEER, PUB, client_for


def test_a_printed_dashboard_carries_the_readers_watermark_id_in_the_pdf_and_the_log(sqlite_portal):
    client = client_for(sqlite_portal, "inst")
    r = client.get(f"/releases/{PUB}/institutions/{OWN}/print.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    entry = query_access(sqlite_portal.settings, action="print", username="inst")[0]
    assert (entry.release_id, entry.fixmedins_code, entry.detail["format"]) == (PUB, OWN, "pdf")
    assert entry.watermark_id and entry.watermark_id.encode() in r.content  # in the PDF's metadata
    assert entry.watermark_id in r.headers["content-disposition"]


def test_the_watermark_is_drawn_into_every_page(monkeypatch):
    from matplotlib.figure import Figure

    from liangjiadi.portal import printing

    stamped = []
    real = printing._stamp
    monkeypatch.setattr(printing, "_stamp", lambda fig, text: (stamped.append((id(fig), text)), real(fig, text)))
    data = {"institution": {"code": OWN, "name": "医院"}, "figures": [
        {"indicator_id": str(i), "name": f"指标{i}", "unit": "yuan", "value": str(i)} for i in range(30)],
        "peers": {}, "series": {"periods": ["2025-11", "2025-12"], "institution": {"1": {"2025-12": "1"}},
                                "region": {}},
        "release": {"admdvs": "140400", "period_cn": "2025年12月", "kind_cn": "月推送", "version": 1, "state_cn": "已发布",
                    "data_hash": "ab" * 8, "mark": None}}
    body = printing.dashboard_pdf(data, "甲 · H1 · 2026-12-01 10:00 · 0123456789ab", "0123456789ab")
    assert body.startswith(b"%PDF") and b"0123456789ab" in body
    assert len(stamped) == 3 and all(text.endswith("0123456789ab") for _, text in stamped)  # 2 table pages + 1 chart page
    fig = Figure()
    real(fig, "水印文字")
    assert sum(t.get_text() == "水印文字" for t in fig.texts) >= 10  # repeated across the page


def test_another_institutions_print_is_refused_and_frozen_files_download_unchanged(sqlite_portal):
    client = client_for(sqlite_portal, "inst")
    assert client.get(f"/releases/{PUB}/institutions/{PEER}/print.pdf").status_code == 403
    denied = query_access(sqlite_portal.settings, action="denied", username="inst", fixmedins_code=PEER)[0]
    assert denied.path.endswith("/print.pdf")
    path = f"reports/定向推送/{OWN}.docx"
    got = client.get(f"/api/releases/{PUB}/files/{quote(path)}")
    frozen = find_release(sqlite_portal.settings, PUB).path_of(path).read_bytes()
    assert got.status_code == 200 and got.content == frozen
