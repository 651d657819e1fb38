"""The portal (门户): institutions read their releases online, the bureau sees who read what.

    from liangjiadi.portal import create_app
    app = create_app(settings)   # FastAPI; `liangjiadi serve` runs it under uvicorn
"""

from .app import create_app

__all__ = ["create_app"]
