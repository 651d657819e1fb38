"""Server-rendered pages (Jinja2, Chinese)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


def error_page(request: Request, status: int, message: str, hint: str = "") -> HTMLResponse:
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p><p>{hint}</p>", status_code=status)
